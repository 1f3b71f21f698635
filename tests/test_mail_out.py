"""Outgoing mail leaves for real (P1.5, P3.1, P3.2, P4.4, P6.2).

A server of its own sends through a local SMTP server (aiosmtpd, on the
loopback interface) that keeps every message. A portal customer submits a
support request on the portal form; the FAE escalates it, sales records the
charge agreement and authorises, the workshop analyses, sales quotes a paid
repair, the customer's PO comes in, the unit is repaired, passes QC and is
shipped, each step a JSON-RPC call of the user whose button it is. After each
step the mail queue runs and the test reads, with the ``email`` package, what
reached the customer's contact: the acknowledgement, the authorisation with
its PDF (and box label) and the address to ship to, the units received, the
decision on them, the quotation with its PDF, the repair summary with the
carrier and tracking number of the parcel; in English for Lumen's Anna Berg,
in Traditional Chinese for Formosa's Yvonne Chen.
"""

import email
import email.policy
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from aiosmtpd.controller import Controller
from conftest import OdooServer, Rpc, WebSession, free_port

MAIL_WAIT = 60  # seconds: the longest wait for a message to arrive
CJK = re.compile(r"[\u4e00-\u9fff]")
PDFTOTEXT = shutil.which("pdftotext")

# What each mail says in each language: words of rma_unex's templates and of
# the company's standard shipping instructions (rma_unex/i18n/zh_TW.po).
WORDS = {
    "en_US": {
        "acknowledgement": ["We received your support request", "An engineer will"],
        "authorisation": [
            "Your return is authorised",
            "Units to send",
            "Shipping instructions",
            "outside of the box",
        ],
        "quotation": [
            "Please find attached our quotation",
            "for the repair of the units of RMA",
            "purchase order number",
        ],
        "repair_summary": ["are on their way back", "Replaced components"],
        "received": ["We received units of RMA", "Our engineers now examine"],
        "decision": ["What we do with each of them", "repaired at your cost"],
    },
    "zh_TW": {
        "acknowledgement": ["我們已收到您的技術支援請求", "工程師將在"],
        "authorisation": [
            "您的退貨已核准",
            "請寄送以下機台",
            "寄送說明",
            "請在箱子外側清楚寫上 RMA 號碼",
        ],
        # rma_unex.mail_template_rma_quotation: check_translated below
        "quotation": [],
        "repair_summary": ["的機台已寄出", "更換零件", "追蹤編號"],
        "received": ["我們已收到 RMA", "我們的工程師將開始檢測這些機台"],
        "decision": ["機台的檢測", "各機台的處理方式如下", "付費維修"],
    },
}
# The English of the same templates, which a zh_TW mail must not show.
ENGLISH_ONLY = [
    "Dear",
    "Units to send",
    "Shipping instructions",
    "on their way back",
    "Please find attached",
    "purchase order number",
]

TRACKING = "JD0146000062"  # the tracking number the warehouse types

CUSTOMERS = {
    # login: (device serial, MAC) of the unit this customer sends back
    "lumen": ("SMTP-EN-0001", "00:01:A7:5E:00:01"),
    "formosa": ("SMTP-TW-0001", "00:01:A7:5E:00:02"),
}


class Delivery(NamedTuple):
    """One message the SMTP server accepted."""

    envelope_from: str
    envelope_to: tuple
    message: email.message.EmailMessage
    raw: bytes

    def raw_header(self, name):
        """A header as it travelled (RFC 2047 encoded words and all)."""
        return str(
            email.message_from_bytes(self.raw, policy=email.policy.compat32)[name]
        )

    @property
    def subject(self):
        return str(self.message["Subject"])

    @property
    def body(self):
        part = self.message.get_body(preferencelist=("html", "plain"))
        return part.get_content() if part else ""

    @property
    def text(self):
        """The body as a reader sees it: no markup, spaces collapsed."""
        text = re.sub(r"<[^>]+>", " ", self.body)
        text = text.replace("&nbsp;", " ").replace("&amp;", "&")
        return re.sub(r"\s+", " ", text)

    def pdfs(self):
        """{file name: bytes} of the PDF attachments."""
        return {
            part.get_filename(): part.get_content()
            for part in self.message.iter_attachments()
            if part.get_content_type() == "application/pdf"
        }


