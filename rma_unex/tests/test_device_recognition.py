from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from ..models.rma_unex_device_recognition import MAX_MISSES_PER_MINUTE
from .common import RmaUnexCommon, allow_chromium_more_time

ROUTE = "/my/support-requests/recognise"


class RecognitionCommon(RmaUnexCommon):
    """TRTR0001 delivered to Customer A 60 days ago, TRTR0002 to Customer B,
    TRTR0003 never delivered; a second serial-tracked product, a lot-tracked
    and an untracked one (office furniture), and bulletins."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.switch = Product.create(
            {
                "name": "Test Switch",
                "default_code": "T-SW",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.cable_box = Product.create(
            {
                "name": "Cable Box",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        cls.chair = Product.create({"name": "Office Chair", "type": "consu"})
        cls.lot_3 = cls.env["stock.lot"].create(
            {
                "name": "TRTR0003",
                "product_id": cls.product.id,
                "mac_address": "00:01:A7:00:00:03",
            }
        )
        Bulletin = cls.env["rma.unex.service.bulletin"]
        common = {"product_ids": [Command.set(cls.product.ids)], "issue": "<p>x</p>"}
        cls.dfs = Bulletin.create(
            dict(
                common,
                name="Radio drops on DFS channels",
                firmware_from="7.0",
                firmware_to="7.1.3",
                workaround="<p>Upgrade to 7.1.4</p>",
                is_public=True,
            )
        )
        cls.fan = Bulletin.create(
            dict(
                common, name="Fan noise after 8.0", firmware_from="8.0", is_public=True
            )
        )
        cls.internal = Bulletin.create(dict(common, name="Internal PA issue"))


class TestDeviceRecognition(RecognitionCommon):
    """The service behind the form's serial / MAC recognition (P1.2, P1.4,
    P4.1, M12, X2)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delivered_on = date.today() - timedelta(days=60)
        cls.deliver(cls, cls.lot, cls.customer_a, cls.delivered_on)
        cls.deliver(cls, cls.lot_2, cls.customer_b)

    def setUp(self):
        super().setUp()
        self.Recognition = self.env["rma.unex.device.recognition"].with_user(
            self.portal_a
        )

    def _ask(self, identity, firmware="", user=None):
        user = user or self.portal_a
        return self.Recognition.with_user(user)._recognise_for_user(
            user, identity, firmware
        )

    def _attempts(self, user=None):
        return self.env["rma.unex.status.lookup"].search(
            [("ip_address", "=", f"user:{(user or self.portal_a).id}")]
        )

    def test_p41_own_serial_gives_product_and_warranty(self):
        answer = self._ask("TRTR0001")
        self.assertTrue(answer["found"])
        self.assertFalse(answer["throttled"])
        self.assertEqual(
            answer["product"],
            {"id": self.product.id, "name": self.product.display_name},
        )
        days = self.company.rma_warranty_days
        end = self.delivered_on + relativedelta(days=days)
        self.assertEqual(answer["warranty"]["status"], "in_warranty")
        self.assertEqual(answer["warranty"]["end_date"], end.isoformat())
        self.assertIn(self.product.display_name, answer["message"])
        self.assertIn("in warranty until", answer["message"])
        self.assertEqual(self._attempts().mapped("found"), [True])

    def test_p14_serial_any_case_and_mac_in_any_notation(self):
        for typed in (
            "trtr0001",
            " TRTR0001 ",
            "00:01:A7:00:00:01",
            "00-01-a7-00-00-01",
            "0001.a700.0001",
            "0001A7000001",
        ):
            with self.subTest(typed=typed):
                answer = self._ask(typed)
                self.assertTrue(answer["found"])
                self.assertEqual(answer["product"]["id"], self.product.id)

    def test_x2_unknown_foreign_and_undelivered_get_the_same_answer(self):
        """Another customer's serial or MAC, a serial never delivered, an
        unknown one, a wildcard or nothing: one answer, which names nothing."""
        not_found = self.Recognition._answer()
        self.assertFalse(not_found["found"])
        self.assertIn("Not found", not_found["message"])
        for typed in (
            "TRTR0002",
            "00:01:A7:00:00:02",
            "TRTR0003",
            "0001A7000003",
            "NOPE-0001",
            "TRTR%",
            "TRTR000_",
            "",
            "x" * 65,
        ):
            with self.subTest(typed=typed):
                answer = self._ask(typed)
                self.assertEqual(answer, not_found)
                self.assertNotIn("Customer B", str(answer))
                self.assertNotIn(self.product.name, str(answer))

    def test_x2_the_other_customer_recognises_theirs(self):
        answer = self._ask("TRTR0002", user=self.portal_b)
        self.assertTrue(answer["found"])
        self.assertEqual(answer["warranty"]["status"], "doa", "delivered today (M1)")
        self.assertFalse(self._ask("TRTR0001", user=self.portal_b)["found"])

    def test_x2_a_serial_sold_again_belongs_to_its_latest_customer(self):
        """A serial delivered to A, then later to B (returned, refurbished,
        sold again): B's now, not A's."""
        self.deliver(self.lot_3, self.customer_a, date.today() - timedelta(days=300))
        self.assertTrue(self._ask("TRTR0003")["found"])
        # back from A (the quant at the customers' location goes), sold to B
        customers = self.env.ref("stock.stock_location_customers")
        self.env["stock.quant"]._update_available_quantity(
            self.product, customers, -1, lot_id=self.lot_3
        )
        self.deliver(self.lot_3, self.customer_b)
        self.assertFalse(self._ask("TRTR0003")["found"])
        self.assertTrue(self._ask("TRTR0003", user=self.portal_b)["found"])

    def test_m4_a_replacement_shipped_to_the_customer_is_theirs(self):
        """A serial never sold, shipped to A as the replacement of their unit:
        recognised for A, with the warranty the replaced unit hands over."""
        case = self.make_case(contact_id=self.contact_a.id)
        case.unit_ids._rma_service_write(
            {"shipped_lot_id": self.lot_3.id, "date_shipped": fields.Datetime.now()}
        )
        answer = self._ask("TRTR0003")
        self.assertTrue(answer["found"])
        self.assertEqual(answer["warranty"]["status"], "in_warranty")
        self.assertFalse(self._ask("TRTR0003", user=self.portal_b)["found"])

    def test_throttled_after_too_many_misses(self):
        """A throttled call says so and does nothing: no lookup, no record;
        recognised numbers do not count."""
        self._ask("TRTR0001")
        for _i in range(MAX_MISSES_PER_MINUTE):
            self.assertFalse(self._ask("GUESS-1")["throttled"])
        attempts = self._attempts()
        with self.assertQueryCount(1):
            answer = self._ask("TRTR0001")
        self.assertTrue(answer["throttled"])
        self.assertFalse(answer["found"])
        self.assertFalse(answer["product"])
        self.assertIn("wait a minute", answer["message"])
        self.assertEqual(self._attempts(), attempts, "nothing recorded")
        self.assertFalse(
            self._ask("TRTR0002", user=self.portal_b)["throttled"],
            "another user is not throttled",
        )

    def test_m12_bulletins_by_product_and_firmware(self):
        def names(answer):
            return {bulletin["name"] for bulletin in answer["bulletins"]}

        every = {self.dfs.name, self.fan.name}
        self.assertEqual(names(self._ask("TRTR0001")), every, "public ones only")
        self.assertEqual(names(self._ask("TRTR0001", "7.1.2")), {self.dfs.name})
        self.assertEqual(names(self._ask("TRTR0001", "v8.2")), {self.fan.name})
        dfs = self._ask("TRTR0001", "7.1.2")["bulletins"][0]
        self.assertEqual(dfs["workaround"], "Upgrade to 7.1.4")
        self.assertEqual(dfs["firmware"], "firmware 7.0 to 7.1.3")
        switch_lot = self.env["stock.lot"].create(
            {"name": "TSW0001", "product_id": self.switch.id}
        )
        self.deliver(switch_lot, self.customer_b)
        answer = self._ask("TSW0001", "7.1.2", user=self.portal_b)
        self.assertEqual(answer["product"]["id"], self.switch.id)
        self.assertEqual(answer["bulletins"], [], "not its product")

    def test_form_products_serviceable_own_first(self):
        """P1.2: serial-tracked devices only, the customer's purchases first."""
        Recognition = self.Recognition
        domain = Recognition._serviceable_product_domain()
        products = self.env["product.product"].search(domain)
        self.assertIn(self.product, products)
        self.assertIn(self.switch, products)
        self.assertNotIn(self.chair, products)
        self.assertNotIn(self.cable_box, products)
        with self.assertQueryCount(1):
            own = Recognition._purchased_product_ids(self.customer_a)
        self.assertEqual(own, set(self.product.ids))
        self.assertEqual(Recognition._purchased_product_ids(self.customer_b), own)
        self.assertFalse(Recognition._purchased_product_ids(self.customer_b.browse()))

    def _queries(self, identity):
        """Queries of one question, on warm caches (a first question fills
        the registry's caches) and a cleared record cache."""
        self._ask(identity, "7.1.2")
        self._attempts().unlink()
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self._ask(identity, "7.1.2")
        queries = self.env.cr.sql_log_count - before
        self._attempts().unlink()
        return queries

    def test_queries_fixed_whatever_the_number_of_serials(self):
        """The lookup costs the same few queries with 3 or 13 delivered
        serials, found or not (budget in absolute numbers too)."""
        found, missed = self._queries("TRTR0001"), self._queries("NOPE-1")
        foreign = self._queries("TRTR0002")
        lots = self.env["stock.lot"].create(
            [{"name": f"MORE{i:04d}", "product_id": self.product.id} for i in range(10)]
        )
        for lot in lots:
            self.deliver(lot, self.customer_a)
        self.assertEqual(self._queries("TRTR0001"), found)
        self.assertEqual(self._queries("NOPE-2"), missed)
        self.assertEqual(self._queries("TRTR0002"), foreign)
        # the budget: throttle check, user, serial search, its delivery (move
        # line, move, sale line, order, partner), earlier units, product,
        # company day, bulletins (3), attempt; a miss stops after the search
        self._ask("TRTR0001")
        self.env.invalidate_all()
        with self.assertQueryCount(22):
            self._ask("TRTR0001", "7.1.2")
        self.env.invalidate_all()
        with self.assertQueryCount(5):
            self._ask("NOPE-3")
        self.assertLessEqual(foreign, 12)


