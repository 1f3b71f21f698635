from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_case import GROUP_QUALITY


class RmaUnexCapa(models.Model):
    """Corrective and preventive action (P7.6): root cause, actions with
    owners and dates, and a verified effect before it closes."""

    _name = "rma.unex.capa"
    _description = "Corrective and Preventive Action"
    _inherit = ["mail.thread", "mail.activity.mixin", "rma.unex.guarded.mixin"]
    _order = "id desc"
    _rma_protected_fields = frozenset(
        {
            "name",
            "state",
            "effectiveness_user_id",
            "effectiveness_date",
            "effectiveness_result",
            "effectiveness_note",
            "date_closed",
        }
    )

    name = fields.Char(
        string="CAPA Number", required=True, readonly=True, copy=False, default="/"
    )
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
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
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
        "res.users", string="Verified By", readonly=True, copy=False
    )
    effectiveness_date = fields.Datetime(
        string="Verified On", readonly=True, copy=False
    )
    effectiveness_result = fields.Selection(
        [("effective", "Effective"), ("not_effective", "Not effective")],
        readonly=True,
        copy=False,
        tracking=True,
    )
    effectiveness_note = fields.Text(readonly=True, copy=False)
    date_closed = fields.Datetime(readonly=True, copy=False)
    open_action_count = fields.Integer(compute="_compute_open_action_count")

    @api.depends("action_ids.date_done")
    def _compute_open_action_count(self):
        for capa in self:
            capa.open_action_count = len(
                capa.action_ids.filtered(lambda a: not a.date_done)
            )

    def _rma_complete_create_values(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("rma.unex.capa") or "/"
                )

    def _check_quality(self, action):
        self.env["rma.unex.case"]._check_rma_groups((GROUP_QUALITY,), action)

    def action_request_verification(self):
        """All actions done: someone checks that the failure stopped."""
        self._check_quality(_("Request the effectiveness check"))
        for capa in self:
            if capa.state != "open":
                raise UserError(_("%(capa)s is not open.", capa=capa.name))
            capa._check_actions_done()
        self._rma_service_write({"state": "verification"})
        return True

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
        self._check_quality(_("Verify a CAPA"))
        for capa in self:
            if capa.state != "verification":
                raise UserError(
                    _(
                        "%(capa)s is not waiting for its effectiveness check.",
                        capa=capa.name,
                    )
                )
        if result not in ("effective", "not_effective") or not (note or "").strip():
            raise UserError(
                _("Give the result of the effectiveness check and how it was checked.")
            )
        self._rma_service_write(
            {
                "effectiveness_user_id": self.env.user.id,
                "effectiveness_date": fields.Datetime.now(),
                "effectiveness_result": result,
                "effectiveness_note": note,
                "state": "verification" if result == "effective" else "open",
            }
        )
        return True

    def action_close(self):
        """Closure only when every action is done and the effect verified (P7.6)."""
        self._check_quality(_("Close a CAPA"))
        for capa in self:
            capa._check_actions_done()
            if capa.effectiveness_result != "effective":
                raise UserError(
                    _(
                        "%(capa)s closes after a positive effectiveness check.",
                        capa=capa.name,
                    )
                )
        self._rma_service_write(
            {"state": "closed", "date_closed": fields.Datetime.now()}
        )
        return True
