"""Advance replacement (M6)."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .common import WorkshopCommon


class TestAdvanceReplacement(WorkshopCommon):
    """M6: ship first, remind, invoice at list price when the unit never comes."""

    def _stock_serials(self, count, prefix="ADV"):
        lots = self.env["stock.lot"].create(
            [
                {"name": f"{prefix}{i}", "product_id": self.product.id}
                for i in range(count)
            ]
        )
        stock = (
            self.env["stock.warehouse"]
            .search([("company_id", "=", self.company.id)], limit=1)
            .lot_stock_id
        )
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(
                self.product, stock, 1, lot_id=lot
            )
        return lots

    def test_m6_advance_replacement_cap_and_permission(self):
        self._stock_serials(3)
        self.company.rma_advance_cap = 2
        case = self.authorise(self.make_case(lots=self.lot | self.lot_2))
        err = self.assertRefused(
            UserError, case.with_user(self.sales).action_advance_replacement, case
        )
        self.assertIn("not allowed advance replacements", str(err))
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.sales).write(
                {"rma_advance_replacement": True}
            )
        self.customer_a.with_user(self.manager).rma_advance_replacement = True
        self.assertRefused(
            AccessError, case.with_user(self.fae).action_advance_replacement, case
        )
        case.with_user(self.sales).action_advance_replacement()
        self.validate(self.pickings(case, "outgoing"))
        third = self.authorise(
            self.make_case(lots=self._stock_serials(1, prefix="THIRD"))
        )
        err = self.assertRefused(
            UserError, third.with_user(self.sales).action_advance_replacement, third
        )
        self.assertIn("cap of 2", str(err))

    def test_m6_ship_first_remind_then_invoice_at_list_price(self):
        new_lots = self._stock_serials(1)
        self.customer_a.rma_advance_replacement = True
        with freeze_time("2026-03-01 09:00:00"):
            case = self.authorise(self.make_case(contact_id=self.contact_a.id))
            case.with_user(self.sales).action_advance_replacement()
            advance = self.pickings(case, "outgoing")
            self.assertTrue(advance.rma_advance)
            self.validate(advance)
        unit = case.unit_ids
        self.assertEqual(
            case.state, "authorised", "shipped before the faulty unit arrives"
        )
        self.assertEqual(unit.shipped_lot_id, new_lots)
        self.assertEqual(unit.advance_due_date, date(2026, 3, 31))
        Case = self.env["rma.unex.case"]
        with freeze_time("2026-03-02 09:00:00"):
            Case._cron_advance_replacements()
        self.assertTrue(unit.advance_reminder_date)
        self.assertTrue(
            case.message_ids.filtered(lambda m: "Reminder" in (m.body or ""))
        )
        self.assertTrue(
            case.activity_ids.filtered(lambda a: "outstanding" in (a.summary or ""))
        )
        with freeze_time("2026-04-01 09:00:00"):
            Case._cron_advance_replacements()
        order = unit.advance_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.order_line.product_id, self.product)
        self.assertEqual(order.order_line.price_unit, self.product.lst_price)
        self.assertEqual(case.invoice_status, "to_invoice")

    def test_m6_returned_in_time_is_not_invoiced(self):
        self._stock_serials(1)
        self.customer_a.rma_advance_replacement = True
        with freeze_time("2026-03-01 09:00:00"):
            case = self.authorise(self.make_case())
            case.with_user(self.sales).action_advance_replacement()
            self.validate(self.pickings(case, "outgoing"))
        with freeze_time("2026-03-10 09:00:00"):
            self.validate(self.pickings(case, "incoming"))
        self.assertEqual(case.state, "received")
        with freeze_time("2026-05-01 09:00:00"):
            self.env["rma.unex.case"]._cron_advance_replacements()
        self.assertFalse(case.unit_ids.advance_order_id)
