"""Support requests by e-mail (P1.1, P1.5, P2.1, P7.2), through Odoo's real
mail gateway: ``mail.thread.message_process`` on raw RFC 822 messages as mail
clients send them (the files of ``tests/mail/``)."""

import base64
import re
import textwrap
from datetime import datetime, timedelta
from email.header import Header
from io import BytesIO
from pathlib import Path

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase

from .common import RmaUnexCommon

MAIL = Path(__file__).parent / "mail"
ALIAS_DOMAIN = "unex.example.com"
ALIAS = "test-support"
ARRIVAL = datetime(2026, 3, 2, 9, 0, 5)
SUBJECT_EN = "T-RTR router reboots \u2013 6 GHz radio dead"
SUBJECT_TW = "路由器無法開機，請協助"
ACK_SUBJECT_TW = "{{ object.number }}：我們已收到您的技術支援請求"
MISSING_EN = (
    "a device (product model, MAC or serial, versions)",
    "steps to reproduce",
    "the acceptance of the data disclaimer",
)


def eml(name, **tokens):
    """A message of tests/mail/, its {{TOKENS}} replaced."""
    raw = (MAIL / name).read_bytes()
    for key, value in tokens.items():
        raw = raw.replace(b"{{%s}}" % key.encode(), value.encode())
    return raw


def add_header(raw, header):
    """The message with one more header line, as a mail client would set it."""
    return header.encode() + b"\r\n" + raw


