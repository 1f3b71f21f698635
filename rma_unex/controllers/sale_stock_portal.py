from odoo.http import request

from odoo.addons.sale_stock.controllers.portal import SaleStockPortal


class RmaUnexSaleStockPortal(SaleStockPortal):
    def _stock_picking_check_access(self, picking_id, access_token=None):
        """A transfer without a sale order (an RMA receipt or return) has no
        order token to compare a given token with (sale_stock then failed with
        a server error): the access rules alone open it (X2)."""
        picking = request.env["stock.picking"].browse([picking_id])
        # sudo: only to know whether the transfer belongs to a sale order
        if not picking.sudo().exists().sale_id:
            picking.check_access("read")
            return picking.sudo()
        return super()._stock_picking_check_access(picking_id, access_token)
