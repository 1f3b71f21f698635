from odoo import api, fields, models

from ..models.rma_unex_constants import DISPOSITIONS


class RmaUnexUnitDecisionWizard(models.TransientModel):
    """What happens to the units, who decided and why (P4.3, P4.4, P5.3)."""

    _name = "rma.unex.unit.decision.wizard"
    _description = "Decide on RMA Units"

    unit_ids = fields.Many2many("rma.unex.unit", string="Units", required=True)
    disposition = fields.Selection(DISPOSITIONS, required=True)
    reason = fields.Text(required=True)
    waive_ntf_fees = fields.Boolean(
        help="RMA Manager only: no inspection fee or return shipping for these units."
    )
    waiver_reason = fields.Text()
    can_waive = fields.Boolean(compute="_compute_can_waive")

    @api.depends_context("uid")
    def _compute_can_waive(self):
        manager = self.env.user.has_group("rma_unex.rma_unex_group_manager")
        for wizard in self:
            wizard.can_waive = manager

    def action_confirm(self):
        self.ensure_one()
        self.unit_ids._decide(self.disposition, self.reason)
        if self.disposition == "ntf" and self.waive_ntf_fees:
            self.unit_ids._waive_ntf_fees(self.waiver_reason)
        return {"type": "ir.actions.act_window_close"}
