from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    rma_unit_id = fields.Many2one(
        "rma.unex.unit", string="RMA Unit", index="btree_not_null", copy=False
    )

    def _prepare_merge_moves_distinct_fields(self):
        # One move per RMA unit: merging would lose which unit a move carries.
        return super()._prepare_merge_moves_distinct_fields() + ["rma_unit_id"]

    def _prepare_move_split_vals(self, qty):
        # A backorder of an RMA receipt still carries the same unit.
        vals = super()._prepare_move_split_vals(qty)
        vals["rma_unit_id"] = self.rma_unit_id.id
        return vals
