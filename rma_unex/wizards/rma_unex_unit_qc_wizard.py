from odoo import fields, models


class RmaUnexUnitQcWizard(models.TransientModel):
    """Burn-in and QC against the factory specification (P6.1)."""

    _name = "rma.unex.unit.qc.wizard"
    _description = "Record Burn-in and QC"

    unit_ids = fields.Many2many("rma.unex.unit", string="Units", required=True)
    burn_in_hours = fields.Float(required=True)
    checklist = fields.Text(
        required=True,
        default="Power-on self test: \nRF output vs. specification: \n"
        "Throughput test: \nThermal after burn-in: \nCosmetic inspection: ",
    )
    result = fields.Selection([("pass", "Pass"), ("fail", "Fail")], required=True)

    def action_confirm(self):
        self.ensure_one()
        self.unit_ids._record_qc(self.result, self.burn_in_hours, self.checklist)
        return {"type": "ir.actions.act_window_close"}
