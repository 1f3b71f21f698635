from odoo import fields, models

from ..models.rma_unex_constants import STATES


class RmaUnexStateDurationReport(models.Model):
    """Days each case spent in each state, from the state log (X1):
    averaged per state, the turnaround of every step (M13). The log keeps
    state codes, so a team working in two languages gets one row per state."""

    _name = "rma.unex.state.duration.report"
    _description = "RMA Turnaround per State"
    _auto = False
    _order = "case_id, date_left"

    case_id = fields.Many2one("rma.unex.case", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    state = fields.Selection(STATES, readonly=True)
    date_left = fields.Datetime(readonly=True)
    days = fields.Float(string="Days in State", aggregator="avg", readonly=True)

    @property
    def _table_query(self):
        return """
            WITH changes AS (
                SELECT l.id, l.res_id AS case_id, l.state_from AS state, l.date,
                       LAG(l.date) OVER (PARTITION BY l.res_id ORDER BY l.date, l.id)
                           AS previous_change
                  FROM rma_unex_state_log l
                 WHERE l.res_model = 'rma.unex.case'
            )
            SELECT ch.id, ch.case_id, c.company_id, ch.state, ch.date AS date_left,
                   EXTRACT(EPOCH FROM (
                       ch.date - COALESCE(ch.previous_change, c.date_applied)))
                       / 86400.0 AS days
              FROM changes ch
              JOIN rma_unex_case c ON c.id = ch.case_id
             WHERE ch.state IS NOT NULL
        """
