from odoo import fields, models


class RmaUnexReturnReason(models.Model):
    """Why the customer returns a unit (M14): defective, DOA, damaged in transit…"""

    _name = "rma.unex.return.reason"
    _description = "RMA Return Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
