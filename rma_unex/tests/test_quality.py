from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common import RmaUnexCommon


class TestNcrCapa(RmaUnexCommon):
    """P7.6: NCR from RMA units, CAPA closed only when done and verified."""

    def _evaluated(self):
        case = self.receive_and_evaluate(self.make_case(lots=self.lot | self.lot_2))
        self.analyse(
            case.unit_ids,
            self.env.ref("rma_unex.failure_category_rf"),
            findings="PA output 6 dB low",
        )
        return case

    def test_p7_6_ncr_raised_from_units(self):
        case = self._evaluated()
        self.assertRefused(
            AccessError, case.unit_ids.with_user(self.sales).action_raise_ncr, case
        )
        action = case.unit_ids.with_user(self.quality).action_raise_ncr()
        ncr = self.env["rma.unex.ncr"].browse(action["res_id"])
        self.assertRegex(ncr.name, r"^NCR\d{2}-\d{4}$")
        self.assertEqual(ncr.unit_ids, case.unit_ids)
        self.assertEqual(ncr.case_ids, case)
        self.assertEqual(ncr.product_id, self.product)
        self.assertEqual(ncr.lot_ids, self.lot | self.lot_2)
        self.assertIn("PA output 6 dB low", ncr.description)
        self.assertEqual(ncr.state, "open")
        # closing needs containment and a CAPA
        ncr = ncr.with_user(self.quality)
        ncr.action_investigate()
        err = self.assertRefused(UserError, ncr.action_close, ncr, lambda r: r.state)
        self.assertIn("containment", str(err))
        ncr.containment = "<p>Lot quarantined</p>"
        err = self.assertRefused(UserError, ncr.action_close, ncr, lambda r: r.state)
        self.assertIn("CAPA", str(err))
        ncr.action_create_capa()
        ncr.action_close()
        self.assertEqual(ncr.state, "closed")

    def test_p7_6_capa_closure_needs_actions_done_and_effect_verified(self):
        capa = (
            self.env["rma.unex.capa"]
            .with_user(self.quality)
            .create(
                {
                    "title": "RF PA drift",
                    "action_ids": [
                        Command.create(
                            {
                                "description": "Change PA supplier",
                                "user_id": self.quality.id,
                                "date_due": date.today() + timedelta(days=10),
                            }
                        ),
                        Command.create(
                            {
                                "description": "Add RF test at EOL",
                                "user_id": self.quality.id,
                                "action_type": "preventive",
                                "date_due": date.today() + timedelta(days=20),
                            }
                        ),
                    ],
                }
            )
        )

        def state(c):
            return (c.state, c.effectiveness_result)

        err = self.assertRefused(UserError, capa.action_close, capa, state)
        self.assertIn("not done", str(err))
        capa.action_ids[0].action_done()
        self.assertRefused(UserError, capa.action_request_verification, capa, state)
        capa.action_ids[1].action_done()
        err = self.assertRefused(
            UserError, capa.action_request_verification, capa, state
        )
        self.assertIn("root cause", str(err))
        capa.why_1 = "PA gain drops with temperature"
        capa.action_request_verification()
        self.assertEqual(capa.state, "verification")
        err = self.assertRefused(UserError, capa.action_close, capa, state)
        self.assertIn("effectiveness", str(err))
        self.assertRefused(
            AccessError,
            lambda: capa.with_user(self.sales)._verify_effectiveness("effective", "x"),
            capa,
            state,
        )
        capa._verify_effectiveness("not_effective", "Two more returns of the lot")
        self.assertEqual(capa.state, "open", "a failed check reopens the CAPA")
        capa.action_request_verification()
        wizard = (
            self.env["rma.unex.capa.verify.wizard"]
            .with_user(self.quality)
            .create(
                {
                    "capa_id": capa.id,
                    "result": "effective",
                    "note": "No return in 3 months",
                }
            )
        )
        wizard.action_confirm()
        capa.action_close()
        self.assertEqual(capa.state, "closed")
        self.assertEqual(capa.effectiveness_user_id, self.quality)

    def test_reports_render(self):
        case = self._evaluated()
        action = case.unit_ids.with_user(self.quality).action_raise_ncr()
        ncr = self.env["rma.unex.ncr"].browse(action["res_id"])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rma_unex.report_rma_unex_ncr", ncr.ids)[0]
            .decode()
        )
        self.assertIn(ncr.name, html)
        self.assertIn(self.lot.name, html)
        capa = self.env["rma.unex.capa"].create(
            {"title": "Fix it", "why_1": "Because", "ncr_ids": [Command.link(ncr.id)]}
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rma_unex.report_rma_unex_capa", capa.ids)[0]
            .decode()
        )
        self.assertIn(capa.name, html)
        self.assertIn("Because", html)
        self.assertIn(ncr.name, html)

    def test_access_quality_manages_users_read_portal_none(self):
        ncr = self.env["rma.unex.ncr"].create({"description": "<p>x</p>"})
        capa = self.env["rma.unex.capa"].create({"title": "y"})
        for record in (ncr, capa):
            record.with_user(self.fae).read(["name"])
            with self.assertRaises(AccessError):
                record.with_user(self.fae).write({"name": "hack"})
            with self.assertRaises(AccessError):
                record.with_user(self.portal_a).read(["name"])
        with self.assertRaises(AccessError):
            self.env["rma.unex.ncr"].with_user(self.sales).create(
                {"description": "<p>z</p>"}
            )
        self.env["rma.unex.ncr"].with_user(self.quality).create(
            {"description": "<p>z</p>"}
        )


