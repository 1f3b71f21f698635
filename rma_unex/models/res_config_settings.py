from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rma_warranty_days = fields.Integer(
        related="company_id.rma_warranty_days", readonly=False
    )
    rma_response_hours = fields.Integer(
        related="company_id.rma_response_hours", readonly=False
    )
    rma_oui_blocks = fields.Char(related="company_id.rma_oui_blocks", readonly=False)
    rma_doa_days = fields.Integer(related="company_id.rma_doa_days", readonly=False)
    rma_repair_warranty_days = fields.Integer(
        related="company_id.rma_repair_warranty_days", readonly=False
    )
    rma_authorisation_days = fields.Integer(
        related="company_id.rma_authorisation_days", readonly=False
    )
    rma_authorisation_grace_days = fields.Integer(
        related="company_id.rma_authorisation_grace_days", readonly=False
    )
    rma_shipping_instructions = fields.Html(
        related="company_id.rma_shipping_instructions", readonly=False
    )
    rma_quotation_validity_days = fields.Integer(
        related="company_id.rma_quotation_validity_days", readonly=False
    )
    rma_burn_in_hours = fields.Float(
        related="company_id.rma_burn_in_hours", readonly=False
    )
    rma_repair_product_id = fields.Many2one(
        related="company_id.rma_repair_product_id", readonly=False
    )
    rma_inspection_product_id = fields.Many2one(
        related="company_id.rma_inspection_product_id", readonly=False
    )
    rma_shipping_product_id = fields.Many2one(
        related="company_id.rma_shipping_product_id", readonly=False
    )
    rma_custody_days = fields.Integer(
        related="company_id.rma_custody_days", readonly=False
    )
    rma_advance_cap = fields.Integer(
        related="company_id.rma_advance_cap", readonly=False
    )
    rma_advance_return_days = fields.Integer(
        related="company_id.rma_advance_return_days", readonly=False
    )
    rma_response_basis = fields.Selection(
        related="company_id.rma_response_basis", readonly=False
    )
    rma_response_warning_hours = fields.Integer(
        related="company_id.rma_response_warning_hours", readonly=False
    )
    rma_portal_file_types = fields.Char(
        related="company_id.rma_portal_file_types", readonly=False
    )
    rma_portal_max_upload_mb = fields.Integer(
        related="company_id.rma_portal_max_upload_mb", readonly=False
    )
    rma_job_threshold = fields.Integer(
        related="company_id.rma_job_threshold", readonly=False
    )
