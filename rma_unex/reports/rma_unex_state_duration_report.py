from odoo import fields, models


class RmaUnexStateDurationReport(models.Model):
    """Days each case spent in each state, from the chatter's state tracking
    (X1): averaged per state, the turnaround of every step (M13)."""

    _name = "rma.unex.state.duration.report"
    _description = "RMA Turnaround per State"
    _auto = False
    _order = "case_id, date_left"

    case_id = fields.Many2one("rma.unex.case", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    state_label = fields.Char(string="State", readonly=True)
    date_left = fields.Datetime(readonly=True)
    days = fields.Float(string="Days in State", aggregator="avg", readonly=True)

    @property
    def _table_query(self):
        return """
            WITH changes AS (
                SELECT m.res_id AS case_id, m.date, v.id AS value_id,
                       v.old_value_char AS state_label,
                       LAG(m.date) OVER (PARTITION BY m.res_id ORDER BY m.date, v.id)
                           AS previous_change
                  FROM mail_tracking_value v
                  JOIN mail_message m ON m.id = v.mail_message_id
                  JOIN ir_model_fields f ON f.id = v.field_id
                 WHERE m.model = 'rma.unex.case' AND f.model = 'rma.unex.case'
                   AND f.name = 'state'
            )
            SELECT ch.value_id AS id, ch.case_id, c.company_id, ch.state_label,
                   ch.date AS date_left,
                   EXTRACT(EPOCH FROM (
                       ch.date - COALESCE(ch.previous_change, c.date_applied)))
                       / 86400.0 AS days
              FROM changes ch
              JOIN rma_unex_case c ON c.id = ch.case_id
        """