class MailGatewayCommon(RmaUnexCommon):
    """A support team with an alias, an English and a Chinese contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_TW")
        Domain = cls.env["mail.alias.domain"]
        domain = Domain.search([("name", "=", ALIAS_DOMAIN)]) or Domain.create(
            {"name": ALIAS_DOMAIN}
        )
        cls.company.alias_domain_id = domain
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {
                "name": "Test Support",
                "sequence": 0,
                "company_id": cls.company.id,
                "user_ids": [Command.set(cls.fae.ids)],
                "alias_name": ALIAS,
                "alias_domain_id": domain.id,
            }
        )
        # new_test_user gave the portal contacts generated addresses
        cls.contact_a.email = "alice@a.example"
        cls.contact_b.email = "bob@b.example"
        cls.contact_tw = cls.env["res.partner"].create(
            {
                "name": "陳美玲",
                "parent_id": cls.customer_b.id,
                "email": "meiling@b.example",
                "lang": "zh_TW",
            }
        )
        # the template's Chinese subject (the .po is translated at the end)
        cls.env.ref("rma_unex.mail_template_tsr_intake_acknowledgement").with_context(
            lang="zh_TW"
        ).subject = ACK_SUBJECT_TW

    def process(self, raw):
        """Feed a message to the gateway as fetchmail or the mailgate script do."""
        return self.env["mail.thread"].message_process(False, raw)

    def receive(self, name="new_request_outlook_en.eml", when=ARRIVAL):
        with freeze_time(when):
            ticket_id = self.process(eml(name))
        return self.env["helpdesk.ticket"].browse(ticket_id)

    def acknowledgement(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment")

    def incoming(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == "email")

    def ticket_snapshot(self, ticket):
        ticket.invalidate_recordset()
        return (
            ticket.tsr_state,
            ticket.rma_case_ids.ids,
            len(ticket.message_ids),
            ticket.first_response_date,
            ticket.device_ids.ids,
        )


class TestMailIntake(MailGatewayCommon):
    def test_p1_1_customer_email_becomes_a_submitted_request_with_attachments(self):
        """P1.1, P1.5: an Outlook e-mail (multipart, quoted-printable UTF-8,
        RFC 2047 subject, a log and a photo) from a customer's contact to the
        team's alias is a request of that contact, submitted at its arrival,
        the 24-hour clock running, flagged incomplete."""
        Ticket = self.env["helpdesk.ticket"]
        before = Ticket.search_count([])
        ticket = self.receive()
        self.assertEqual(Ticket.search_count([]), before + 1)
        self.assertEqual(ticket.partner_id, self.contact_a)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.name, SUBJECT_EN)
        self.assertIn("the 6 GHz radio never comes back", str(ticket.description))
        self.assertEqual(
            ticket.channel_id,
            self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_email"),
        )
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.tsr_submitted_date, ARRIVAL)
        self.assertEqual(ticket.response_deadline, ARRIVAL + timedelta(hours=24))
        self.assertFalse(ticket.user_id, "no one is assigned by the gateway")
        self.assertTrue(ticket.tsr_incomplete)
        self.assertFalse(ticket.tsr_customer_unknown)
        self.assertFalse(ticket.first_response_date)
        files = {a.name: a for a in ticket.attachment_ids}
        self.assertEqual(set(files), {"router.log", "IMG_2041.jpg"})
        self.assertIn(b"failed to restart radio 6g", files["router.log"].raw)
        self.assertEqual(files["IMG_2041.jpg"].mimetype, "image/jpeg")
        self.assertEqual(files["IMG_2041.jpg"].raw[:2], b"\xff\xd8")
        email = self.incoming(ticket)
        self.assertEqual(email.author_id, self.contact_a)
        self.assertEqual(email.attachment_ids, ticket.attachment_ids)
        # the team reads it (and may answer by e-mail); the FAE is told
        self.assertIn(self.fae.partner_id, ticket.message_partner_ids)
        self.assertEqual(ticket.activity_ids.user_id, self.fae)
        self.assertIn(ticket, Ticket.search([("tsr_incomplete", "=", True)]))

    def test_p1_5_acknowledgement_lists_what_is_missing_and_links_the_portal(self):
        ticket = self.receive()
        ack = self.acknowledgement(ticket)
        self.assertEqual(len(ack), 1)
        self.assertEqual(ack.partner_ids, self.contact_a)
        self.assertEqual(ack.author_id, self.company.partner_id)
        self.assertEqual(ack.parent_id, self.incoming(ticket))
        self.assertEqual(
            ack.subject, f"{ticket.number}: we received your support request"
        )
        body = str(ack.body)
        for item in MISSING_EN:
            self.assertIn(item, body)
        self.assertIn(
            f"/my/ticket/{ticket.id}/complete?access_token={ticket.access_token}", body
        )
        # to the customer alone, marked automatic (RFC 3834), from the alias
        mails = self.env["mail.mail"].search([("mail_message_id", "=", ack.id)])
        self.assertEqual(mails.recipient_ids, self.contact_a)
        self.assertIn("'Auto-Submitted': 'auto-replied'", mails.headers)
        self.assertIn(f"{ALIAS}@{ALIAS_DOMAIN}", ack.email_from)
        self.assertFalse(ticket.first_response_date, "an automatic answer is none")
        self.assertNotIn(self.company.partner_id, ticket.message_partner_ids)

    def test_p1_5_big5_request_acknowledged_in_the_contacts_language(self):
        """A Traditional Chinese customer's Outlook sends Big5 (body and
        RFC 2047 subject): read right, answered in Chinese."""
        ticket = self.receive("new_request_big5_zh_tw.eml")
        self.assertEqual(ticket.partner_id, self.contact_tw)
        self.assertEqual(ticket.name, SUBJECT_TW)
        self.assertIn("電源燈閃爍後就熄滅", str(ticket.description))
        self.assertEqual(self.incoming(ticket).author_id.name, "陳美玲")
        ack = self.acknowledgement(ticket)
        self.assertEqual(ack.partner_ids, self.contact_tw)
        self.assertEqual(ack.subject, f"{ticket.number}：我們已收到您的技術支援請求")
        self.assertIn("年", str(ack.body), "the deadline in the zh_TW date format")
        english = self.acknowledgement(self.receive())
        self.assertIn("we received your support request", english.subject)
        self.assertNotIn("年", str(english.body))

    def test_p1_2_incomplete_emailed_request_cannot_be_escalated(self):
        """Escalation lists what is missing and changes nothing (X3); the FAE
        completes the request on its form and escalates it; the clock still
        runs from the e-mail's arrival."""
        ticket = self.receive()
        fae_ticket = ticket.with_user(self.fae)
        err = self.assertRefused(
            UserError, fae_ticket.action_escalate, ticket, self.ticket_snapshot
        )
        for item in ("a device", "steps to reproduce"):
            self.assertIn(item, str(err))
        with Form(fae_ticket) as form:
            with form.device_ids.new() as line:
                line.product_id = self.product
                line.lot_id = self.lot
                line.firmware_version = "7.1.3"
            form.steps_to_reproduce = "Enable the 6 GHz SSID; the router reboots."
        self.assertTrue(ticket.tsr_incomplete, "the disclaimer is still missing")
        err = self.assertRefused(
            UserError, fae_ticket.action_escalate, ticket, self.ticket_snapshot
        )
        self.assertIn("data disclaimer", str(err))
        with Form(fae_ticket) as form:
            form.disclaimer_accepted = True
        self.assertFalse(ticket.tsr_incomplete)
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_a)
        fae_ticket.action_escalate()
        self.assertEqual(ticket.tsr_state, "escalated")
        self.assertEqual(ticket.rma_case_ids.unit_ids.lot_id, self.lot)
        self.assertEqual(ticket.response_deadline, ARRIVAL + timedelta(hours=24))

    def test_p1_5_replies_thread_in_and_the_faes_email_answer_stops_the_clock(self):
        ticket = self.receive()
        ack = self.acknowledgement(ticket)
        original = self.incoming(ticket)
        Ticket = self.env["helpdesk.ticket"]
        count = Ticket.search_count([])
        customer_reply = eml(
            "reply_customer_outlook_en.eml",
            NUMBER=ticket.number,
            IN_REPLY_TO=ack.message_id,
            REFERENCES=f"{original.message_id} {ack.message_id}",
        )
        with freeze_time("2026-03-02 11:20:09"):
            self.assertEqual(self.process(customer_reply), ticket.id)
        reply = self.incoming(ticket) - original
        self.assertEqual(reply.author_id, self.contact_a)
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertFalse(ticket.first_response_date, "the customer's e-mail is none")
        fae_reply = eml(
            "reply_fae_thunderbird.eml",
            SUBJECT=Header(SUBJECT_EN, "utf-8").encode(),
            IN_REPLY_TO=reply.message_id,
            REFERENCES=f"{original.message_id} {ack.message_id} {reply.message_id}",
        )
        answered = datetime(2026, 3, 2, 13, 45, 51)
        with freeze_time(answered):
            self.assertEqual(self.process(fae_reply), ticket.id)
        self.assertEqual(Ticket.search_count([]), count, "replies create nothing")
        answer = ticket.message_ids.filtered(
            lambda m: m.author_id == self.fae.partner_id
        )
        self.assertEqual(answer.message_type, "email")
        self.assertEqual(ticket.first_response_date, answered)
        self.assertEqual(ticket.response_result, "met")
        # the customer gets the FAE's answer, with the alias to reply to
        mails = self.env["mail.mail"].search([("mail_message_id", "=", answer.id)])
        self.assertIn(self.contact_a, mails.recipient_ids)
        self.assertIn(f"{ALIAS}@{ALIAS_DOMAIN}", mails.reply_to)

    def test_unknown_sender_needs_a_customer_before_escalation(self):
        """A stranger's e-mail is a request flagged "unknown customer",
        unanswered by the machine; escalation refuses it until staff set the
        customer."""
        ticket = self.receive("new_request_unknown_sender.eml")
        self.assertFalse(ticket.partner_id)
        self.assertTrue(ticket.tsr_customer_unknown)
        self.assertIn("j.doe@integrator.example", ticket.partner_email)
        self.assertEqual(ticket.partner_name, "Jonas Doe")
        self.assertFalse(self.acknowledgement(ticket), "no automatic answer")
        self.assertFalse(
            self.env["res.partner"].search(
                [("email", "=", "j.doe@integrator.example")]
            ),
            "no contact is made of a stranger's address",
        )
        Ticket = self.env["helpdesk.ticket"]
        self.assertIn(ticket, Ticket.search([("tsr_customer_unknown", "=", True)]))
        err = self.assertRefused(
            UserError,
            ticket.with_user(self.fae).action_escalate,
            ticket,
            self.ticket_snapshot,
        )
        self.assertIn("Set the customer before escalating", str(err))
        ticket.with_user(self.fae).partner_id = self.contact_a
        self.assertFalse(ticket.tsr_customer_unknown)

    def test_p1_5_colleague_forward_is_neither_customer_nor_answer(self):
        """The FAE forwards a customer's e-mail to the alias: the request has
        no customer yet and the forward is no first response."""
        raw = eml("new_request_unknown_sender.eml").replace(
            b"From: Jonas Doe <j.doe@integrator.example>",
            b"From: Frank FAE <t_fae@x.example>",
        )
        with freeze_time(ARRIVAL):
            ticket = self.env["helpdesk.ticket"].browse(self.process(raw))
        self.assertTrue(ticket.tsr_customer_unknown)
        self.assertFalse(ticket.partner_id)
        self.assertFalse(ticket.first_response_date)

    def test_auto_replies_create_nothing(self):
        """Loop protection: automatic mail (RFC 3834 Auto-Submitted, the
        headers of common auto-responders, an out-of-office subject) opens no
        request, and one answering the acknowledgement is not posted on the
        request; a message saying Auto-Submitted: no is a customer's."""
        Ticket = self.env["helpdesk.ticket"]
        Message = self.env["mail.message"]
        base = eml("new_request_big5_zh_tw.eml")
        variants = {
            "vacation responder": eml("auto_reply_vacation_new.eml"),
            "auto-generated": add_header(base, "Auto-Submitted: auto-generated"),
            "X-Autoreply": add_header(base, "X-Autoreply: yes"),
            "Precedence junk": add_header(base, "Precedence: junk"),
            "Precedence auto_reply": add_header(base, "Precedence: auto_reply"),
            "null return path": add_header(base, "Return-Path: <>"),
            "out-of-office subject": base.replace(
                b"Subject: =?big5?", b"Subject: Out of Office: =?big5?"
            ),
        }
        for name, raw in variants.items():
            with self.subTest(name):
                count = Ticket.search_count([])
                self.assertFalse(self.process(raw))
                self.assertEqual(Ticket.search_count([]), count)
                message_id = re.search(rb"Message-I[Dd]: (<[^>]+>)", raw).group(1)
                self.assertFalse(
                    Message.search([("message_id", "=", message_id.decode())])
                )
        ticket = self.receive()
        ack = self.acknowledgement(ticket)
        messages = len(ticket.message_ids)
        oof = eml(
            "auto_reply_exchange_oof.eml",
            NUMBER=ticket.number,
            IN_REPLY_TO=ack.message_id,
            REFERENCES=f"{self.incoming(ticket).message_id} {ack.message_id}",
        )
        self.assertFalse(self.process(oof))
        ticket.invalidate_recordset()
        self.assertEqual(len(ticket.message_ids), messages)
        human = add_header(base, "Auto-Submitted: no")
        self.assertTrue(self.process(human))

    def test_bounce_creates_nothing(self):
        """Odoo's gateway drops a delivery status notification before any
        route and marks the acknowledgement as bounced: no request is made of
        it, nothing is posted."""
        ticket = self.receive()
        ack = self.acknowledgement(ticket)
        count = self.env["helpdesk.ticket"].search_count([])
        messages = len(ticket.message_ids)
        dsn = eml(
            "bounce_postfix_dsn.eml", NUMBER=ticket.number, IN_REPLY_TO=ack.message_id
        )
        self.assertFalse(self.process(dsn))
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), count)
        ticket.invalidate_recordset()
        self.assertEqual(len(ticket.message_ids), messages)
        self.assertEqual(ack.notification_ids.notification_status, "bounce")

    # The RMA application form (P7.2) -------------------------------------

    def filled_form(self, partner, rows):
        """The customer's form as _build makes it, filled in as Excel would."""
        content = self.env["rma.unex.application.form"]._build(partner)
        book = load_workbook(BytesIO(content))
        sheet = book.worksheets[0]
        for number, values in enumerate(rows, start=7):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=number, column=column, value=value)
        output = BytesIO()
        book.save(output)
        return output.getvalue()

    def reply_with_form(self, ticket, content, name="RMA application form.xlsx"):
        ack = self.acknowledgement(ticket)
        raw = eml(
            "reply_with_form_gmail_zh_tw.eml",
            NUMBER=ticket.number,
            IN_REPLY_TO=ack.message_id,
            REFERENCES=f"{self.incoming(ticket)[-1:].message_id} {ack.message_id}",
            FORM_NAME=name,
            FORM_BASE64="\r\n".join(
                textwrap.wrap(base64.b64encode(content).decode(), 76)
            ),
        )
        self.assertEqual(self.process(raw), ticket.id)

    def form_answers(self, ticket):
        template = self.env.ref("rma_unex.mail_template_tsr_application_form_errors")
        subject = template.with_context(lang="zh_TW")._render_field(
            "subject", ticket.ids
        )[ticket.id]
        return self.acknowledgement(ticket).filtered(lambda m: m.subject == subject)

    def test_p7_2_application_form_sent_by_email_becomes_device_lines(self):
        """The filled form attached to a reply: its good rows are the
        request's devices; the rows in error are answered, named by row and
        column, and are not on the request, which stays incomplete."""
        ticket = self.receive("new_request_big5_zh_tw.eml")
        content = self.filled_form(
            self.contact_tw,
            [
                ["T-RTR", "TRTR0002", "", "7.1.3", "", "", "無法開機"],
                ["T-RTR", "", "00:01:A7:ZZ:00:09", "7.1.3", "", "", "重開機"],
            ],
        )
        self.reply_with_form(ticket, content)
        self.assertEqual(ticket.device_ids.lot_id, self.lot_2)
        self.assertEqual(ticket.device_ids.symptom, "無法開機")
        self.assertTrue(ticket.tsr_incomplete)
        answer = self.form_answers(ticket)
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.partner_ids, self.contact_tw)
        self.assertIn("Row 8, column C", str(answer.body))
        self.assertNotIn("Row 7", str(answer.body))

    def test_p7_2_another_customers_form_by_email_adds_nothing(self):
        ticket = self.receive("new_request_big5_zh_tw.eml")
        content = self.filled_form(
            self.contact_a, [["T-RTR", "TRTR0002", "", "7.1.3", "", "", "dead"]]
        )
        self.reply_with_form(ticket, content)
        self.assertFalse(ticket.device_ids)
        answer = self.form_answers(ticket)
        self.assertIn("another customer", str(answer.body))