@tagged("post_install", "-at_install")
class TestDeviceRecognitionRoute(RecognitionCommon, HttpCase):
    """The JSON route and the form page (X2)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deliver(cls, cls.lot, cls.customer_a)
        cls.deliver(cls, cls.lot_2, cls.customer_b)

    def test_x2_public_visitor_refused(self):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.make_jsonrpc_request(ROUTE, {"identity": "TRTR0001"})
        self.assertIn("SessionExpired", str(caught.exception))
        self.assertFalse(
            self.env["rma.unex.status.lookup"].search(
                [("ip_address", "=like", "user:%")]
            )
        )

    def test_x2_portal_customer_learns_nothing_of_another_customers_serial(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        own = self.make_jsonrpc_request(ROUTE, {"identity": "0001a7000001"})
        self.assertTrue(own["found"])
        self.assertEqual(own["product"]["id"], self.product.id)
        foreign = self.make_jsonrpc_request(ROUTE, {"identity": "TRTR0002"})
        unknown = self.make_jsonrpc_request(ROUTE, {"identity": "NOPE-0001"})
        self.assertEqual(foreign, unknown)
        self.assertFalse(foreign["found"])
        self.assertFalse(foreign["product"])
        odd = self.make_jsonrpc_request(ROUTE, {"identity": ["TRTR0001"]})
        self.assertEqual(odd, unknown, "only text is looked up")

    def test_form_lists_serviceable_products_own_first_and_links_process(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open("/my/support-requests/new").text
        self.assertIn('href="/rma"', page)
        self.assertIn("How our RMA process works", page)
        select = html.fromstring(page).xpath("//select[@name='device_0_product']")[0]
        groups = {
            group.get("label"): [option.text for option in group.xpath("option")]
            for group in select.xpath("optgroup")
        }
        self.assertEqual(
            list(groups), ["Devices your company bought", "Other products"]
        )
        self.assertEqual(groups["Devices your company bought"], ["[T-RTR] Test Router"])
        self.assertIn("[T-SW] Test Switch", groups["Other products"])
        options = select.xpath("string(.)")
        self.assertNotIn("Office Chair", options)
        self.assertNotIn("Cable Box", options)
        self.assertIn("rma_unex_device_recognition", page)
        self.assertIn('data-recognition-url="/my/support-requests/recognise"', page)


@tagged("post_install", "-at_install")
class TestDeviceRecognitionTour(RecognitionCommon, HttpCase):
    """The customer types their own serial: the product and the warranty are
    shown; another customer's: "not found" and nothing else (X2)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)
        cls.deliver(cls, cls.lot, cls.customer_a, date.today() - timedelta(days=60))
        cls.deliver(cls, cls.lot_2, cls.customer_b)

    def test_tour_recognise_own_serial_not_another_customers(self):
        self.start_tour(
            "/my/support-requests/new",
            "rma_unex_device_recognition",
            login=self.portal_a.login,
        )
        attempts = self.env["rma.unex.status.lookup"].search(
            [("ip_address", "=", f"user:{self.portal_a.id}")]
        )
        self.assertIn(True, attempts.mapped("found"))
        self.assertIn(False, attempts.mapped("found"))
