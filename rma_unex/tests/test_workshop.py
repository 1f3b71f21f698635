import base64
import json
import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase

from .common import RmaUnexCommon

# A 1x1 PNG: the portal wants a signature image.
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


class WorkshopCommon(RmaUnexCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._user("t_accountant", "account.group_account_invoice")
        cls.component = cls.env["product.product"].create(
            {"name": "DC-DC converter", "type": "consu", "is_storable": True}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.component, cls.env.ref("stock.stock_location_stock"), 10
        )

    def evaluated_case(self, lots=None, covered=False):
        lots = lots if lots is not None else self.lot
        if covered:
            for lot in lots:
                self.deliver(lot, date=date.today() - timedelta(days=60))
        return self.receive_and_evaluate(self.make_case(lots=lots))


class TestDecision(WorkshopCommon):
    """P5.1 failure analysis, P4.3 / P4.4 decision, who and why."""

    def test_p5_1_every_unit_needs_fa_and_a_decision_before_leaving_evaluation(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        first, second = case.unit_ids
        err = self.assertRefused(
            UserError, case.with_user(self.sales).action_send_quotation, case
        )
        self.assertIn("failure analysis", str(err))
        self.analyse(case.unit_ids)
        self.decide(first, "paid_repair")
        err = self.assertRefused(
            UserError, case.with_user(self.sales).action_send_quotation, case
        )
        self.assertIn(second.display_name, str(err))
        self.decide(second, "return_unrepaired")
        case.with_user(self.sales).action_send_quotation()
        self.assertEqual(case.state, "quoted")
        self.assertEqual(first.fa_user_id, self.quality)
        self.assertEqual(first.disposition_user_id, self.sales)
        self.assertEqual(first.disposition_reason, "after FA")

    def test_p5_1_fa_refusals(self):
        case = self.evaluated_case()
        unit = case.unit_ids
        category = self.env.ref("rma_unex.failure_category_rf")
        self.assertRefused(
            AccessError,
            lambda: unit.with_user(self.sales)._record_fa("x", "y", category),
            case,
        )
        self.assertRefused(
            UserError,
            lambda: unit.with_user(self.quality)._record_fa(" ", "y", category),
            case,
        )
        wizard = (
            self.env["rma.unex.unit.fa.wizard"]
            .with_user(self.quality)
            .create(
                {
                    "unit_ids": [Command.set(unit.ids)],
                    "findings": "PA burnt",
                    "root_cause": "ESD",
                    "category_id": category.id,
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(unit.fa_category_id, category)
        other = self.put_in_state(self.make_case(lots=self.lot_2), "repair")
        self.assertRefused(
            UserError,
            lambda: other.unit_ids.with_user(self.quality)._record_fa(
                "x", "y", category
            ),
            other,
        )

    def test_p4_3_free_repair_only_for_covered_units(self):
        case = self.evaluated_case()
        unit = case.unit_ids
        self.analyse(unit)
        err = self.assertRefused(
            UserError, lambda: self.decide(unit, "free_repair"), case
        )
        self.assertIn("not covered", str(err))
        self.assertRefused(
            UserError,
            lambda: unit.with_user(self.sales)._decide("paid_repair", ""),
            case,
        )
        self.assertRefused(
            AccessError, lambda: self.decide(unit, "paid_repair", self.fae), case
        )
        covered = self.evaluated_case(lots=self.lot_2, covered=True)
        self.decide(covered.unit_ids, "free_repair")
        self.assertEqual(covered.unit_ids.disposition, "free_repair")


class TestQuotation(WorkshopCommon):
    """P4.4 quotation as a sale order, P4.5 validity, P5.2 revision."""

    def quoted_case(self, **kwargs):
        case = self.evaluated_case(**kwargs)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        return case

    def test_p4_4_quotation_lines_and_validity(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        paid, ntf = case.unit_ids
        self.analyse(case.unit_ids)
        self.decide(paid, "paid_repair")
        self.decide(ntf, "ntf")
        with freeze_time("2026-06-01"):
            case.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.rma_case_id, case)
        self.assertEqual(order.partner_id, self.customer_a)
        self.assertEqual(order.validity_date, date(2026, 7, 1))
        products = order.order_line.mapped("product_id")
        self.assertEqual(
            sorted(products.mapped("default_code")),
            ["RMA-NTF", "RMA-REPAIR", "RMA-SHIP"],
        )
        self.assertIn(
            paid.display_name,
            order.order_line.filtered(
                lambda ln: ln.product_id.default_code == "RMA-REPAIR"
            ).name,
        )
        self.assertEqual(case.quotation_count, 1)

    def test_p4_4_only_chargeable_units_are_quoted(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        paid, free = case.unit_ids
        self.deliver(self.lot_2, date=date.today() - timedelta(days=200))
        self.assertEqual(free.warranty_status, "unknown", "looked up at creation")
        self.analyse(case.unit_ids)
        self.decide(paid, "paid_repair")
        self.decide(free, "return_unrepaired")
        case.with_user(self.sales).action_send_quotation()
        lines = case.sale_order_ids.order_line
        repair = lines.filtered(lambda ln: ln.product_id.default_code == "RMA-REPAIR")
        # the product, then the unit on its own line (Odoo's description layout)
        self.assertEqual(
            repair.name, f"{repair.product_id.display_name}\n{paid.display_name}"
        )
        self.assertNotIn(free.display_name, " ".join(lines.mapped("name")))

    def test_p4_4_staff_confirm_needs_the_po_number(self):
        case = self.quoted_case()
        order = case.sale_order_ids
        err = self.assertRefused(
            UserError, case.with_user(self.sales).action_confirm_quotation, case
        )
        self.assertIn("purchase order number", str(err))
        self.assertRefused(UserError, case.with_user(self.sales).action_approve, case)
        order.client_order_ref = "PO-1"
        case.with_user(self.sales).action_confirm_quotation()
        self.assertEqual(order.state, "sale")
        self.assertEqual(case.state, "approved")

    def test_p4_5_expired_quotation_cannot_be_confirmed(self):
        with freeze_time("2026-06-01"):
            case = self.quoted_case()
        order = case.sale_order_ids
        order.client_order_ref = "PO-2"
        with freeze_time("2026-07-02"):
            err = self.assertRefused(
                UserError, case.with_user(self.sales).action_confirm_quotation, case
            )
            self.assertIn("expired", str(err))
            with self.assertRaisesRegex(UserError, "expired"):
                order.action_confirm()
        self.assertEqual(order.state, "sent")  # issued, not confirmed

    def test_p4_5_cron_sends_the_case_back_with_an_activity(self):
        with freeze_time("2026-06-01"):
            case = self.quoted_case()
        order = case.sale_order_ids
        with freeze_time("2026-07-01"):
            self.env["sale.order"]._cron_rma_quotation_expiry()
        self.assertEqual(case.state, "quoted", "still valid on its last day")
        with freeze_time("2026-07-02"):
            self.env["sale.order"]._cron_rma_quotation_expiry()
        self.assertEqual(case.state, "evaluation")
        self.assertTrue(order.rma_lapse_notified)
        activity = case.activity_ids.filtered(lambda a: order.name in (a.summary or ""))
        self.assertEqual(activity.user_id, self.sales)

    def test_declined_quotation_reopens_the_decision(self):
        case = self.quoted_case()
        case.sale_order_ids._action_cancel()
        self.assertEqual(case.state, "evaluation")
        self.decide(case.unit_ids, "return_unrepaired")
        case.with_user(self.quality).action_release()
        self.assertEqual(case.state, "ready")

    def test_p5_2_revise_quotation_supersedes(self):
        case = self.quoted_case()
        first = case.sale_order_ids
        first.client_order_ref = "PO-3"
        case.with_user(self.sales).action_confirm_quotation()
        case.with_user(self.quality).action_start_repair()
        self.assertRefused(
            AccessError, case.with_user(self.quality).action_revise_quotation, case
        )
        case.with_user(self.sales).action_revise_quotation()
        second = case.sale_order_ids - first
        self.assertEqual(case.state, "quoted")
        self.assertEqual(first.state, "cancel")
        self.assertEqual(first.rma_superseded_by_id, second)
        self.assertEqual(case._current_quotation(), second)
        with self.assertRaisesRegex(UserError, "superseded"):
            first.action_draft()
            first.action_confirm()

    def test_p5_2_suspend_and_resume_during_repair(self):
        case = self.quoted_case()
        case.sale_order_ids.client_order_ref = "PO-4"
        case.with_user(self.sales).action_confirm_quotation()
        case.with_user(self.quality).action_start_repair()
        case.with_user(self.quality)._suspend("Hidden corrosion under the shield")
        self.assertEqual(case.state, "suspended")
        case.with_user(self.quality).action_resume()
        self.assertEqual(case.state, "repair")


class TestRepairAndQc(WorkshopCommon):
    """P6: repair orders, burn-in / QC, shipping, summary, invoices."""

    def test_p6_repair_orders_carry_the_warranty(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2, covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "free_repair")
        case.with_user(self.quality).action_start_repair()
        repairs = case.unit_ids.repair_id
        self.assertEqual(len(repairs), 2)
        self.assertTrue(all(repairs.mapped("under_warranty")))
        self.assertEqual(repairs.lot_id, self.lot | self.lot_2)
        self.assertEqual(repairs.rma_case_id, case)
        self.assertEqual(case.repair_count, 2)
        self.assertRefused(
            UserError, case.with_user(self.quality).action_start_qc, case
        )
        self.finish_repairs(case)
        self.assertEqual(
            case.state, "qc", "the last finished repair moves the case to QC"
        )
        paid = self.evaluated_case(
            lots=self.env["stock.lot"].create(
                {"name": "PAID1", "product_id": self.product.id}
            )
        )
        self.analyse(paid.unit_ids)
        self.decide(paid.unit_ids, "paid_repair")
        self.assertRefused(
            UserError, paid.with_user(self.quality).action_start_repair, paid
        )

    def test_p6_1_burn_in_and_qc(self):
        case = self.evaluated_case(covered=True)
        unit = case.unit_ids
        self.analyse(unit)
        self.decide(unit, "free_repair")
        case.with_user(self.quality).action_start_repair()
        self.finish_repairs(case)
        err = self.assertRefused(
            UserError, lambda: self.qc(unit, "pass", hours=4), case
        )
        self.assertIn("burn-in", str(err))
        self.assertRefused(
            AccessError,
            lambda: unit.with_user(self.sales)._record_qc("pass", 24, "ok"),
            case,
        )
        wizard = (
            self.env["rma.unex.unit.qc.wizard"]
            .with_user(self.quality)
            .create(
                {
                    "unit_ids": [Command.set(unit.ids)],
                    "burn_in_hours": 48,
                    "result": "pass",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(unit.qc_result, "pass")
        self.assertEqual(unit.burn_in_hours, 48)
        self.assertIn("RF output", unit.qc_checklist)
        case.with_user(self.quality).action_pass_qc()
        self.assertEqual(case.state, "ready")

    def test_p6_2_summary_email_and_p6_3_paid_repair_invoice(self):
        case = self.evaluated_case()
        unit = case.unit_ids
        self.analyse(unit, findings="Shorted converter")
        self.decide(unit, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        order.client_order_ref = "PO-5"
        case.with_user(self.sales).action_confirm_quotation()
        case.with_user(self.quality).action_start_repair()
        repair = unit.repair_id
        self.assertFalse(repair.under_warranty, "a paid repair is not under warranty")
        repair.write(
            {
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.component.id,
                            "product_uom_qty": 1,
                            "repair_line_type": "add",
                        }
                    )
                ]
            }
        )
        self.finish_repairs(case)
        self.qc(unit, "pass")
        case.with_user(self.quality).action_pass_qc()
        self.validate(self.pickings(case, "outgoing"))
        self.assertEqual(case.state, "shipped")
        summary = case.message_ids.filtered(
            lambda m: "repair summary" in (m.subject or "")
        )
        self.assertEqual(len(summary), 1)
        self.assertIn(unit.display_name, summary.body)
        self.assertIn("U12 failed", summary.body)
        self.assertIn("DC-DC converter", summary.body)
        self.assertIn(case.partner_id, summary.partner_ids)
        queued = self.env["mail.mail"].search([("mail_message_id", "=", summary.id)])
        self.assertTrue(queued, "the summary is queued for sending")
        # P6.3: the confirmed quotation is invoiced the standard way.
        self.assertEqual(case.invoice_status, "to_invoice")
        Case = self.env["rma.unex.case"].with_user(self.accountant)
        self.assertIn(case, Case.search([("invoice_status", "=", "to_invoice")]))
        case.with_user(self.accountant).action_create_invoices()
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_untaxed, order.amount_untaxed)
        self.assertEqual(case.invoice_status, "invoiced")
        self.assertEqual(case.invoice_count, 1)

    def test_p5_3_ntf_fees_and_waiver(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        charged, waived = case.unit_ids
        self.analyse(case.unit_ids, self.env.ref("rma_unex.failure_category_none"))
        self.decide(case.unit_ids, "ntf")
        self.assertRefused(
            AccessError,
            lambda: waived.with_user(self.sales)._waive_ntf_fees("goodwill"),
            case,
        )
        self.assertRefused(
            UserError, lambda: waived.with_user(self.manager)._waive_ntf_fees(""), case
        )
        waived.with_user(self.manager)._waive_ntf_fees("Key account")
        self.assertEqual(waived.ntf_waiver_user_id, self.manager)
        case.with_user(self.quality).action_release()
        self.assertEqual(case.state, "ready")
        fee_order = case.sale_order_ids
        self.assertEqual(fee_order.state, "sale")
        codes = sorted(fee_order.order_line.mapped("product_id.default_code"))
        self.assertEqual(codes, ["RMA-NTF", "RMA-SHIP"])
        self.assertIn(
            charged.display_name, " ".join(fee_order.order_line.mapped("name"))
        )
        self.assertNotIn(
            waived.display_name, " ".join(fee_order.order_line.mapped("name"))
        )
        self.assertEqual(case.invoice_status, "to_invoice")
        case.with_user(self.accountant).action_create_invoices()
        self.assertEqual(fee_order.invoice_ids.amount_untaxed, fee_order.amount_untaxed)
        self.validate(self.pickings(case, "outgoing"))
        self.assertEqual(case.state, "shipped", "NTF units ship without repair QC")

    def test_p6_3_valid_warranty_claim_invoices_nothing(self):
        case = self.evaluated_case(covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "free_repair")
        case.with_user(self.quality).action_start_repair()
        self.finish_repairs(case)
        self.qc(case.unit_ids, "pass")
        case.with_user(self.quality).action_pass_qc()
        self.validate(self.pickings(case, "outgoing"))
        self.assertFalse(case.sale_order_ids)
        self.assertEqual(case.invoice_status, "nothing")
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            case.with_user(self.accountant).action_create_invoices()

    def test_batch_repair_and_qc_queries_do_not_grow(self):
        lots = self.env["stock.lot"].create(
            [{"name": f"BQ{i:03d}", "product_id": self.product.id} for i in range(22)]
        )
        small = self.evaluated_case(lots=lots[:2], covered=True)
        large = self.evaluated_case(lots=lots[2:], covered=True)
        for case in (small, large):
            self.analyse(case.unit_ids)
            self.decide(case.unit_ids, "free_repair")
            self.put_in_state(case, "approved")

        def queries(func):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            func()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        def create(case):
            units = self.env["rma.unex.unit"].browse(case.unit_ids.ids)
            return lambda: case._create_repair_orders(units)

        few, many = queries(create(small)), queries(create(large))
        self.assertLessEqual(
            many, few + 2, f"repair orders: {few} queries for 2, {many} for 20"
        )
        for case in (small, large):
            self.put_in_state(case, "qc")

        def record(case):
            units = (
                self.env["rma.unex.unit"]
                .browse(case.unit_ids.ids)
                .with_user(self.quality)
            )
            return lambda: units._record_qc("pass", 24, "ok")

        few, many = queries(record(small)), queries(record(large))
        self.assertLessEqual(many, few + 2, f"QC: {few} queries for 2, {many} for 20")


class TestPortalQuotation(WorkshopCommon, HttpCase):
    """The customer accepts the RMA quotation on the standard sale portal."""

    def _accept(self, order):
        response = self.url_open(
            f"/my/orders/{order.id}/accept",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "access_token": order._portal_ensure_token(),
                        "name": "Alice A",
                        "signature": SIGNATURE,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json().get("result", {})

    def _csrf(self, url):
        page = self.url_open(url)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _quote(self):
        case = self.evaluated_case()
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        return case

    def test_p4_4_portal_acceptance_approves_the_case(self):
        case = self._quote()
        self.authenticate(self.portal_a.login, self.portal_a.login)
        result = self._accept(case.sale_order_ids)
        self.assertNotIn("error", result, result)
        case.invalidate_recordset()
        self.assertEqual(case.sale_order_ids.state, "sale")
        self.assertEqual(case.state, "approved")

    def test_p4_4_customer_gives_the_po_number_on_the_portal(self):
        case = self._quote()
        order = case.sale_order_ids
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("rma_unex_po", page.text)
        self.assertIn(case.name, page.text)
        response = self.url_open(
            f"/my/orders/{order.id}/rma_po",
            data={
                "access_token": order.access_token,
                "client_order_ref": "PO-ACME-7",
                "csrf_token": re.search(
                    r'name="csrf_token" value="([^"]+)"', page.text
                ).group(1),
            },
        )
        self.assertEqual(response.status_code, 200)
        order.invalidate_recordset()
        self.assertEqual(order.client_order_ref, "PO-ACME-7")
        # another customer cannot touch it, even with the id
        self.authenticate(self.portal_b.login, self.portal_b.login)
        self.url_open(
            f"/my/orders/{order.id}/rma_po",
            data={"client_order_ref": "HACK", "csrf_token": self._csrf("/my/account")},
        )
        order.invalidate_recordset()
        self.assertEqual(order.client_order_ref, "PO-ACME-7")

    def test_p4_5_expired_quotation_refused_on_the_portal(self):
        case = self._quote()
        order = case.sale_order_ids
        order.validity_date = date.today() - timedelta(days=1)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        result = self._accept(order)
        self.assertIn("expired", result.get("error", ""))
        order.invalidate_recordset()
        self.assertEqual(order.state, "sent")  # issued, not confirmed
        self.assertEqual(case.state, "quoted")


class TestKeptUnits(WorkshopCommon):
    """M7 refurbishment / scrap moves, M4 free replacement, P7.5 credit note."""

    def _warehouse(self):
        return self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )

    def test_m7_free_replacement_ships_new_serial_and_refurbishes_the_old(self):
        new_lot = self.env["stock.lot"].create(
            {
                "name": "TRTR-NEW",
                "product_id": self.product.id,
                "mac_address": "00:01:A7:00:00:99",
            }
        )
        warehouse = self._warehouse()
        self.env["stock.quant"]._update_available_quantity(
            self.product, warehouse.lot_stock_id, 1, lot_id=new_lot
        )
        case = self.evaluated_case(covered=True)
        unit = case.unit_ids
        self.analyse(unit)
        self.decide(unit, "free_replacement")
        case.with_user(self.quality).action_release()
        self.assertEqual(
            unit.disposal_move_id.location_dest_id, warehouse.rma_refurbish_location_id
        )
        self.assertEqual(unit.disposal_move_id.state, "done")
        quant = self.env["stock.quant"].search(
            [
                ("lot_id", "=", self.lot.id),
                ("location_id", "=", warehouse.rma_refurbish_location_id.id),
            ]
        )
        self.assertEqual(
            quant.quantity, 1, "the returned unit is in refurbishment stock"
        )
        shipment = self.pickings(case, "outgoing")
        self.assertEqual(shipment.location_id, warehouse.lot_stock_id)
        self.validate(shipment)
        self.assertEqual(case.state, "shipped")
        self.assertEqual(unit.shipped_lot_id, new_lot)
        self.assertEqual(unit.replacement_lot_id, new_lot)
        # M4: the new serial carries the remaining warranty.
        later = self.make_case(lots=new_lot)
        self.assertEqual(later.unit_ids.warranty_status, "in_warranty")

    def test_m7_scrap_at_customers_request(self):
        case = self.evaluated_case()
        unit = case.unit_ids
        self.analyse(unit)
        self.decide(unit, "scrap")
        case.with_user(self.quality).action_release()
        scrap_move = unit.disposal_move_id
        self.assertTrue(scrap_move.location_dest_id.scrap_location)
        self.assertEqual(scrap_move.state, "done")
        self.assertFalse(self.pickings(case, "outgoing"), "nothing ships back")
        case.with_user(self.sales).action_close()
        self.assertEqual(case.state, "closed")

    def test_p7_5_credit_note_reversed_from_the_original_invoice(self):
        order = self.deliver(self.lot_2, date=date.today() - timedelta(days=40))
        order.order_line.price_unit = 500.0
        invoice = order._create_invoices()
        invoice.action_post()
        case = self.receive_and_evaluate(
            self.make_case(partner=self.customer_b, lots=self.lot)
        )
        self.analyse(case.unit_ids)
        err = self.assertRefused(
            UserError, lambda: self.decide(case.unit_ids, "credit_note"), case
        )
        self.assertIn("No posted customer invoice", str(err))
        credited = self.receive_and_evaluate(self.make_case(lots=self.lot_2))
        unit = credited.unit_ids
        self.analyse(unit)
        self.decide(unit, "credit_note")
        credited.with_user(self.quality).action_release()
        credit = unit.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.reversed_entry_id, invoice)
        line = credit.invoice_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.quantity, 1)
        original = invoice.invoice_line_ids.filtered(
            lambda ln: ln.product_id == self.product
        )
        self.assertEqual(line.price_unit, original.price_unit)
        self.assertEqual(line.tax_ids, original.tax_ids)
        self.assertEqual(line.account_id, original.account_id)
        self.assertEqual(
            unit.disposal_move_id.location_dest_id,
            self._warehouse().rma_refurbish_location_id,
        )


class TestCustodyAndAdvance(WorkshopCommon):
    """M5 custody limit, M6 advance replacement."""

    def test_m5_custody_limit_returns_or_scraps_as_chosen(self):
        with freeze_time("2026-06-01"):
            back = self.evaluated_case(lots=self.lot)
            scrapped = self.evaluated_case(lots=self.lot_2)
            scrapped.custody_choice = "scrap"
            for case in (back, scrapped):
                self.analyse(case.unit_ids)
                self.decide(case.unit_ids, "paid_repair")
                case.with_user(self.sales).action_send_quotation()
        Case = self.env["rma.unex.case"]
        with freeze_time("2026-07-02"):
            self.env["sale.order"]._cron_rma_quotation_expiry()  # lapsed on 2 July
        with freeze_time("2026-07-31"):
            Case._cron_custody_limit()
        self.assertEqual(back.state, "evaluation", "30 days not over yet")
        with freeze_time("2026-08-01"):
            Case._cron_custody_limit()
        self.assertEqual(back.state, "ready")
        self.assertEqual(back.unit_ids.disposition, "return_unrepaired")
        self.assertTrue(self.pickings(back, "outgoing"))
        self.assertEqual(scrapped.unit_ids.disposition, "scrap")
        self.assertTrue(
            scrapped.unit_ids.disposal_move_id.location_dest_id.scrap_location
        )
        notice = back.message_ids.filtered(
            lambda m: "returned unrepaired" in (m.body or "")
        )
        self.assertEqual(notice.subtype_id, self.env.ref("mail.mt_comment"))

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