class MailSink:
    """aiosmtpd handler: keeps every message, parsed as the ``email`` package
    does for a mail client (policy=default: RFC 2047 headers decoded)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._deliveries = []

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self._deliveries.append(
                Delivery(envelope.mail_from, tuple(envelope.rcpt_tos), message, raw)
            )
        return "250 Message accepted for delivery"

    def deliveries(self):
        with self._lock:
            return list(self._deliveries)

    def mark(self):
        return len(self.deliveries())

    def wait_for(self, since, address, subject_part, explain, timeout=MAIL_WAIT):
        """The one message to ``address`` whose subject holds ``subject_part``,
        received after ``since``; fails after ``timeout`` seconds without it,
        with what ``explain()`` says."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                d
                for d in self.deliveries()[since:]
                if address in d.envelope_to and subject_part in d.subject
            ]
            if found:
                assert len(found) == 1, [d.subject for d in found]
                return found[0]
            if time.monotonic() > deadline:
                got = [(d.envelope_to, d.subject) for d in self.deliveries()[since:]]
                pytest.fail(
                    f"no mail to {address} about {subject_part!r} within "
                    f"{timeout}s; received: {got}; {explain()}"
                )
            time.sleep(0.2)


@pytest.fixture(scope="module")
def smtp():
    """A local SMTP server on a free loopback port, in a thread."""
    sink = MailSink()
    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), ready_timeout=30
    )
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def check_no_other_mail_server(system, db):
    """The database and the configuration name no SMTP server, so that the
    command line's (the local one) is the only way out."""
    pg = system["pg"]
    servers = pg.query(db, "select name, smtp_host from ir_mail_server")
    assert servers == [], f"mail servers in the test database: {servers}"
    conf = Path(system["conf"]).read_text()
    assert not re.search(r"^\s*smtp_", conf, re.M), "SMTP settings in the config"


@pytest.fixture(scope="module")
def mail_server(system, smtp):
    """A server of its own (2 workers), sending through the local SMTP server."""
    _sink, port = smtp
    pg = system["pg"]
    db = pg.copy(system["db"], f"{system['db']}_mailout")
    odoo = OdooServer(
        system["conf"],
        db,
        "mailout",
        # the only SMTP server of this one: the local one (odoo-bin options)
        extra_args=("--smtp=127.0.0.1", f"--smtp-port={port}"),
    )
    try:
        check_no_other_mail_server(system, db)
        yield odoo.start()
    finally:
        odoo.stop()
        pg.drop(db)


@pytest.fixture(scope="module")
def users(mail_server):
    return {
        login: Rpc(mail_server, login)
        for login in ("admin", "fae", "sales", "quality", "warehouse")
    }


def xmlid(admin, module, name):
    rows = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    assert rows, f"no {module}.{name}"
    return rows[0]["res_id"]


def run_mail_queue(admin):
    """What the crons do: the RMA job posts the queued authorisation e-mails
    (with their PDF), the mail cron sends the queued mail."""
    for name in ("ir_cron_rma_authorisation_mail", "ir_cron_rma_milestone_mail"):
        admin("ir.cron", "method_direct_trigger", [xmlid(admin, "rma_unex", name)])
    admin("mail.mail", "process_email_queue")


def latest_mails(admin, count=5):
    """What the server's mail queue holds last, to say why a mail is missing."""
    return admin(
        "mail.mail",
        "search_read",
        [],
        fields=["subject", "state", "recipient_ids", "failure_reason"],
        order="id desc",
        limit=count,
    )


def contact_of(admin, login):
    user = admin(
        "res.users", "search_read", [("login", "=", login)], fields=["partner_id"]
    )
    return admin(
        "res.partner",
        "read",
        [user[0]["partner_id"][0]],
        fields=["email", "lang", "commercial_partner_id"],
    )[0]


def subject_template(admin, xml_name, lang):
    """The subject of an rma_unex mail template, in ``lang``."""
    template = xmlid(admin, "rma_unex", xml_name)
    return admin(
        "mail.template", "read", [template], fields=["subject"], context={"lang": lang}
    )[0]["subject"]


def check_translated(admin, xml_name, lang):
    """The template has a text of its own in ``lang`` (else Odoo falls back
    to the English one)."""
    template = xmlid(admin, "rma_unex", xml_name)
    texts = [
        admin(
            "mail.template",
            "read",
            [template],
            fields=["subject", "body_html"],
            context={"lang": code},
        )[0]
        for code in ("en_US", lang)
    ]
    assert texts[0] != texts[1], f"rma_unex.{xml_name} is not translated to {lang}"


def check_language(delivery, kind, lang):
    text = delivery.text
    for words in WORDS[lang][kind]:
        assert words in text, f"{kind} in {lang} lacks {words!r}:\n{text[:3000]}"
    if lang == "zh_TW":
        for english in ENGLISH_ONLY:
            assert english not in text, f"{kind} in zh_TW shows {english!r}"
    else:
        assert not CJK.search(text + delivery.subject), f"{kind} in {lang}: {text}"


