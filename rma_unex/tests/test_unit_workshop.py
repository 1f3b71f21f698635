"""The workshop: decisions (P4.3, P5.3), repair and QC (P6)."""

from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common import WorkshopCommon


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

    def test_p4_bulk_decision_from_the_case_and_the_unit_list(self):
        """A case of many units is decided in one step: the case's button
        opens the decision on its undecided units, the units list's action on
        the units selected; refused outside evaluation and to the FAE."""
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        first, second = case.unit_ids
        self.analyse(case.unit_ids)
        action = case.with_user(self.quality).action_decide_units()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.quality)
            .with_context(**action["context"])
            .create({"disposition": "ntf", "reason": "all pass the tests"})
        )
        self.assertEqual(wizard.unit_ids, case.unit_ids)
        self.decide(first, "return_unrepaired")
        action = case.with_user(self.sales).action_decide_units()
        self.assertEqual(action["context"]["default_unit_ids"], second.ids)
        wizard.action_confirm()
        self.assertEqual(set(case.unit_ids.mapped("disposition")), {"ntf"})
        self.assertEqual(first.disposition_user_id, self.quality)

        server_action = self.env.ref("rma_unex.rma_unex_unit_action_decide")
        self.assertEqual(server_action.binding_model_id.model, "rma.unex.unit")
        result = (
            server_action.with_user(self.sales)
            .with_context(active_model="rma.unex.unit", active_ids=case.unit_ids.ids)
            .run()
        )
        self.assertEqual(result["context"]["default_unit_ids"], case.unit_ids.ids)

        self.assertRefused(
            AccessError, case.with_user(self.fae).action_decide_units, case
        )
        lot = self.env["stock.lot"].create(
            {"name": "TRTR0099", "product_id": self.product.id}
        )
        received = self.authorise(self.make_case(lots=lot))
        self.assertRefused(
            UserError, received.with_user(self.quality).action_decide_units, received
        )

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
            return self.count_queries(func, cold=True, precommit=False)

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
