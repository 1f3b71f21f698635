from odoo import fields, models
from odoo.tools.sql import create_index


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "rma.unex.mac.mixin"]

    firmware_version = fields.Char(
        string="Firmware Shipped",
        help="Firmware the unit left the factory with; return rates are "
        "measured per firmware with it (M13).",
    )

    _sql_constraints = [
        (
            "rma_unex_mac_company_uniq",
            "unique(mac_address, company_id)",
            "Another serial number already has this MAC address.",
        ),
    ]

    def init(self):
        """An exact serial needs a btree: core indexes serial numbers by
        trigram only (for "contains" searches), whose cost grows with the
        serials sharing a prefix (the portal's device recognition, P1.2)."""
        res = super().init()
        create_index(
            self.env.cr, "stock_lot_rma_unex_name_index", "stock_lot", ["name"]
        )
        return res