class TestSampleTesting(RmaUnexCommon):
    """P7.4: samples at a lab, their whereabouts and conclusions."""

    def test_p7_4_sample_tracking_and_fa(self):
        case = self.receive_and_evaluate(self.make_case())
        unit = case.unit_ids
        self.analyse(unit)
        lab = self.env["res.partner"].create({"name": "SGS Taipei", "is_company": True})
        test = (
            self.env["rma.unex.sample.test"]
            .with_user(self.quality)
            .create(
                {
                    "unit_id": unit.id,
                    "lab_id": lab.id,
                    "tracking_ref": "DHL 123",
                    "date_sent": date(2026, 5, 4),
                    "date_expected": date(2026, 5, 20),
                }
            )
        )
        self.assertEqual(test.case_id, case)
        self.assertIn("SGS Taipei", unit.sample_location)
        self.assertEqual(case.sample_count, 1, "the case shows a sample is out")
        self.assertRaises(UserError, test.with_user(self.quality).action_apply_to_fa)
        with self.assertRaises(AccessError):
            test.with_user(self.sales)._record_result("x")
        wizard = (
            self.env["rma.unex.sample.result.wizard"]
            .with_user(self.quality)
            .create(
                {
                    "test_id": test.id,
                    "conclusion": "Electromigration in the PA bias line",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(test.state, "concluded")
        self.assertFalse(unit.sample_location, "back from the lab")
        test.with_user(self.quality).action_apply_to_fa()
        self.assertIn("Electromigration", unit.fa_findings)
        self.assertIn("SGS Taipei", unit.fa_findings)
        self.assertTrue(test.applied_to_fa)
        with self.assertRaises(UserError):
            test.with_user(self.quality)._record_result("again")


class TestBulletinsRecallsClaims(RmaUnexCommon):
    """M12 service bulletins, M11 recall campaigns, M10 supplier recovery."""

    def test_m12_bulletin_matched_by_product_and_firmware_range(self):
        Bulletin = self.env["rma.unex.service.bulletin"]
        bulletin = Bulletin.create(
            {
                "name": "6 GHz radio stops after DFS",
                "product_ids": [Command.set(self.product.ids)],
                "firmware_from": "7.0",
                "firmware_to": "7.1.3",
                "issue": "<p>DFS bug</p>",
                "workaround": "<p>Upgrade to 7.1.4</p>",
            }
        )
        other = self.env["product.product"].create({"name": "Other", "type": "consu"})
        cases = {
            "7.1.3": True,
            "7.0.0": True,
            "6.9.9": False,
            "7.1.4": False,
            "v7.1-rc2": True,
        }
        for firmware, expected in cases.items():
            with self.subTest(firmware=firmware):
                ticket = self.make_ticket(
                    submit=False, device={"firmware_version": firmware}
                )
                self.assertEqual(bool(ticket.bulletin_ids), expected)
        self.assertFalse(Bulletin._matching(other, "7.1.0"))
        self.assertFalse(Bulletin._matching(self.product, "7.1.0", public_only=True))
        bulletin.is_public = True
        self.assertEqual(
            Bulletin._matching(self.product, "7.1.0", public_only=True), bulletin
        )

    def test_m11_recall_opens_one_case_per_customer(self):
        lots = self.env["stock.lot"].create(
            [{"name": f"RC{i:03d}", "product_id": self.product.id} for i in range(5)]
        )
        for lot in lots[:3]:
            self.deliver(
                lot, partner=self.customer_a, date=date.today() - timedelta(days=100)
            )
        for lot in lots[3:]:
            self.deliver(
                lot, partner=self.customer_b, date=date.today() - timedelta(days=100)
            )
        recall = (
            self.env["rma.unex.recall"]
            .with_user(self.quality)
            .create(
                {
                    "name": "PA recall",
                    "product_ids": [Command.set(self.product.ids)],
                    "serial_from": "RC001",
                    "serial_to": "RC004",
                    "reason": "<p>PA drift</p>",
                }
            )
        )
        self.assertRefused(
            AccessError,
            recall.with_user(self.sales).action_launch,
            recall,
            lambda r: r.state,
        )
        recall.action_launch()
        self.assertEqual(recall.state, "running")
        cases = recall.case_ids
        self.assertEqual(len(cases), 2)
        case_a = cases.filtered(lambda c: c.partner_id == self.customer_a)
        case_b = cases.filtered(lambda c: c.partner_id == self.customer_b)
        self.assertEqual(case_a.unit_ids.lot_id, lots[1:3])
        self.assertEqual(case_b.unit_ids.lot_id, lots[3:5])
        for case in cases:
            self.assertTrue(case.is_recall)
            self.assertEqual(case.inbound_freight_payer, "vendor")
            self.assertEqual(case.return_freight_payer, "vendor")
            self.assertFalse(case.needs_charge_agreement, "a recall is at our cost")
        self.assertEqual((recall.affected_count, recall.returned_count), (4, 0))
        self.authorise(case_a)
        self.validate(self.pickings(case_a, "incoming"), units=case_a.unit_ids[0])
        recall.invalidate_recordset()
        self.assertEqual((recall.affected_count, recall.returned_count), (4, 1))
        self.assertEqual(recall.progress, 25.0)
        self.assertRefused(UserError, recall.action_launch, recall, lambda r: r.state)
        full = (
            self.env["rma.unex.recall"]
            .with_user(self.quality)
            .create(
                {
                    "name": "Full recall",
                    "product_ids": [Command.set(self.product.ids)],
                    "reason": "<p>all of them</p>",
                }
            )
        )
        self.assertEqual(
            full._affected_lots() & lots, lots, "no lots, no range: all serials"
        )

    def test_m10_supplier_claim_with_credit(self):
        case = self.receive_and_evaluate(self.make_case())
        factory = self.env["res.partner"].create(
            {"name": "PA Factory", "is_company": True}
        )
        claim = (
            self.env["rma.unex.supplier.claim"]
            .with_user(self.quality)
            .create(
                {
                    "name": "PA claim",
                    "supplier_id": factory.id,
                    "expected_credit": 80.0,
                    "unit_ids": [Command.set(case.unit_ids.ids)],
                }
            )
        )
        err = self.assertRefused(
            UserError, claim.action_claim, claim, lambda c: c.state
        )
        self.assertIn("supplier's RMA number", str(err))
        claim.supplier_rma_ref = "PAF-RMA-778"
        claim.action_claim()
        self.assertRefused(
            UserError, claim.action_register_credit, claim, lambda c: c.state
        )
        credit = self.env["account.move"].create(
            {
                "move_type": "in_refund",
                "partner_id": factory.id,
                "invoice_date": date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "PA credit",
                            "quantity": 1,
                            "price_unit": 80.0,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        claim.credit_note_id = credit
        self.assertRefused(
            UserError, claim.action_register_credit, claim, lambda c: c.state
        )
        credit.action_post()
        claim.action_register_credit()
        self.assertEqual(claim.state, "recovered")
        self.assertEqual(claim.recovered_amount, 80.0)
        open_claims = self.env["rma.unex.supplier.claim"].search(
            [("state", "in", ("draft", "claimed"))]
        )
        self.assertNotIn(claim, open_claims)
        with self.assertRaises(AccessError):
            claim.with_user(self.portal_a).read(["name"])
