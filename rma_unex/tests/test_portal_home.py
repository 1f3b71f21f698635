from datetime import timedelta

from lxml import html

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import file_open

from .common import RmaUnexCommon, allow_chromium_more_time

COUNTERS = [
    "rma_count",
    "rma_open_count",
    "rma_waiting_count",
    "support_incomplete_count",
]


class PortalHomeCommon(RmaUnexCommon, HttpCase):
    def counters(self, login):
        self.authenticate(login, login)
        return self.make_jsonrpc_request("/my/counters", {"counters": COUNTERS})

    def new_lot(self, name):
        return self.env["stock.lot"].create(
            {"name": name, "product_id": self.product.id}
        )

    def quoted_case(self, lot, partner=None):
        """A case whose service quotation waits for the customer (P4.4)."""
        case = self.receive_and_evaluate(self.make_case(partner=partner, lots=lot))
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        self.assertEqual(case.state, "quoted")
        return case

    def incomplete_request(self, partner):
        """A support request received without its steps or the disclaimer."""
        ticket = self.make_ticket(
            submit=False,
            partner_id=partner.id,
            steps_to_reproduce=False,
            disclaimer_accepted=False,
        )
        ticket._rma_service_write(
            {"tsr_state": "submitted", "tsr_submitted_date": fields.Datetime.now()}
        )
        self.assertTrue(ticket.tsr_incomplete)
        return ticket


class TestPortalHomeCounters(PortalHomeCommon):
    """The portal home's counters (/my/counters): the customer's own RMAs,
    open ones, those waiting for them and the support requests they must
    complete (X2: another customer's never count)."""

    def test_p4_4_waiting_counts_quotations_to_approve_and_boxes_to_ship(self):
        quoted = self.quoted_case(self.lot)
        self.quoted_case(self.lot_2, partner=self.customer_b)
        self.assertEqual(
            self.counters(self.portal_a.login),
            {
                "rma_count": 1,
                "rma_open_count": 1,
                "rma_waiting_count": 1,
                "support_incomplete_count": 0,
            },
        )
        # P3.2: an authorised return whose box is still to come
        box = self.authorise(self.make_case(lots=self.new_lot("THOME01")))
        self.put_in_state(self.make_case(lots=self.new_lot("THOME02")), "closed")
        counts = self.counters(self.portal_a.login)
        self.assertEqual(counts["rma_waiting_count"], 2)
        self.assertEqual((counts["rma_count"], counts["rma_open_count"]), (3, 2))
        # the box arrives; the quotation is signed: nothing waits any more
        self.validate(self.pickings(box, "incoming"))
        self.assertEqual(self.counters(self.portal_a.login)["rma_waiting_count"], 1)
        quoted.sale_order_ids.action_confirm()
        self.assertEqual(quoted.state, "approved")
        self.assertEqual(self.counters(self.portal_a.login)["rma_waiting_count"], 0)
        # the other customer counts their own quotation only
        counts = self.counters(self.portal_b.login)
        self.assertEqual((counts["rma_count"], counts["rma_waiting_count"]), (1, 1))

    def test_p4_5_expired_quotation_does_not_wait_for_the_customer(self):
        case = self.quoted_case(self.lot)
        case.sale_order_ids.validity_date = fields.Date.today() - timedelta(days=1)
        self.assertEqual(self.counters(self.portal_a.login)["rma_waiting_count"], 0)

    def test_m6_advance_replacement_unit_to_send_back_waits(self):
        case = self.put_in_state(self.make_case(), "evaluation")
        self.assertEqual(self.counters(self.portal_a.login)["rma_waiting_count"], 0)
        case.unit_ids._rma_service_write(
            {"advance_shipped_date": fields.Datetime.now()}
        )
        self.assertEqual(self.counters(self.portal_a.login)["rma_waiting_count"], 1)
        case.unit_ids._rma_service_write({"date_received": fields.Datetime.now()})
        self.assertEqual(self.counters(self.portal_a.login)["rma_waiting_count"], 0)

    def test_p1_2_incomplete_support_requests_of_the_customer_count(self):
        self.incomplete_request(self.contact_a)
        self.incomplete_request(self.contact_b)
        self.make_ticket(partner_id=self.contact_a.id)  # complete: nothing to do
        self.assertEqual(
            self.counters(self.portal_a.login)["support_incomplete_count"], 1
        )
        self.assertEqual(
            self.counters(self.portal_b.login)["support_incomplete_count"], 1
        )

    def test_counters_cost_the_same_queries_with_more_cases(self):
        self.quoted_case(self.lot)
        self.incomplete_request(self.contact_a)

        def queries():
            self.counters(self.portal_a.login)  # warm caches
            return self.count_queries(
                lambda: self.make_jsonrpc_request(
                    "/my/counters", {"counters": COUNTERS}
                )
            )

        few = queries()
        for index in range(5):
            self.authorise(self.make_case(lots=self.new_lot(f"THOMEQ{index}")))
            self.incomplete_request(self.contact_a)
        many = queries()
        self.assertEqual(many, few, f"{few} queries for 1 RMA, {many} for 6")
        counts = self.make_jsonrpc_request("/my/counters", {"counters": COUNTERS})
        self.assertEqual(counts["rma_waiting_count"], 6)
        self.assertEqual(counts["support_incomplete_count"], 6)


