from odoo import fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    # The warranty lookup finds a serial's delivery by lot (P4.1); core does
    # not index this column, which makes the lookup scan every move line.
    lot_id = fields.Many2one(index="btree_not_null")
