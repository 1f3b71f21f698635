from odoo import fields, models


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    is_rma_unex = fields.Boolean(
        string="RMA Operation",
        help="Receipts and returns of this type belong to an RMA case: they "
        "cannot be validated without one (P3.1).",
    )
