from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .common import RmaUnexCommon

DELIVERED = date(2026, 1, 5)


class TestWarranty(RmaUnexCommon):
    """P4.1 lookup, P4.2 CID, M1 DOA, M3 repair warranty, M4 replacement."""

    def case_on(self, day, **kwargs):
        with freeze_time(
            datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
        ):
            return self.make_case(**kwargs)

    def test_p4_1_warranty_days_are_the_companys_days(self):
        """One rule for the days of a warranty, whoever looks: the company's
        timezone. A delivery at 23:30 in San Francisco (07:30 the next day in
        UTC) starts the warranty that day; an application at 23:30 on its last
        day is in warranty, at 00:30 the next day it is not; a user in Taipei
        (already the next day) sees the same."""
        self.company.partner_id.tz = "America/Los_Angeles"
        self.sales.tz = "Asia/Taipei"
        self.deliver(self.lot, date=date(2026, 3, 1))
        lines = self.env["stock.move.line"].search([("lot_id", "=", self.lot.id)])
        lines.date = datetime(2026, 3, 2, 7, 30)  # 23:30 on 1 March, local
        last_day = datetime(2026, 5, 31, 6, 30)  # 23:30 on 30 May, local
        for applied, status in (
            (last_day, "in_warranty"),
            (last_day + timedelta(hours=1), "expired"),
        ):
            with self.subTest(applied=applied):
                with freeze_time(applied):
                    case = self.make_case()
                unit = case.unit_ids
                self.assertEqual(unit.warranty_start_date, date(2026, 3, 1))
                self.assertEqual(unit.warranty_end_date, date(2026, 5, 30))
                self.assertEqual(unit.warranty_status, status)
                unit.with_user(self.sales).action_verify_warranty()
                self.assertEqual(unit.warranty_status, status)
                case.unlink()

    def test_p4_1_found_by_serial(self):
        order = self.deliver(self.lot, date=DELIVERED)
        unit = self.case_on(DELIVERED + timedelta(days=40)).unit_ids
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_start_date, DELIVERED)
        self.assertEqual(unit.warranty_end_date, DELIVERED + timedelta(days=90))
        self.assertEqual(unit.warranty_sale_line_id.order_id, order)
        self.assertIn(order.picking_ids.name, unit.warranty_source)

    def test_p4_1_found_by_mac(self):
        self.deliver(self.lot, date=DELIVERED)
        case = self.case_on(DELIVERED + timedelta(days=40), lots=self.env["stock.lot"])
        unit = self.env["rma.unex.unit"].create(
            {
                "case_id": case.id,
                "product_id": self.product.id,
                "mac_address": "00-01-a7-00-00-01",
            }
        )
        self.assertEqual(unit.lot_id, self.lot)
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_start_date, DELIVERED)

    def test_p4_1_found_by_customer_and_product(self):
        order = self.deliver(self.lot, date=DELIVERED)
        case = self.case_on(DELIVERED + timedelta(days=40), lots=self.env["stock.lot"])
        unit = self.env["rma.unex.unit"].create(
            {"case_id": case.id, "product_id": self.product.id}
        )
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_sale_line_id.order_id, order)
        self.assertIn(order.name, unit.warranty_source)

    def test_p4_1_unknown_without_any_sale(self):
        unit = self.case_on(DELIVERED).unit_ids
        self.assertEqual(unit.warranty_status, "unknown")
        self.assertFalse(unit.warranty_start_date)
        other = self.deliver(self.lot, partner=self.customer_b, date=DELIVERED)
        self.assertTrue(other)
        case = self.case_on(DELIVERED + timedelta(days=40), lots=self.env["stock.lot"])
        unit = self.env["rma.unex.unit"].create(
            {"case_id": case.id, "product_id": self.product.id}
        )
        self.assertEqual(unit.warranty_status, "unknown", "another customer's sale")

    def test_p4_1_boundary_dates(self):
        self.deliver(self.lot, date=DELIVERED)
        end = DELIVERED + timedelta(days=90)
        self.assertEqual(self.case_on(end).unit_ids.warranty_status, "in_warranty")
        later = self.case_on(end + timedelta(days=1)).unit_ids
        self.assertEqual(later.warranty_status, "expired")
        self.assertEqual(later.case_id.return_freight_payer, "customer")

    def test_p4_1_product_period_beats_company_default(self):
        self.company.rma_warranty_days = 60
        self.deliver(self.lot, date=DELIVERED)
        self.assertEqual(
            self.case_on(DELIVERED + timedelta(days=70)).unit_ids.warranty_status,
            "expired",
        )
        self.product.rma_warranty_days = 365
        unit = self.case_on(DELIVERED + timedelta(days=70)).unit_ids
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_end_date, DELIVERED + timedelta(days=365))

    def test_m1_dead_on_arrival_window(self):
        self.deliver(self.lot, date=DELIVERED)
        case = self.case_on(DELIVERED + timedelta(days=30))
        self.assertEqual(case.unit_ids.warranty_status, "doa")
        self.assertEqual(case.inbound_freight_payer, "vendor", "M1: we pay both ways")
        self.assertEqual(case.return_freight_payer, "vendor")
        self.assertFalse(case.needs_charge_agreement)
        self.assertEqual(
            self.case_on(DELIVERED + timedelta(days=31)).unit_ids.warranty_status,
            "in_warranty",
        )

    def test_p4_2_cid_voids_the_warranty(self):
        self.deliver(self.lot, date=DELIVERED)
        case = self.case_on(DELIVERED + timedelta(days=40))
        unit = case.unit_ids
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertRefused(
            UserError, lambda: unit.with_user(self.quality)._record_cid("liquid"), case
        )  # not in the workshop yet
        self.put_in_state(case, "evaluation")
        self.assertRefused(
            AccessError, lambda: unit.with_user(self.sales)._record_cid("liquid"), case
        )
        photo = self.env["ir.attachment"].create(
            {"name": "corrosion.jpg", "raw": b"jpg"}
        )
        wizard = (
            self.env["rma.unex.unit.cid.wizard"]
            .with_user(self.quality)
            .create(
                {
                    "unit_ids": [(6, 0, unit.ids)],
                    "cid_type": "liquid",
                    "note": "Corrosion on the RF shield",
                    "attachment_ids": [(6, 0, photo.ids)],
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(unit.warranty_status, "void")
        self.assertEqual(unit.cid_user_id, self.quality)
        self.assertEqual(unit.cid_attachment_ids, photo)
        self.assertEqual(case.return_freight_payer, "customer")
        # "No CID" keeps the warranty.
        unit.with_user(self.quality)._record_cid("none")
        self.assertEqual(unit.warranty_status, "in_warranty")

    def _ship_earlier(self, lot, shipped_lot, shipped_on, start=DELIVERED):
        """An earlier, finished case that received ``lot``, shipped ``shipped_lot``."""
        earlier = self.case_on(start + timedelta(days=40), lots=lot)
        self.put_in_state(earlier, "closed")
        earlier.unit_ids._rma_service_write(
            {
                "date_received": datetime.combine(
                    start + timedelta(days=45), datetime.min.time()
                ),
                "date_shipped": datetime.combine(shipped_on, datetime.min.time()),
                "shipped_lot_id": shipped_lot.id,
            }
        )
        return earlier

    def test_m3_repair_warranty_and_repeat_return(self):
        self.deliver(self.lot, date=DELIVERED)
        shipped_on = DELIVERED + timedelta(days=80)
        earlier = self._ship_earlier(self.lot, self.lot, shipped_on)
        # Original end DELIVERED + 90; repair warranty until shipped_on + 90.
        unit = self.case_on(DELIVERED + timedelta(days=150)).unit_ids
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_end_date, shipped_on + timedelta(days=90))
        self.assertIn(earlier.name, unit.warranty_source)
        self.assertTrue(unit.is_repeat_return)
        self.assertEqual(unit.previous_unit_id, earlier.unit_ids)
        self.assertTrue(unit.case_id.has_repeat_return)
        self.assertTrue(
            unit.case_id.message_ids.filtered(
                lambda m: "Repeat return" in (m.body or "")
            )
        )
        after = self.case_on(shipped_on + timedelta(days=91)).unit_ids
        self.assertEqual(after.warranty_status, "expired")

    def test_p4_1_serial_of_another_customer_is_flagged_not_used(self):
        """A serial delivered to another customer, and repaired for them, gives
        this customer neither that delivery's warranty nor the repair's: the
        unit and the case are flagged for sales, whom the serial went to."""
        self.deliver(self.lot, partner=self.customer_b, date=DELIVERED)
        shipped_on = DELIVERED + timedelta(days=80)
        earlier = self._ship_earlier(self.lot, self.lot, shipped_on)
        earlier.partner_id = self.customer_b
        unit = self.case_on(DELIVERED + timedelta(days=100)).unit_ids
        self.assertEqual(unit.warranty_status, "unknown")
        self.assertFalse(unit.warranty_start_date)
        self.assertFalse(unit.is_repeat_return)
        self.assertFalse(unit.previous_unit_id)
        self.assertTrue(unit.serial_customer_mismatch)
        self.assertEqual(unit.serial_delivered_to_id, self.customer_b)
        self.assertIn(self.customer_b.name, unit.warranty_source)
        self.assertTrue(unit.case_id.has_serial_mismatch)
        self.assertTrue(unit.case_id.needs_charge_agreement)
        # the customer's own sale of the product is their warranty
        self.deliver(self.lot_2, date=DELIVERED + timedelta(days=30))
        unit.with_user(self.sales).action_verify_warranty()
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_start_date, DELIVERED + timedelta(days=30))
        self.assertTrue(unit.serial_customer_mismatch)
        # the other customer, whose serial it is, gets their warranty
        own = self.case_on(DELIVERED + timedelta(days=100), partner=self.customer_b)
        self.assertFalse(own.unit_ids.serial_customer_mismatch)
        self.assertTrue(own.unit_ids.is_repeat_return)
        for field in ("serial_customer_mismatch", "serial_delivered_to_id"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                unit.with_user(self.portal_a).read([field])

    def test_m4_replacement_serial_takes_over_the_warranty(self):
        self.product.rma_warranty_days = 365
        self.deliver(self.lot, date=DELIVERED)
        shipped_on = DELIVERED + timedelta(days=60)
        earlier = self._ship_earlier(self.lot, self.lot_2, shipped_on)
        day = DELIVERED + timedelta(days=300)
        case = self.case_on(day, lots=self.env["stock.lot"])
        unit = self.env["rma.unex.unit"].create(
            {
                "case_id": case.id,
                "product_id": self.product.id,
                "mac_address": self.lot_2.mac_address,
            }
        )
        self.assertEqual(unit.lot_id, self.lot_2, "found by the new serial's MAC")
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_start_date, DELIVERED)
        self.assertEqual(unit.warranty_end_date, DELIVERED + timedelta(days=365))
        self.assertIn(self.lot.name, unit.warranty_source)
        self.assertIn(earlier.name, unit.warranty_source)
        self.assertFalse(
            unit.is_repeat_return, "the replacement never came back before"
        )

    def test_p4_1_verify_warranty_records_who_and_when(self):
        case = self.case_on(DELIVERED + timedelta(days=40))
        unit = case.unit_ids
        self.assertEqual(unit.warranty_status, "unknown")
        self.deliver(self.lot, date=DELIVERED)  # the sale is found later
        self.assertRefused(
            AccessError, unit.with_user(self.fae).action_verify_warranty, case
        )
        self.assertRefused(
            AccessError, unit.with_user(self.warehouse).action_verify_warranty, case
        )
        self.assertRefused(
            UserError,
            lambda: unit.with_user(self.warehouse).write(
                {"warranty_status": "in_warranty"}
            ),
            case,
        )
        with freeze_time("2026-02-20 10:00:00"):
            unit.with_user(self.sales).action_verify_warranty()
        self.assertEqual(unit.warranty_status, "in_warranty")
        self.assertEqual(unit.warranty_verified_user_id, self.sales)
        self.assertEqual(unit.warranty_verified_date, datetime(2026, 2, 20, 10, 0))

    def test_lookup_queries_do_not_grow_with_the_batch(self):
        lots = self.env["stock.lot"].create(
            [{"name": f"QC{i:03d}", "product_id": self.product.id} for i in range(20)]
        )
        for lot in lots[:3]:
            self.deliver(lot, date=DELIVERED)
        # Both batches mix serials with and without a delivery, so that every
        # source is searched in both.
        small = self.case_on(DELIVERED + timedelta(days=40), lots=lots[2:4]).unit_ids
        large = self.case_on(DELIVERED + timedelta(days=40), lots=lots).unit_ids
        self.assertEqual(len(large), 20)

        def queries(units):
            # as a button or RPC call gets them: browsed by id
            return self.count_queries(
                lambda: self.env["rma.unex.unit"].browse(units.ids)._lookup_warranty(),
                cold=True,
                precommit=False,
            )

        queries(small)  # warm the registry caches
        few, many = queries(small), queries(large)
        # 10x the units, the same queries (±1: which related records happen
        # to be read in the same prefetch batch).
        self.assertLessEqual(abs(many - few), 1, f"{few} queries for 2, {many} for 20")
        self.assertLessEqual(many, 20)
