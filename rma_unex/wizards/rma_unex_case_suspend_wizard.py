from odoo import fields, models


class RmaUnexCaseSuspendWizard(models.TransientModel):
    """Put an RMA case on hold with a reason, e.g. hidden damage (P5.2)."""

    _name = "rma.unex.case.suspend.wizard"
    _description = "Suspend RMA Case"

    case_id = fields.Many2one("rma.unex.case", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.case_id._suspend(self.reason)
        return {"type": "ir.actions.act_window_close"}
