"""The case lifecycle: the transition table, its refusals, suspension (X1, X3)."""

from odoo.exceptions import AccessError, UserError

from .common import RmaUnexCommon

ALL_STATES = [
    "sales_review",
    "authorised",
    "received",
    "evaluation",
    "quoted",
    "approved",
    "repair",
    "qc",
    "ready",
    "shipped",
    "closed",
    "suspended",
    "cancelled",
]

# transition -> the button that performs it
BUTTONS = {
    "authorise": "action_authorise",
    "receive": "action_receive",
    "start_evaluation": "action_start_evaluation",
    "send_quotation": "action_send_quotation",
    "approve": "action_approve",
    "revise_quotation": "action_revise_quotation",
    "release": "action_release",
    "start_repair": "action_start_repair",
    "start_qc": "action_start_qc",
    "pass_qc": "action_pass_qc",
    "fail_qc": "action_fail_qc",
    "ship": "action_ship",
    "close": "action_close",
    "resume": "action_resume",
    "cancel": "action_cancel",
}


class TestCaseLifecycle(RmaUnexCommon):
    """The RMA case from escalation to closing (P2.3–P6.3, X1, X3)."""

    def _agree(self, case):
        case.with_user(self.sales)._record_charge_agreement(self.contact_a, "email")

    def _state_trail(self, case):
        """The state changes tracked in the chatter, oldest first (X1)."""
        values = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id", "in", case.message_ids.ids),
                ("field_id.name", "=", "state"),
                ("field_id.model", "=", "rma.unex.case"),
            ],
            order="id",
        )
        return [v.new_value_char for v in values]

    def test_full_happy_path_tsr_to_closed(self):
        ticket = self.make_ticket()
        ticket.with_user(self.fae).action_escalate()
        case = ticket.rma_case_ids
        self._agree(case)  # P2.4: warranty unknown, customer agrees to charges
        self.flush_tracking()
        case.with_user(self.sales).action_authorise()
        self.flush_tracking()
        self.validate(self.pickings(case, "incoming"))  # the warehouse receives
        self.flush_tracking()
        self.assertEqual(case.state, "received")
        case.with_user(self.quality).action_start_evaluation()
        self.flush_tracking()
        unit = case.unit_ids
        self.analyse(unit, self.env.ref("rma_unex.failure_category_rf"))
        self.decide(unit, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        self.flush_tracking()
        self.assertEqual(case.state, "quoted")
        quotation = case.sale_order_ids
        quotation.client_order_ref = "PO-4711"
        case.with_user(self.sales).action_confirm_quotation()
        self.flush_tracking()
        self.assertEqual(case.state, "approved")
        case.with_user(self.quality).action_start_repair()
        self.flush_tracking()
        self.finish_repairs(case)
        self.flush_tracking()
        self.assertEqual(case.state, "qc")
        self.qc(unit, "fail")
        case.with_user(self.quality).action_fail_qc()  # P6.1 fail loops back
        self.flush_tracking()
        self.assertEqual(case.state, "repair")
        self.assertEqual(
            len(self.env["repair.order"].search([("rma_unit_id", "=", unit.id)])), 2
        )
        self.finish_repairs(case)
        self.flush_tracking()
        self.qc(unit, "pass")
        case.with_user(self.quality).action_pass_qc()
        self.flush_tracking()
        self.assertEqual(case.state, "ready")
        self.validate(self.pickings(case, "outgoing"))  # the warehouse ships
        self.flush_tracking()
        self.assertEqual(case.state, "shipped")
        case.with_user(self.sales).action_close()
        self.flush_tracking()
        self.assertEqual(case.state, "closed")
        self.assertRegex(case.name, r"^RMA\d{2}-\d{5}$")
        self.assertEqual(
            self._state_trail(case),
            [
                "Authorised",
                "Received",
                "Under Evaluation",
                "Awaiting Approval",
                "Approved",
                "In Repair",
                "Quality Control",
                "In Repair",
                "Quality Control",
                "Ready to Ship",
                "Shipped",
                "Closed",
            ],
        )
        author_ids = case.message_ids.filtered("tracking_value_ids").author_id
        self.assertTrue(
            {self.sales.partner_id, self.warehouse.partner_id, self.quality.partner_id}
            <= set(author_ids),
            "who changed the state is recorded",
        )

    def test_x3_every_transition_refused_in_the_wrong_state(self):
        transitions = self.env["rma.unex.case"]._TRANSITIONS
        checked = 0
        for transition, button in BUTTONS.items():
            sources = transitions[transition][0]
            for state in ALL_STATES:
                if state in sources:
                    continue
                case = self.put_in_state(self.make_case(), state)
                with self.subTest(transition=transition, state=state):
                    err = self.assertRefused(
                        UserError, getattr(case.with_user(self.manager), button), case
                    )
                    self.assertIn("is only possible when", str(err))
                    checked += 1
        self.assertGreater(checked, 120)

    def test_x3_every_transition_refused_for_the_wrong_group(self):
        transitions = self.env["rma.unex.case"]._TRANSITIONS
        for transition, button in BUTTONS.items():
            sources, groups = (
                transitions[transition].sources,
                transitions[transition].groups,
            )
            user = next(
                u
                for u in (self.fae, self.quality, self.sales, self.stranger)
                if not any(u.has_group(g) for g in groups)
            )
            case = self.put_in_state(self.make_case(), sources[0])
            if transition == "authorise":
                self._agree(case)
            with self.subTest(transition=transition, user=user.login):
                self.assertRefused(
                    AccessError, getattr(case.with_user(user), button), case
                )

    def test_suspend_needs_a_group_and_a_reason_and_resume_returns(self):
        case = self.put_in_state(self.make_case(), "repair")
        self.assertRefused(
            AccessError, lambda: case.with_user(self.fae)._suspend("x"), case
        )
        self.assertRefused(
            UserError, lambda: case.with_user(self.quality)._suspend(" "), case
        )
        wizard = (
            self.env["rma.unex.case.suspend.wizard"]
            .with_user(self.quality)
            .create({"case_id": case.id, "reason": "Hidden corrosion found"})
        )
        wizard.action_confirm()
        self.assertEqual(case.state, "suspended")
        self.assertEqual(case.suspend_reason, "Hidden corrosion found")
        case.with_user(self.sales).action_resume()
        self.assertEqual(case.state, "repair")
        self.assertFalse(case.suspend_reason)

    def test_cancel_before_receipt_only(self):
        case = self.make_case()
        case.with_user(self.sales).action_cancel()
        self.assertEqual(case.state, "cancelled")
        self.assertFalse(case.name)
        received = self.put_in_state(self.make_case(), "received")
        self.assertRefused(
            UserError, received.with_user(self.manager).action_cancel, received
        )
