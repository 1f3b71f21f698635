from odoo import fields, models

from ..models.rma_unex_constants import CID_TYPES


class RmaUnexUnitCidWizard(models.TransientModel):
    """PD's customer-induced-damage finding for one or more units (P4.2)."""

    _name = "rma.unex.unit.cid.wizard"
    _description = "Record CID Finding"

    unit_ids = fields.Many2many("rma.unex.unit", string="Units", required=True)
    cid_type = fields.Selection(
        CID_TYPES, string="Finding", required=True, default="none"
    )
    note = fields.Text()
    attachment_ids = fields.Many2many("ir.attachment", string="Photos")

    def action_confirm(self):
        self.ensure_one()
        self.unit_ids._record_cid(self.cid_type, self.note, self.attachment_ids)
        return {"type": "ir.actions.act_window_close"}
