from odoo import fields, models


class RmaUnexFailureCategory(models.Model):
    """Failure analysis categories (P5.1): what broke, for the statistics."""

    _name = "rma.unex.failure.category"
    _description = "RMA Failure Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
