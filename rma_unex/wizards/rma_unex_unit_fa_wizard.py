from odoo import fields, models


class RmaUnexUnitFaWizard(models.TransientModel):
    """PD's failure analysis of one or more units (P5.1)."""

    _name = "rma.unex.unit.fa.wizard"
    _description = "Record Failure Analysis"

    unit_ids = fields.Many2many("rma.unex.unit", string="Units", required=True)
    findings = fields.Text(required=True)
    root_cause = fields.Text()
    category_id = fields.Many2one(
        "rma.unex.failure.category", string="Failure Category", required=True
    )
    attachment_ids = fields.Many2many("ir.attachment", string="Photos")

    def action_confirm(self):
        self.ensure_one()
        self.unit_ids._record_fa(
            self.findings, self.root_cause, self.category_id, self.attachment_ids
        )
        return {"type": "ir.actions.act_window_close"}
