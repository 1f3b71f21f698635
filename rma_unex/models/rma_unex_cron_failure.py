from odoo import fields, models

from .rma_unex_constants import CRON_STEPS


class RmaUnexCronFailure(models.Model):
    """A record a scheduled action could not handle (refused by a rule,
    broken data), put aside so that it neither holds up the other records nor
    fails again at every run (see rma.unex.cron.batch). Deleting the row lets
    the next run try it again."""

    _name = "rma.unex.cron.failure"
    _description = "Scheduled action failure"
    _order = "id desc"
    _rec_name = "record_name"

    step = fields.Selection(CRON_STEPS, required=True, readonly=True, index=True)
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True
    )
    record_name = fields.Char(string="Record", readonly=True)
    error = fields.Text(readonly=True)