def is_translated(admin, xml_name, lang):
    template = xmlid(admin, "rma_unex", xml_name)
    texts = [
        admin(
            "mail.template",
            "read",
            [template],
            fields=["body_html"],
            context={"lang": code},
        )[0]["body_html"]
        for code in ("en_US", lang)
    ]
    return texts[0] != texts[1]


def check_language_when_translated(admin, delivery, kind, xml_name, lang):
    """A template added after the last translation round reads in English
    (Odoo's fallback) until the zh_TW text exists; then it is checked as
    every other one."""
    if lang == "en_US" or is_translated(admin, xml_name, lang):
        check_language(delivery, kind, lang)
    else:
        assert "Dear" in delivery.text, delivery.text[:500]


def has_current_text(admin, xml_name, lang, marker):
    """Odoo translates a mail template's body as one text: until the zh_TW
    text of a template changed in English is translated again, the zh_TW
    mail is the former one. ``marker`` is a mark of the current English
    body (an id, a method it calls)."""
    template = xmlid(admin, "rma_unex", xml_name)
    body = admin(
        "mail.template",
        "read",
        [template],
        fields=["body_html"],
        context={"lang": lang},
    )[0]["body_html"]
    return marker in body


def receiving_address(admin):
    """Street and city of the address the customer ships to (P3.2): the RMA
    warehouse's (its partner), as the demo has it."""
    warehouse = admin(
        "stock.warehouse", "search_read", [], fields=["partner_id"], limit=1
    )[0]
    partner = admin(
        "res.partner", "read", [warehouse["partner_id"][0]], fields=["street", "city"]
    )[0]
    assert partner["street"] and partner["city"], partner
    return partner["street"], partner["city"]


