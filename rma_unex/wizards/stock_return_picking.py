from odoo import models


class StockReturnPickingLine(models.TransientModel):
    _inherit = "stock.return.picking.line"

    def _prepare_move_default_values(self, new_picking):
        # the return of an RMA transfer carries the same units as its moves
        vals = super()._prepare_move_default_values(new_picking)
        if self.move_id.rma_unit_id:
            vals["rma_unit_id"] = self.move_id.rma_unit_id.id
        return vals
