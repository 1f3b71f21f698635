from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rma_warranty_days = fields.Integer(
        string="Warranty Period (days)",
        default=90,
        help="Warranty from the delivery date, unless the product sets its own (P4.1).",
    )
    rma_response_hours = fields.Integer(
        string="First Response Within (hours)",
        default=24,
        help="Commitment for a first response to support requests and RMA "
        "applications (P1.5, P7.3).",
    )
    rma_oui_blocks = fields.Char(
        string="Registered OUI Blocks",
        default="00:01:A7, 00:10:A7",
        help="IEEE OUI prefixes of our devices, comma separated. A MAC outside "
        "them is flagged as possibly mistyped, not refused (P1.4).",
    )
