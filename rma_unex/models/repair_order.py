from odoo import fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    rma_unit_id = fields.Many2one(
        "rma.unex.unit",
        string="RMA Unit",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    rma_case_id = fields.Many2one(
        related="rma_unit_id.case_id",
        string="RMA Case",
        store=True,
        index="btree_not_null",
    )

    def action_repair_done(self):
        res = super().action_repair_done()
        # Finishing the last repair of a case moves it to QC (P6.1).
        self.rma_case_id._on_repairs_done()
        return res
