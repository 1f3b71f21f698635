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

    def _trigger_scheduler(self):
        # The goods of an RMA receipt leave the customer's location, which no
        # orderpoint watches (orderpoints are on our internal locations): Odoo
        # would look one up for each move of a case of hundreds of units.
        from_customers = self.filtered(
            lambda m: m.rma_unit_id and m.location_id.usage == "customer"
        )
        return super(StockMove, self - from_customers)._trigger_scheduler()
