from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    rma_warranty_days = fields.Integer(
        string="Warranty Period (days)",
        help="Overrides the company's warranty period for this product; "
        "0 uses the company's (P4.1).",
    )

    def _rma_warranty_days(self, company):
        self.ensure_one()
        return self.rma_warranty_days or company.rma_warranty_days
