import re

from lxml import html

from odoo import Command
from odoo.tests import HttpCase

from .common import RmaUnexCommon


class TestRmaPortal(RmaUnexCommon, HttpCase):
    """X2 on the portal: a customer sees their own RMAs, nobody else's."""

    def test_x2_portal_lists_and_shows_own_rmas_only(self):
        own = self.authorise(self.make_case(contact_id=self.contact_a.id))
        other = self.authorise(self.make_case(partner=self.customer_b))
        self.authenticate(self.portal_a.login, self.portal_a.login)
        home = self.url_open("/my/home")
        self.assertEqual(home.status_code, 200)
        listing = self.url_open("/my/rmas")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(own.name, listing.text)
        self.assertNotIn(other.name, listing.text)
        page = self.url_open(f"/my/rmas/{own.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(own.name, page.text)
        self.assertIn("rma_timeline", page.text)
        self.assertIn("Authorised", page.text)
        self.assertIn(own.unit_ids.display_name, page.text)
        # another customer's RMA by id, page or document: 404, without its data
        for path in (
            f"/my/rmas/{other.id}",
            f"/my/rmas/{other.id}/report/authorisation",
        ):
            guessed = self.url_open(path)
            self.assertEqual(guessed.status_code, 404, path)
            self.assertNotIn(other.name, guessed.text)

    def test_x2_serial_of_another_customer_shows_nothing_of_theirs(self):
        """A customer returns a serial delivered to another customer: their RMA
        page tells nothing of that customer, their delivery or their sale."""
        order = self.deliver(self.lot, partner=self.customer_b)
        case = self.make_case(contact_id=self.contact_a.id)
        self.assertTrue(case.unit_ids.serial_customer_mismatch)
        self.authorise(case)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open(f"/my/rmas/{case.id}").text
        self.assertIn(case.name, page)
        for secret in (self.customer_b.name, order.name, order.picking_ids.name):
            with self.subTest(secret=secret):
                self.assertNotIn(secret, page)

    def test_x2_shared_link_with_token_works_without_login(self):
        case = self.authorise(self.make_case())
        anonymous = self.url_open(f"/my/rmas/{case.id}", allow_redirects=False)
        self.assertEqual(anonymous.status_code, 303)
        self.assertIn("/web/login?redirect=/my/rmas/", anonymous.headers["Location"])
        self.assertNotIn(case.name, anonymous.text)
        shared = self.url_open(case.get_portal_url())
        self.assertEqual(shared.status_code, 200)
        self.assertIn(case.name, shared.text)
        wrong = self.url_open(f"/my/rmas/{case.id}?access_token=nope")
        self.assertNotIn(case.name, wrong.text)

    def test_portal_filters_and_pager(self):
        cases = [self.authorise(self.make_case()) for _i in range(3)]
        cases[0].with_user(self.sales).action_cancel()
        self.authenticate(self.portal_a.login, self.portal_a.login)
        closed = self.url_open("/my/rmas?filterby=closed").text
        self.assertIn(cases[0].name, closed)
        self.assertNotIn(cases[1].name, closed)
        opened = self.url_open("/my/rmas?filterby=open").text
        self.assertNotIn(cases[0].name, opened)
        self.assertIn(cases[2].name, opened)


class TestPortalOrders(RmaUnexCommon, HttpCase):
    """X2, P4.4: the customer's RMA quotations and fee orders are among their
    quotations and orders on the portal, not only behind the RMA page."""

    def test_p4_4_rma_quotation_in_my_quotes_then_my_orders(self):
        case = self.receive_and_evaluate(self.make_case(contact_id=self.contact_a.id))
        other = self.receive_and_evaluate(
            self.make_case(partner=self.customer_b, lots=self.lot_2)
        )
        for each in (case, other):
            self.analyse(each.unit_ids)
            self.decide(each.unit_ids, "paid_repair")
            each.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        self.authenticate(self.portal_a.login, self.portal_a.login)
        quotes = self.url_open("/my/quotes").text
        self.assertIn(order.name, quotes)
        self.assertNotIn(other.sale_order_ids.name, quotes)
        self.assertIn(str(self.contact_a.id), str(order.message_partner_ids.ids))
        order.client_order_ref = "PO-77"
        case.with_user(self.sales).action_confirm_quotation()
        orders = self.url_open("/my/orders").text
        self.assertIn(order.name, orders)
        self.assertNotIn(other.sale_order_ids.name, orders)
        page = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(case.name, page.text)


class TestSupportRequestForm(RmaUnexCommon, HttpCase):
    """P1 on the portal: the request form validates everything or creates nothing."""

    def _form(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open("/my/support-requests/new")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.product.display_name, page.text)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _post(self, token, files=None, **overrides):
        data = {
            "csrf_token": token,
            "name": "Radio dead",
            "device_0_product": str(self.product.id),
            "device_0_mac_address": "0001.a700.0001",
            "device_0_firmware_version": "7.1.3",
            "steps_to_reproduce": "Enable 6 GHz; nothing",
            "disclaimer": "on",
        }
        data.update(overrides)
        data = {k: v for k, v in data.items() if v is not None}
        return self.url_open(
            "/my/support-requests/submit", data=data, files=files or {}
        )

    def _tickets(self):
        return self.env["helpdesk.ticket"].search(
            [("partner_id", "=", self.contact_a.id)]
        )

    def test_p1_portal_submission_creates_and_acknowledges(self):
        token = self._form()
        response = self._post(
            token, files={"attachments": ("radio.log", b"tx power 0 dBm")}
        )
        self.assertEqual(response.status_code, 200)
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertIn(f"/my/ticket/{ticket.id}", response.url)
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.device_ids.lot_id, self.lot, "the MAC found the serial")
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_a)
        self.assertTrue(ticket.response_deadline)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.name, "radio.log")
        ack = ticket.message_ids.filtered(
            lambda m: "we received your support request" in (m.subject or "")
        )
        self.assertEqual(len(ack), 1)
        self.assertIn("24", ack.body)

    def test_p1_invalid_input_rerenders_and_creates_nothing(self):
        token = self._form()
        self.company.rma_portal_max_upload_mb = 1
        refusals = {
            "malformed MAC": (
                {"device_0_mac_address": "00:01:A7:12"},
                None,
                "is not a MAC address",
            ),
            "no identity": (
                {"device_0_mac_address": ""},
                None,
                "serial number or the MAC address",
            ),
            "no disclaimer": ({"disclaimer": None}, None, "data disclaimer"),
            "unknown product": (
                {"device_0_product": "999999"},
                None,
                "is not one of our products",
            ),
            "no versions": (
                {"device_0_firmware_version": ""},
                None,
                "firmware, SDK or driver",
            ),
            "wrong file type": (
                {},
                {"attachments": ("tool.exe", b"MZ")},
                "not accepted",
            ),
            "oversized file": (
                {},
                {"attachments": ("big.log", b"x" * (1024 * 1024 + 1))},
                "larger than 1 MB",
            ),
        }
        for label, (overrides, files, message) in refusals.items():
            with self.subTest(label):
                response = self._post(token, files=files, **overrides)
                self.assertEqual(response.status_code, 200)
                self.assertIn("rma_unex_tsr_error", response.text)
                self.assertIn(message, response.text)
                self.assertIn(
                    "Enable 6 GHz; nothing", response.text, "entered values kept"
                )
                self.assertFalse(self._tickets(), "nothing created")
        self.assertFalse(
            self.env["ir.attachment"].search([("name", "in", ("tool.exe", "big.log"))])
        )

    def test_m12_public_bulletins_on_the_form(self):
        Bulletin = self.env["rma.unex.service.bulletin"]
        Bulletin.create(
            {
                "name": "Public DFS issue",
                "product_ids": [(6, 0, self.product.ids)],
                "issue": "<p>x</p>",
                "workaround": "<p>Upgrade to 7.1.4</p>",
                "is_public": True,
            }
        )
        Bulletin.create(
            {
                "name": "Internal PA issue",
                "product_ids": [(6, 0, self.product.ids)],
                "issue": "<p>y</p>",
            }
        )
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open("/my/support-requests/new").text
        self.assertIn("Public DFS issue", page)
        self.assertIn("Upgrade to 7.1.4", page)
        self.assertNotIn("Internal PA issue", page)

    def test_csrf_is_required(self):
        self._form()
        response = self._post("not-a-token")
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(self._tickets())


