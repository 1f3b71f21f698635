from odoo import api, fields, models


class RmaUnexChargeAgreementWizard(models.TransientModel):
    """Record the customer's agreement to potential charges (P2.4)."""

    _name = "rma.unex.charge.agreement.wizard"
    _description = "Record Agreement to Charges"

    case_id = fields.Many2one("rma.unex.case", required=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Agreed By",
        required=True,
        compute="_compute_partner_id",
        store=True,
        precompute=True,
        readonly=False,
        domain="[('id', 'child_of', customer_id)]",
    )
    customer_id = fields.Many2one(related="case_id.partner_id")
    method = fields.Selection(
        selection=lambda self: (
            self.env["rma.unex.case"]._fields["charges_agreement_method"].selection
        ),
        string="Agreed Through",
        required=True,
        default="email",
    )
    note = fields.Text(help="Reference of the email, call or signed form.")

    @api.depends("case_id")
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard.case_id.contact_id or wizard.case_id.partner_id

    def action_confirm(self):
        self.ensure_one()
        self.case_id._record_charge_agreement(self.partner_id, self.method, self.note)
        return {"type": "ir.actions.act_window_close"}
