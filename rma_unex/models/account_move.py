from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    rma_case_id = fields.Many2one(
        "rma.unex.case",
        string="RMA Case",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The RMA case whose repair or fees this invoice bills, or whose "
        "defective goods this credit note takes back (P6.3, P7.5).",
    )