class TestStatusLookup(RmaUnexCommon, HttpCase):
    """M9: RMA number plus serial or MAC shows state and dates, nothing else."""

    def _ask(self, rma, identity):
        page = self.url_open("/rma/status")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/rma/status",
            data={"csrf_token": token, "rma_number": rma, "identity": identity},
        ).text

    def test_m9_lookup_shows_state_and_dates_only(self):
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        for identity in (self.lot.name, "00-01-a7-00-00-01"):
            with self.subTest(identity=identity):
                text = self._ask(case.name, identity)
                self.assertIn("rma_status_result", text)
                self.assertIn("Authorised", text)
                self.assertNotIn(self.customer_a.name, text)
                self.assertNotIn(self.product.name, text)
        text = self._ask(case.name, "")
        self.assertNotIn("rma_status_result", text)
        text = self._ask(case.name, self.lot_2.name)
        self.assertIn("No RMA unit matches", text)

    def test_m9_rma_number_matches_exactly(self):
        """A pattern (``%``, ``_``) or a part of the number finds nothing; case
        and surrounding or inner spaces do not matter."""
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        prefix, serial = case.name.rsplit("-", 1)
        for guess in (f"%{serial}", f"{prefix}-%", case.name.replace("0", "_"), serial):
            with self.subTest(guess=guess):
                text = self._ask(guess, self.lot.name)
                self.assertNotIn("rma_status_result", text)
                self.assertIn("No RMA unit matches", text)
        spaced = f"  {case.name.lower().replace('-', ' - ')} "
        self.assertIn("rma_status_result", self._ask(spaced, self.lot.name))

    def test_m9_guessing_is_throttled(self):
        case = self.authorise(self.make_case())
        for attempt in range(5):
            self.assertIn(
                "No RMA unit matches", self._ask(case.name, f"GUESS{attempt}")
            )
        text = self._ask(case.name, self.lot.name)
        self.assertIn("Too many attempts", text)
        self.assertNotIn("rma_status_result", text)


