from odoo import fields, models


class RmaUnexRejectReason(models.Model):
    """Why sales review refuses one unit of a case (M14); shown to the customer."""

    _name = "rma.unex.reject.reason"
    _description = "RMA Unit Rejection Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
