from odoo import fields, models


class RmaUnexQualityMixin(models.AbstractModel):
    """What non-conformity reports and CAPAs share (P7.6): a number from
    their sequence, a state moved by their actions only, a responsible, a
    company and the date they were closed."""

    _name = "rma.unex.quality.mixin"
    _description = "RMA quality record"
    _inherit = ["mail.thread", "mail.activity.mixin", "rma.unex.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # the ir.sequence code of the records' numbers
    _rma_sequence_code = None

    name = fields.Char(
        required=True, readonly=True, copy=False, default="/", rma_protected=True
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
    date_closed = fields.Datetime(readonly=True, copy=False, rma_protected=True)

    def _rma_complete_create_values(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = vals.get("company_id") or self.env.company.id
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code(self._rma_sequence_code)
                    or "/"
                )
