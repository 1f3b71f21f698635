from odoo import fields, models


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