class TestPortalHomeCards(PortalHomeCommon):
    """The cards of the portal home, as Odoo's own: SVG pictograms of one
    size, one support entry instead of helpdesk_mgmt's second one."""

    def home(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.text)

    def test_p1_1_one_support_entry_leading_to_the_support_request_form(self):
        tree = self.home()
        # the cards of documents; the alerts may point at the same lists
        cards = tree.xpath(
            "//div[contains(@class, 'o_portal_category')][@id!='portal_alert_category']"
            "/div[contains(@class, 'o_portal_index_card')]"
        )
        support = [c for c in cards if c.xpath(".//a[@href='/my/tickets']")]
        self.assertEqual(len(support), 1, "one support entry, not two")
        self.assertEqual(support[0].get("id"), "rma_unex_support_card")
        self.assertEqual(
            support[0].xpath(".//a/@href"),
            ["/my/tickets", "/my/support-requests/new"],
        )
        self.assertNotIn("d-none", support[0].get("class"), "always shown")
        self.assertFalse(tree.xpath("//form[@action='/new/ticket']"))
        self.assertFalse(tree.xpath("//img[contains(@src, 'helpdesk_mgmt')]"))

    def test_rma_cards_use_svg_pictograms_of_odoo_size(self):
        tree = self.home()
        rma = tree.xpath(
            "//div[contains(@class, 'o_portal_index_card')][.//a[@href='/my/rmas']]"
        )
        self.assertEqual(len(rma), 1)
        self.assertTrue(rma[0].xpath(".//*[@data-placeholder_count='rma_count']"))
        self.assertTrue(rma[0].xpath(".//*[@data-placeholder_count='rma_open_count']"))
        process = tree.xpath(
            "//div[contains(@class, 'o_portal_index_card')][.//a[@href='/rma']]"
        )
        self.assertEqual(len(process), 1, "the RMA process card")
        self.assertNotIn("d-none", process[0].get("class"), "always shown")
        for key in ("rma_waiting_count", "support_incomplete_count"):
            alert = tree.xpath(
                f"//div[@id='portal_alert_category']//*[@data-placeholder_count='{key}']"
            )
            self.assertEqual(len(alert), 1, key)
        icons = {
            src
            for src in tree.xpath("//div[contains(@class, 'o_portal_icon')]/img/@src")
            if src.startswith("/rma_unex/")
        }
        self.assertEqual(
            icons,
            {
                "/rma_unex/static/src/img/rma_unex_rma.svg",
                "/rma_unex/static/src/img/rma_unex_support.svg",
                "/rma_unex/static/src/img/rma_unex_process.svg",
            },
        )
        for src in icons:
            with file_open(src.lstrip("/")) as svg:
                root = html.etree.fromstring(svg.read().encode())
            # the size of Odoo's own pictograms (portal, sale, account)
            self.assertEqual((root.get("width"), root.get("height")), ("64", "64"))
            self.assertLess(len(html.etree.tostring(root)), 4000, src)


@tagged("post_install", "-at_install")
class TestPortalHomeTour(PortalHomeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def test_tour_home_shows_what_waits_and_leads_to_the_process(self):
        self.quoted_case(self.lot)
        self.start_tour("/my", "rma_unex_portal_home", login=self.portal_a.login)
