from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import (
    GROUP_QUALITY,
    GROUP_SALES,
    GROUP_STOCK,
    GROUP_USER,
    STATES,
    SUSPENDABLE_STATES,
    Action,
    Transition,
)

_lt = LazyTranslate(__name__)


class RmaUnexCase(models.Model):
    """The case's lifecycle: the table every step goes through, each step's
    button with its business guard (``_check_can_<step>``) and the work that
    follows it (``_after_<step>``), on the button path and on the path of
    the documents that take a step (quotations, repairs, transfers) alike.
    The checking and writing path is the guarded mixin's."""

    _inherit = "rma.unex.case"

    _TRANSITIONS = {
        "authorise": Transition(
            ("sales_review",), "authorised", (GROUP_SALES,), _lt("Authorise")
        ),
        "receive": Transition(
            ("authorised",),
            "received",
            (GROUP_USER, GROUP_STOCK),
            _lt("Receive"),
            # "Receive" opens the receipt, whose validation takes the step
            buttons=("action_view_receipts",),
        ),
        "start_evaluation": Transition(
            ("received",), "evaluation", (GROUP_QUALITY,), _lt("Start evaluation")
        ),
        "send_quotation": Transition(
            ("evaluation",), "quoted", (GROUP_SALES,), _lt("Send quotation")
        ),
        "approve": Transition(
            ("quoted",),
            "approved",
            (GROUP_SALES,),
            _lt("Record approval"),
            # "Confirm with PO" confirms the quotation, which approves
            buttons=("action_confirm_quotation",),
        ),
        "quotation_lapsed": Transition(
            ("quoted",), "evaluation", (GROUP_SALES,), _lt("Reopen evaluation")
        ),
        "revise_quotation": Transition(
            ("quoted", "approved", "repair"),
            "quoted",
            (GROUP_SALES,),
            _lt("Revise quotation"),
        ),
        "start_repair": Transition(
            ("evaluation", "approved"), "repair", (GROUP_QUALITY,), _lt("Start repair")
        ),
        "release": Transition(
            ("evaluation", "approved"),
            "ready",
            (GROUP_QUALITY,),
            _lt("Release without repair"),
        ),
        "start_qc": Transition(("repair",), "qc", (GROUP_QUALITY,), _lt("Send to QC")),
        "pass_qc": Transition(("qc",), "ready", (GROUP_QUALITY,), _lt("Pass QC")),
        "fail_qc": Transition(("qc",), "repair", (GROUP_QUALITY,), _lt("Fail QC")),
        "ship": Transition(
            ("ready",),
            "shipped",
            (GROUP_USER, GROUP_STOCK),
            _lt("Ship"),
            # "Ship" opens the return shipment, whose validation takes the step
            buttons=("action_view_returns",),
        ),
        # The standard Return of a receipt (a box received by mistake goes
        # back) or of a return shipment (the carrier brought it back).
        "send_back": Transition(
            ("received",),
            "authorised",
            (GROUP_USER, GROUP_STOCK),
            _lt("Send the goods back"),
        ),
        "shipment_back": Transition(
            ("shipped",),
            "ready",
            (GROUP_USER, GROUP_STOCK),
            _lt("Take back a returned shipment"),
        ),
        "close": Transition(
            ("shipped", "ready"), "closed", (GROUP_SALES,), _lt("Close")
        ),
        "suspend": Transition(
            SUSPENDABLE_STATES,
            "suspended",
            (GROUP_SALES, GROUP_QUALITY),
            _lt("Suspend"),
            # "Suspend" asks for the reason first
            buttons=("action_open_suspend_wizard",),
        ),
        # no target: back to the state the case was suspended from
        "resume": Transition(
            ("suspended",), None, (GROUP_SALES, GROUP_QUALITY), _lt("Resume")
        ),
        "cancel": Transition(
            ("sales_review", "authorised", "suspended"),
            "cancelled",
            (GROUP_SALES,),
            _lt("Cancel"),
        ),
    }

    # What is done to a case in some states without changing its state.
    _ACTIONS = {
        "record_charge_agreement": Action(
            ("sales_review",),
            (GROUP_SALES,),
            _lt("Record a charge agreement"),
            buttons=("action_open_charge_agreement_wizard",),
        ),
        "advance_replacement": Action(
            ("authorised",),
            (GROUP_SALES,),
            _lt("Ship an advance replacement"),
            buttons=("action_advance_replacement",),
        ),
        "revalidate": Action(
            ("authorised",),
            (GROUP_SALES,),
            _lt("Revalidate an authorisation"),
            buttons=("action_revalidate_authorisation",),
        ),
        "decide_units": Action(
            ("evaluation",),
            (GROUP_SALES, GROUP_QUALITY),
            _lt("Decide on the units"),
            buttons=("action_decide_units",),
        ),
    }

    suspend_reason = fields.Text(
        readonly=True, copy=False, tracking=True, rma_protected=True
    )
    suspended_from_state = fields.Selection(
        [s for s in STATES if s[0] in SUSPENDABLE_STATES],
        readonly=True,
        copy=False,
        rma_protected=True,
    )

    def _rma_resume_state(self):
        return self.suspended_from_state

    # ------------------------------------------------------------------
    # Steps: button, guard, follow-up
    # ------------------------------------------------------------------

    def action_authorise(self):
        """Sales review passed (P3.1): issue the RMA number, wait for the goods."""
        return self._apply_transition("authorise")

    def _prepare_authorise_values(self):
        """The RMA numbers, issued once the checks passed (P3.1)."""
        numbers = self._next_rma_numbers()
        now = fields.Datetime.now()
        return {case: {"name": numbers[case], "date_authorised": now} for case in self}

    def _after_authorise(self):
        self._create_receipts()
        self._record_first_response()
        self._queue_authorisation_mail()

    def action_receive(self):
        return self._apply_transition("receive")

    def action_start_evaluation(self):
        return self._apply_transition("start_evaluation")

    def action_decide_units(self):
        """One decision for many units: the wizard starts with the units still
        undecided (all of them once every unit has its decision)."""
        self.ensure_one()
        self._check_action("decide_units")
        units = self._active_units()
        undecided = units.filtered(lambda u: not u.disposition)
        return (undecided or units).action_open_decision_wizard()

    def action_send_quotation(self):
        """Quote the chargeable units as a standard sale order (P4.4, P4.5)."""
        self._apply_transition("send_quotation")
        return self[:1]._action_view_quotation() if len(self) == 1 else True

    def _after_send_quotation(self):
        for case in self:
            case._create_quotation()

    def action_revise_quotation(self):
        """Hidden damage (P5.2): the open quotation is superseded by a new one."""
        return self._apply_transition("revise_quotation")

    def _after_revise_quotation(self):
        for case in self:
            case._supersede_quotation()

    def action_approve(self):
        """Staff record the customer's approval: the quotation must be confirmed."""
        return self._apply_transition("approve")

    def action_start_repair(self):
        return self._apply_transition("start_repair")

    def _after_start_repair(self):
        self._create_repair_orders(
            self._active_units().filtered(
                lambda u: u._needs_repair() and not u.repair_id
            )
        )

    def action_release(self):
        """No unit to repair (NTF, return unrepaired, replacement): straight
        to shipping; NTF fees go on a confirmed fee order (P5.3)."""
        return self._apply_transition("release")

    def _after_release(self):
        for case in self:
            case._create_fee_order()
        self._finish_units()

    def action_start_qc(self):
        return self._apply_transition("start_qc")

    def _after_start_qc(self):
        self._reset_qc_results()

    def action_pass_qc(self):
        """Units still without a result pass with the case (P6.1); then the
        return shipment is prepared."""
        self._check_transition("pass_qc")
        pending = self._active_units().filtered(
            lambda u: not u.qc_result and u._needs_qc()
        )
        pending._set_qc_result("pass")
        return self._apply_transition("pass_qc")

    def _after_pass_qc(self):
        self._finish_units()

    def action_fail_qc(self):
        """Failed units go back to repair on a new repair order (P6.1)."""
        return self._apply_transition("fail_qc")

    def _after_fail_qc(self):
        failed = self._active_units().filtered(
            lambda u: u.qc_result == "fail" and u._needs_repair()
        )
        self._create_repair_orders(failed)
        self._reset_qc_results()

    def action_ship(self):
        return self._apply_transition("ship")

    def _after_ship(self):
        self._send_repair_summary()

    def action_close(self):
        return self._apply_transition("close")

    def _suspend(self, reason):
        """Put the cases on hold (P5.2); called by the suspend wizard."""
        self._check_transition("suspend")
        if not (reason or "").strip():
            raise UserError(_("Give a reason to suspend the case."))
        return self._apply_transition("suspend", {"suspend_reason": reason})

    def _prepare_suspend_values(self):
        return {case: {"suspended_from_state": case.state} for case in self}

    def action_open_suspend_wizard(self):
        self._check_rma_groups(
            self._TRANSITIONS["suspend"].groups, self._transition_label("suspend")
        )
        return self._open_wizard("rma.unex.case.suspend.wizard", _("Suspend RMA"))

    def action_resume(self):
        return self._apply_transition(
            "resume", {"suspend_reason": False, "suspended_from_state": False}
        )

    def action_cancel(self):
        return self._apply_transition("cancel")

    def _after_cancel(self):
        # Turning an application down is an answer too (P7.3).
        self._record_first_response()

    def _finish_units(self):
        """Once repaired, checked or decided: the units we keep leave the RMA
        location (M7), the others go back to the customer."""
        for case in self:
            case._dispose_kept_units()
            case._create_return_shipment()

    def _reset_qc_results(self):
        self.unit_ids._rma_service_write(
            {"qc_result": False, "qc_user_id": False, "qc_date": False}
        )

    # ------------------------------------------------------------------
    # Guards, one per step that has one
    # ------------------------------------------------------------------

    def _check_can_authorise(self):
        for case in self:
            if not case._active_units():
                raise UserError(
                    _(
                        "%(case)s has no unit left to return: add a unit or cancel "
                        "the case.",
                        case=case.display_name,
                    )
                )
            missing = case._active_units().filtered(lambda u: not u.product_id)
            if missing:
                raise UserError(_("Every unit needs a product before authorisation."))
            if case.needs_charge_agreement:
                raise UserError(
                    _(
                        "%(units)s may not be under warranty: record the customer's "
                        "agreement to potential charges before authorising (P2.4).",
                        units=", ".join(
                            case._units_needing_agreement().mapped("display_name")
                        ),
                    )
                )

    def _check_can_receive(self):
        for case in self:
            if case.receipt_state != "done":
                raise UserError(
                    _(
                        "%(case)s is received when its receipt is validated for "
                        "every unit; %(received)s of %(total)s have arrived.",
                        case=case.display_name,
                        received=len(case._active_units().filtered("date_received")),
                        total=len(case._active_units()),
                    )
                )

    def _check_evaluation_complete(self):
        for case in self:
            units = case._active_units()
            missing_fa = units.filtered(lambda u: not u.fa_date)
            if missing_fa:
                raise UserError(
                    _(
                        "Every unit needs a failure analysis before the case leaves "
                        "evaluation (P5.1): %(units)s.",
                        units=", ".join(missing_fa.mapped("display_name")),
                    )
                )
            undecided = units.filtered(lambda u: not u.disposition)
            if undecided:
                raise UserError(
                    _(
                        "Decide what happens to %(units)s first.",
                        units=", ".join(undecided.mapped("display_name")),
                    )
                )

    def _check_can_send_quotation(self):
        self._check_evaluation_complete()
        for case in self:
            if not case._active_units().filtered(
                lambda u: u.disposition == "paid_repair"
            ):
                raise UserError(
                    _(
                        "%(case)s has no paid repair to quote; release it without "
                        "repair or start the free repairs.",
                        case=case.display_name,
                    )
                )

    def _check_can_approve(self):
        for case in self:
            if case._current_quotation().state != "sale":
                raise UserError(
                    _(
                        "The customer's approval is the confirmed quotation: confirm "
                        "%(order)s (with their PO number) or let them accept it on the "
                        "portal.",
                        order=case._current_quotation().name or _("it"),
                    )
                )

    def _check_can_start_repair(self):
        for case in self:
            if case.state == "evaluation":
                case._check_evaluation_complete()
                if case._active_units().filtered(
                    lambda u: u.disposition == "paid_repair"
                ):
                    raise UserError(
                        _(
                            "Paid repairs start after the customer approved the "
                            "quotation (P4.4)."
                        )
                    )
            if not case._active_units().filtered(lambda u: u._needs_repair()):
                raise UserError(
                    _("No unit of %(case)s is to be repaired.", case=case.display_name)
                )

    def _check_can_release(self):
        self._check_evaluation_complete()
        for case in self:
            if case._active_units().filtered(lambda u: u._needs_repair()):
                raise UserError(
                    _(
                        "%(case)s has units to repair: start the repair instead.",
                        case=case.display_name,
                    )
                )

    def _check_can_start_qc(self):
        for case in self:
            open_repairs = case.unit_ids.repair_id.filtered(
                lambda r: r.state not in ("done", "cancel")
            )
            if open_repairs:
                raise UserError(
                    _(
                        "Finish the repair orders first: %(orders)s.",
                        orders=", ".join(open_repairs.mapped("name")),
                    )
                )

    def _check_can_pass_qc(self):
        failed = self._active_units().filtered(lambda u: u.qc_result == "fail")
        if failed:
            raise UserError(
                _(
                    "%(units)s failed QC: send the case back to repair.",
                    units=", ".join(failed.mapped("display_name")),
                )
            )

    def _check_can_ship(self):
        for case in self:
            if case._units_to_ship().filtered(lambda u: not u.date_shipped):
                raise UserError(
                    _(
                        "%(case)s is shipped when its return shipment is validated "
                        "for every unit.",
                        case=case.display_name,
                    )
                )

    def _check_can_close(self):
        for case in self.filtered(lambda c: c.state == "ready"):
            if case._units_to_ship().filtered(lambda u: not u.date_shipped):
                raise UserError(
                    _("%(case)s still has units to ship back.", case=case.display_name)
                )
