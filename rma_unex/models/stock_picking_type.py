from odoo import fields, models


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    is_rma_unex = fields.Boolean(
        string="RMA Operation",
        help="Receipts and returns of this type belong to an RMA case: they "
        "cannot be validated without one (P3.1).",
    )
    rma_unex_return_of = fields.Selection(
        [("receipt", "RMA receipts"), ("shipment", "RMA return shipments")],
        string="RMA: Takes Back",
        help="The standard Return of a done RMA receipt (a box received by "
        "mistake goes back to the customer) or of a done return shipment (the "
        "carrier brings it back) uses this type.",
    )
