from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_QUALITY, Transition

_lt = LazyTranslate(__name__)


class RmaUnexCapa(models.Model):
    """Corrective and preventive action (P7.6): root cause, actions with
    owners and dates, and a verified effect before it closes."""

    _name = "rma.unex.capa"
    _description = "Corrective and Preventive Action"
    _inherit = ["rma.unex.quality.mixin"]
    _rma_sequence_code = "rma.unex.capa"

    _TRANSITIONS = {
        "request_verification": Transition(
            ("open",),
            "verification",
            (GROUP_QUALITY,),
            _lt("Request the effectiveness check"),
        ),
        # the effectiveness check found the failure again
        "reopen": Transition(
            ("verification",), "open", (GROUP_QUALITY,), _lt("Reopen")
        ),
        # from any open state: the guard says what is still missing
        "close": Transition(
            ("open", "verification"), "closed", (GROUP_QUALITY,), _lt("Close")
        ),
    }

    name = fields.Char(string="CAPA Number")
    title = fields.Char(required=True, tracking=True)
    state = fields.Selection(
        [
            ("open", "Open"),
            ("verification", "Effectiveness Check"),
            ("closed", "Closed"),
        ],
        default="open",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        rma_protected=True,
    )
    ncr_ids = fields.Many2many("rma.unex.ncr", string="NCRs")
    root_cause_method = fields.Selection(
        [("five_why", "5 Whys"), ("free", "Free text")],
        default="five_why",
        required=True,
    )
    why_1 = fields.Char()
    why_2 = fields.Char()
    why_3 = fields.Char()
    why_4 = fields.Char()
    why_5 = fields.Char()
    root_cause = fields.Text()
    action_ids = fields.One2many("rma.unex.capa.action", "capa_id", string="Actions")
    effectiveness_user_id = fields.Many2one(
        "res.users", string="Verified By", readonly=True, copy=False, rma_protected=True
    )
    effectiveness_date = fields.Datetime(
        string="Verified On", readonly=True, copy=False, rma_protected=True
    )
    effectiveness_result = fields.Selection(
        [("effective", "Effective"), ("not_effective", "Not effective")],
        readonly=True,
        copy=False,
        tracking=True,
        rma_protected=True,
    )
    effectiveness_note = fields.Text(readonly=True, copy=False, rma_protected=True)
    open_action_count = fields.Integer(compute="_compute_open_action_count")

    @api.depends("action_ids.date_done")
    def _compute_open_action_count(self):
        for capa in self:
            capa.open_action_count = len(
                capa.action_ids.filtered(lambda a: not a.date_done)
            )

    def action_request_verification(self):
        """All actions done: someone checks that the failure stopped."""
        return self._apply_transition("request_verification")

    def _check_can_request_verification(self):
        for capa in self:
            capa._check_actions_done()

    def _check_actions_done(self):
        self.ensure_one()
        if not self.action_ids:
            raise UserError(_("%(capa)s has no action yet.", capa=self.name))
        if self.open_action_count:
            raise UserError(
                _(
                    "%(count)s action(s) of %(capa)s are not done.",
                    count=self.open_action_count,
                    capa=self.name,
                )
            )
        if (
            self.root_cause_method == "five_why"
            and not self.why_1
            or (
                self.root_cause_method == "free" and not (self.root_cause or "").strip()
            )
        ):
            raise UserError(_("Record the root cause of %(capa)s.", capa=self.name))

    def _verify_effectiveness(self, result, note):
        """Record the effectiveness check; a failed one reopens the CAPA."""
        self._check_rma_groups((GROUP_QUALITY,), _("Verify a CAPA"))
        self._check_state(("verification",), _("The effectiveness check"))
        if result not in ("effective", "not_effective") or not (note or "").strip():
            raise UserError(
                _("Give the result of the effectiveness check and how it was checked.")
            )
        values = {
            "effectiveness_user_id": self.env.user.id,
            "effectiveness_date": fields.Datetime.now(),
            "effectiveness_result": result,
            "effectiveness_note": note,
        }
        if result == "effective":
            return self._rma_service_write(values)
        return self._apply_transition("reopen", values)

    def action_close(self):
        """Closure only when every action is done and the effect verified (P7.6)."""
        return self._apply_transition("close", {"date_closed": fields.Datetime.now()})

    def _check_can_close(self):
        for capa in self:
            capa._check_actions_done()
            if capa.effectiveness_result != "effective":
                raise UserError(
                    _(
                        "%(capa)s closes after a positive effectiveness check.",
                        capa=capa.name,
                    )
                )
