from odoo import fields, models


class RmaUnexUnitRejectWizard(models.TransientModel):
    """Reject one or more units at sales review with a reason (M14)."""

    _name = "rma.unex.unit.reject.wizard"
    _description = "Reject RMA Units"

    unit_ids = fields.Many2many("rma.unex.unit", string="Units", required=True)
    reject_reason_id = fields.Many2one(
        "rma.unex.reject.reason", string="Reason", required=True
    )
    note = fields.Text(help="Shown to the customer with the reason.")

    def action_confirm(self):
        self.ensure_one()
        self.unit_ids._reject(self.reject_reason_id, self.note)
        return {"type": "ir.actions.act_window_close"}
