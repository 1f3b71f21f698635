from odoo import fields, models


class RmaUnexCapaVerifyWizard(models.TransientModel):
    """The effectiveness check of a CAPA (P7.6)."""

    _name = "rma.unex.capa.verify.wizard"
    _description = "Verify CAPA Effectiveness"

    capa_id = fields.Many2one(
        "rma.unex.capa",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    result = fields.Selection(
        [("effective", "Effective"), ("not_effective", "Not effective")], required=True
    )
    note = fields.Text(string="How it was checked", required=True)

    def action_confirm(self):
        self.ensure_one()
        self.capa_id._verify_effectiveness(self.result, self.note)
        return {"type": "ir.actions.act_window_close"}


class RmaUnexSampleResultWizard(models.TransientModel):
    """What the lab concluded about a sample (P7.4)."""

    _name = "rma.unex.sample.result.wizard"
    _description = "Record Lab Result"

    test_id = fields.Many2one(
        "rma.unex.sample.test",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    conclusion = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Lab Report")

    def action_confirm(self):
        self.ensure_one()
        self.test_id._record_result(self.conclusion, self.attachment_ids)
        return {"type": "ir.actions.act_window_close"}
