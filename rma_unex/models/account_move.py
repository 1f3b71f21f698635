import uuid

from odoo import api, fields, models


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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("rma_case_id"):
                # as RMA orders: the portal link is made with the invoice
                vals.setdefault("access_token", str(uuid.uuid4()))
        return super().create(vals_list)