class TestCustomerReference(RmaUnexCommon, HttpCase):
    """M9: the customer's own reference is kept, shown and searchable."""

    def test_m9_customer_reference_everywhere(self):
        case = self.authorise(self.make_case(customer_ref="ACME-RMA-42"))
        other = self.authorise(self.make_case())
        Case = self.env["rma.unex.case"].with_user(self.sales)
        self.assertEqual(Case.search([("customer_ref", "ilike", "acme-rma")]), case)
        self.assertIn(case.id, [r[0] for r in Case.name_search("ACME-RMA-42")])
        self.authenticate(self.portal_a.login, self.portal_a.login)
        listing = self.url_open("/my/rmas").text
        self.assertIn("ACME-RMA-42", listing)
        found = self.url_open("/my/rmas?search=ACME-RMA").text
        self.assertIn(case.name, found)
        self.assertNotIn(other.name, found)
        self.assertIn("ACME-RMA-42", self.url_open(f"/my/rmas/{case.id}").text)

    def test_units_of_a_large_case_paged_in_flat_queries(self):
        """A distributor's case of many units shows them 50 a page, in the same
        queries for 60 units as for 160; another customer's page is a 404."""
        case = self.make_case(
            lots=self.env["stock.lot"],
            contact_id=self.contact_a.id,
            unit_ids=[Command.create({"product_id": self.product.id})] * 60,
        )
        other = self.make_case(partner=self.customer_b)
        self.authenticate(self.portal_a.login, self.portal_a.login)

        def rows(path):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 200, path)
            tree = html.fromstring(response.text)
            return tree.xpath('//table[@id="rma_units"]/tbody/tr'), response.text

        first, text = rows(f"/my/rmas/{case.id}")
        self.assertEqual(len(first), 50)
        self.assertIn(f"/my/rmas/{case.id}/page/2", text)
        second, _text = rows(f"/my/rmas/{case.id}/page/2")
        self.assertEqual(len(second), 10)
        self.assertEqual(self.url_open(f"/my/rmas/{other.id}/page/2").status_code, 404)

        def queries():
            return self.count_queries(lambda: rows(f"/my/rmas/{case.id}/page/2"))

        few = queries()
        case.write(
            {"unit_ids": [Command.create({"product_id": self.product.id})] * 100}
        )
        rows(f"/my/rmas/{case.id}/page/2")  # warm what the new units invalidated
        self.assertEqual(queries(), few)

    def test_portal_list_query_count_does_not_grow_with_cases(self):
        for _i in range(2):
            self.authorise(self.make_case())
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.url_open("/my/rmas")  # warm caches

        def queries():
            return self.count_queries(
                lambda: self.assertEqual(self.url_open("/my/rmas").status_code, 200)
            )

        few = queries()
        for _i in range(10):
            self.authorise(self.make_case())
        self.url_open("/my/rmas")  # warm the caches the new records invalidated
        many = queries()
        self.assertEqual(many, few, f"{few} queries for 2 RMAs, {many} for 12")
