from odoo import api, fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    # The warranty lookup finds a serial's delivery by lot (P4.1); core does
    # not index this column, which makes the lookup scan every move line.
    lot_id = fields.Many2one(index="btree_not_null")

    @api.model
    def _rma_latest_customer_deliveries(self, lots):
        """{lot: move line} of the latest delivery of each serial to a customer
        that was not itself an RMA return shipment (the original sale)."""
        if not lots:
            return {}
        # sudo: warranty lookups and recalls read deliveries for staff without
        # stock rights; callers only take dates, partners and sale lines.
        move_lines = self.sudo().search(
            [
                ("lot_id", "in", lots.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
                ("move_id.rma_unit_id", "=", False),
            ],
            order="date desc, id desc",
        )
        latest = {}
        for line in move_lines:
            latest.setdefault(line.lot_id, line)
        return latest