def pdf_text(content):
    result = subprocess.run(
        [PDFTOTEXT, "-", "-"], input=content, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


# The steps, as each user does them ------------------------------------


def submit_on_the_portal(server, admin, login):
    """The customer fills in the support request form; the ticket's id."""
    serial, mac = CUSTOMERS[login]
    product = admin(
        "product.product", "search", [("default_code", "=", "UNX-R7000")], limit=1
    )[0]
    # the vendor's own serial, sold through a distributor: no delivery of
    # ours to this customer, so the warranty is unknown (P2.4)
    admin(
        "stock.lot",
        "create",
        {"name": serial, "product_id": product, "mac_address": mac},
    )
    session = WebSession(server).login(login)
    page = session.get("/my/support-requests/new")
    assert page.status_code == 200
    assert f'<option value="{product}"' in page.text
    response = session.post(
        "/my/support-requests/submit",
        data={
            "csrf_token": WebSession.csrf_token(page.text),
            "name": "6 GHz radio dead",
            "steps_to_reproduce": "Enable the 6 GHz SSID; nothing transmits.",
            "description": "Since the last power cut.",
            "disclaimer": "on",
            "device_0_product": str(product),
            "device_0_serial": serial,
            "device_0_mac_address": mac,
            "device_0_firmware_version": "7.1.3",
            "device_0_symptom": "No 6 GHz beacon",
        },
    )
    created = re.search(r"/my/ticket/(\d+)", response.url)
    assert created, f"the request was refused: {response.text[-3000:]}"
    return int(created.group(1))


def escalate_and_authorise(users, ticket):
    """FAE escalates (P2.3); sales records the charge agreement (P2.4) and
    authorises (P3.1). The case's id and RMA number."""
    users["fae"]("helpdesk.ticket", "action_escalate", [ticket])
    case = users["fae"]("helpdesk.ticket", "read", [ticket], fields=["rma_case_ids"])[
        0
    ]["rma_case_ids"]
    assert len(case) == 1
    sales = users["sales"]
    if sales("rma.unex.case", "read", case, fields=["needs_charge_agreement"])[0][
        "needs_charge_agreement"
    ]:
        wizard = sales(
            "rma.unex.charge.agreement.wizard",
            "create",
            {"case_id": case[0], "method": "email", "note": "Mail of the customer"},
        )
        sales("rma.unex.charge.agreement.wizard", "action_confirm", [wizard])
    sales("rma.unex.case", "action_authorise", case)
    name = sales("rma.unex.case", "read", case, fields=["name"])[0]["name"]
    assert name
    return case[0], name


def analyse_and_quote(users, case):
    """PD analyses the unit, sales decides on a paid repair and sends the
    quotation (P4.4, P5.1). The quotation's name."""
    quality, sales = users["quality"], users["sales"]
    quality("rma.unex.case", "action_start_evaluation", [case])
    units = quality("rma.unex.case", "read", [case], fields=["unit_ids"])[0]["unit_ids"]
    category = xmlid(users["admin"], "rma_unex", "failure_category_component")
    fa = quality(
        "rma.unex.unit.fa.wizard",
        "create",
        {
            "unit_ids": [(6, 0, units)],
            "findings": "PA of the 6 GHz chain burnt",
            "root_cause": "Surge on the PoE input",
            "category_id": category,
        },
    )
    quality("rma.unex.unit.fa.wizard", "action_confirm", [fa])
    decision = sales(
        "rma.unex.unit.decision.wizard",
        "create",
        {
            "unit_ids": [(6, 0, units)],
            "disposition": "paid_repair",
            "reason": "Surge damage: not a manufacturing defect",
        },
    )
    sales("rma.unex.unit.decision.wizard", "action_confirm", [decision])
    sales("rma.unex.case", "action_send_quotation", [case])
    orders = sales(
        "sale.order",
        "search_read",
        [("rma_case_id", "=", case), ("state", "=", "sent")],
        fields=["name"],
    )
    assert len(orders) == 1
    return orders[0]["id"], orders[0]["name"]


def repair_and_ship(users, case, order):
    """The customer's PO confirms the quotation; PD repairs, burns in and
    passes QC; the warehouse ships the unit back (P4.4, P6.1, P6.3)."""
    quality, sales = users["quality"], users["sales"]
    sales("sale.order", "write", [order], {"client_order_ref": "PO-SMTP-1"})
    sales("rma.unex.case", "action_confirm_quotation", [case])
    quality("rma.unex.case", "action_start_repair", [case])
    units = quality("rma.unex.case", "read", [case], fields=["unit_ids"])[0]["unit_ids"]
    repairs = [
        unit["repair_id"][0]
        for unit in quality("rma.unex.unit", "read", units, fields=["repair_id"])
    ]
    quality("repair.order", "action_repair_start", repairs)
    # the last repair done sends the case to QC
    quality("repair.order", "action_repair_end", repairs)
    qc = quality(
        "rma.unex.unit.qc.wizard",
        "create",
        {"unit_ids": [(6, 0, units)], "burn_in_hours": 24.0, "result": "pass"},
    )
    quality("rma.unex.unit.qc.wizard", "action_confirm", [qc])
    quality("rma.unex.case", "action_pass_qc", [case])
    warehouse = users["warehouse"]
    shipment = warehouse(
        "stock.picking",
        "search",
        [
            ("rma_case_id", "=", case),
            ("picking_type_code", "=", "outgoing"),
            ("state", "not in", ("done", "cancel")),
        ],
    )
    assert len(shipment) == 1
    warehouse(
        "stock.picking",
        "write",
        shipment,
        {"rma_carrier_name": "DHL Express", "carrier_tracking_ref": TRACKING},
    )
    warehouse("rma.unex.case", "action_ship_as_announced", [case])
    state = sales("rma.unex.case", "read", [case], fields=["state"])[0]["state"]
    assert state == "shipped"


# The tests -------------------------------------------------------------


@pytest.mark.parametrize("login", ["lumen", "formosa"])
def test_p1_p3_p4_p6_customer_mails_leave_for_real(mail_server, smtp, users, login):
    """Every mail of the process reaches the contact who asked, at their own
    address, in their language, with the documents attached."""
    sink, _port = smtp
    since_log = mail_server.log_offset()
    admin = users["admin"]
    contact = contact_of(admin, login)
    address, lang = contact["email"], contact["lang"]
    assert lang == {"lumen": "en_US", "formosa": "zh_TW"}[login]
    since = sink.mark()
    last_mail = admin("mail.mail", "search", [], order="id desc", limit=1)

    def mail_about(subject_part):
        run_mail_queue(admin)
        return sink.wait_for(
            since,
            address,
            subject_part,
            lambda: f"last of the mail queue: {latest_mails(admin)}",
        )

    # P1.5: the acknowledgement of the portal request
    ticket = submit_on_the_portal(mail_server, admin, login)
    number = admin("helpdesk.ticket", "read", [ticket], fields=["number"])[0]["number"]
    ack = mail_about(number)
    expected = subject_template(admin, "mail_template_tsr_acknowledgement", lang)
    assert ack.subject == expected.replace("{{ object.number }}", number)
    if CJK.search(ack.subject):  # travelled as RFC 2047 encoded words
        assert re.search(r"=\?utf-8\?[bq]\?", ack.raw_header("Subject"), re.I)
    check_language(ack, "acknowledgement", lang)
    # from the company, not from the customer who submitted (P1.5)
    company = admin("helpdesk.ticket", "read", [ticket], fields=["company_id"])
    company = admin("res.company", "read", [company[0]["company_id"][0]], ["email"])
    assert company[0]["email"] in str(ack.message["From"])

    # P3.1, P3.2: the authorisation, its instructions, its PDF with the label
    case, rma = escalate_and_authorise(users, ticket)
    auth = mail_about(rma)
    expected = subject_template(admin, "mail_template_rma_authorised", lang)
    assert auth.subject == expected.replace("{{ object.name }}", rma)
    assert rma in auth.text
    assert CUSTOMERS[login][0] in auth.text  # the unit to send
    street, city = receiving_address(admin)
    if has_current_text(admin, "mail_template_rma_authorised", lang, "ship_to"):
        assert street in auth.text and city in auth.text, "where to send the box"
    check_language(auth, "authorisation", lang)
    pdfs = auth.pdfs()
    assert len(pdfs) == 1, f"authorisation attachments: {list(pdfs)}"
    ((name, content),) = pdfs.items()
    assert rma in name and content.startswith(b"%PDF")
    if PDFTOTEXT:
        # on the authorisation page, and in big letters on the box label,
        # with the address to ship to
        text = pdf_text(content)
        assert text.count(rma) >= 2
        assert text.count(street) >= 2 and text.count(city) >= 2, text

    # P3.4: the box is received: the units found in it
    users["warehouse"]("rma.unex.case", "action_receive_as_announced", [case])
    expected = subject_template(admin, "mail_template_rma_received", lang)
    received = mail_about(expected.replace("{{ object.name }}", rma))
    assert CUSTOMERS[login][0] in received.text and CUSTOMERS[login][1] in received.text
    check_language_when_translated(
        admin, received, "received", "mail_template_rma_received", lang
    )

    # P4.4: the decision, then the quotation of the paid repair with its PDF
    order, order_name = analyse_and_quote(users, case)
    expected = subject_template(admin, "mail_template_rma_decision", lang)
    decision = mail_about(expected.replace("{{ object.name }}", rma))
    assert order_name in decision.text, "the quotation it announces"
    check_language_when_translated(
        admin, decision, "decision", "mail_template_rma_decision", lang
    )
    quote = mail_about(order_name)
    if lang != "en_US":
        check_translated(admin, "mail_template_rma_quotation", lang)
    expected = subject_template(admin, "mail_template_rma_quotation", lang)
    assert quote.subject == expected.replace(
        "{{ object.rma_case_id.name }}", rma
    ).replace("{{ object.name }}", order_name)
    assert rma in quote.text
    check_language(quote, "quotation", lang)
    pdfs = quote.pdfs()
    assert len(pdfs) == 1, f"quotation attachments: {list(pdfs)}"
    ((name, content),) = pdfs.items()
    assert order_name in name and content.startswith(b"%PDF")
    if PDFTOTEXT:
        assert order_name in pdf_text(content)

    # P6.2: the repair summary when the unit ships back
    repair_and_ship(users, case, order)
    expected = subject_template(admin, "mail_template_rma_repair_summary", lang)
    summary = mail_about(expected.replace("{{ object.name }}", rma))
    assert "Surge on the PoE input" in summary.text  # the FA's root cause
    if has_current_text(
        admin, "mail_template_rma_repair_summary", lang, "_milestone_return_transfer"
    ):
        assert "DHL Express" in summary.text and TRACKING in summary.text  # P6.3
    check_language(summary, "repair_summary", lang)

    # The customer's mails went to the contact alone (internal followers,
    # the sales representative, may get their copy); nothing is left unsent.
    staff = {
        user["email"]
        for user in admin(
            "res.users", "search_read", [("share", "=", False)], fields=["email"]
        )
    }
    mine = [d for d in sink.deliveries()[since:] if rma in d.subject or d is ack]
    assert len(mine) >= 6
    for delivery in mine:
        assert set(delivery.envelope_to) <= staff | {address}, (
            delivery.envelope_to,
            delivery.subject,
            delivery.text[:500],
        )
    stuck = admin(
        "mail.mail",
        "search_read",
        [("id", ">", max(last_mail, default=0)), ("state", "!=", "sent")],
        fields=["subject", "state", "failure_reason"],
    )
    assert [m for m in stuck if m["state"] != "cancel"] == []
    assert mail_server.errors(since_log) == []