class TestMailCompletionPortal(MailGatewayCommon, HttpCase):
    """The page the acknowledgement links to (P1.2, P1.3), over HTTP: the
    customer's own contacts complete the request; no one else sees it (X2)."""

    def csrf(self, url="/my"):
        page = self.url_open(url)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        return match.group(1) if match else page.text

    def completion_post(self, ticket, **values):
        return {
            "device_0_product": str(self.product.id),
            "device_0_serial": self.lot_2.name,
            "device_0_firmware_version": "7.1.3",
            "steps_to_reproduce": "Power on; the LED blinks and goes dark.",
            "disclaimer": "on",
            **values,
        }

    def test_x2_another_customer_cannot_see_or_complete_an_emailed_request(self):
        ticket = self.receive()
        token = ticket.access_token
        url = f"/my/ticket/{ticket.id}/complete"
        self.authenticate(self.portal_b.login, self.portal_b.login)
        page = self.url_open(f"/my/ticket/{ticket.id}")
        self.assertNotIn(SUBJECT_EN, page.text)
        for query in ("", f"?access_token={token}"):
            with self.subTest(query=query):
                self.assertEqual(self.url_open(url + query).status_code, 404)
                csrf = self.csrf("/my/support-requests/new")
                response = self.url_open(
                    url + query, data=self.completion_post(ticket, csrf_token=csrf)
                )
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(SUBJECT_EN, response.text)
        ticket.invalidate_recordset()
        self.assertTrue(ticket.tsr_incomplete)
        self.assertFalse(ticket.device_ids)
        self.assertFalse(ticket.disclaimer_date)

    def test_visitor_without_the_link_is_sent_to_the_login(self):
        ticket = self.receive()
        response = self.url_open(
            f"/my/ticket/{ticket.id}/complete", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        wrong = self.url_open(f"/my/ticket/{ticket.id}/complete?access_token=x")
        self.assertEqual(wrong.status_code, 404)

    def test_p1_3_customer_completes_the_request_on_the_portal(self):
        ticket = self.receive()
        url = f"/my/ticket/{ticket.id}/complete"
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="device_0_product"', page.text)
        self.assertIn("the 6 GHz radio never comes back", page.text, "steps prefilled")
        csrf = self.csrf(url)
        refused = self.url_open(
            url, data=self.completion_post(ticket, csrf_token=csrf, disclaimer="")
        )
        self.assertEqual(refused.status_code, 200)
        self.assertIn("Accept the data disclaimer", refused.text)
        ticket.invalidate_recordset()
        self.assertFalse(ticket.device_ids, "a refusal changes nothing")
        done = self.url_open(url, data=self.completion_post(ticket, csrf_token=csrf))
        self.assertEqual(done.status_code, 200)
        self.assertIn(f"/my/ticket/{ticket.id}", done.url)
        ticket.invalidate_recordset()
        self.assertFalse(ticket.tsr_incomplete)
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.device_ids.lot_id, self.lot_2)
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_a)
        self.assertEqual(ticket.response_deadline, ARRIVAL + timedelta(hours=24))
        self.assertFalse(ticket.first_response_date)
        self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 303)

    def test_p1_3_the_emailed_link_completes_without_login(self):
        """The acknowledgement's link carries the request's token: a contact
        without a portal account completes it; the acceptance is recorded for
        the contact it was sent to."""
        ticket = self.receive("new_request_big5_zh_tw.eml")
        link = re.search(
            r'href="[^"]*(/my/ticket/[^"]+)"', str(self.acknowledgement(ticket).body)
        )
        url = link.group(1).replace("&amp;", "&")
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.url_open(url, data=self.completion_post(ticket, csrf_token=csrf))
        ticket.invalidate_recordset()
        self.assertFalse(ticket.tsr_incomplete)
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_tw)
