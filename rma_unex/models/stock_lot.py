from odoo import models


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "rma.unex.mac.mixin"]

    _sql_constraints = [
        (
            "rma_unex_mac_company_uniq",
            "unique(mac_address, company_id)",
            "Another serial number already has this MAC address.",
        ),
    ]
