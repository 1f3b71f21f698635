from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    rma_warranty_days = fields.Integer(
        string="Warranty Period (days)",
        help="Overrides the company's warranty period for this product; "
        "0 uses the company's (P4.1).",
    )

    rma_hs_code = fields.Char(
        string="HS Code (RMA)",
        help="Harmonized System code printed on RMA pro-forma invoices (M8).",
    )
    rma_origin_country_id = fields.Many2one(
        "res.country",
        string="Country of Origin (RMA)",
        help="Printed on RMA pro-forma invoices for customs (M8).",
    )

    def _rma_warranty_days(self, company):
        self.ensure_one()
        return self.rma_warranty_days or company.rma_warranty_days
