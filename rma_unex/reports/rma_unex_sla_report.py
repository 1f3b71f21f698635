from odoo import fields, models


class RmaUnexSlaReport(models.Model):
    """First-response hit rate of support requests and RMA applications
    (P1.5, P7.3), per team and month: average of ``hit_rate`` is the rate."""

    _name = "rma.unex.sla.report"
    _description = "Response Commitment Report"
    _auto = False
    _order = "date_submitted desc"

    kind = fields.Selection(
        [("tsr", "Support request"), ("rma", "RMA application")], readonly=True
    )
    date_submitted = fields.Datetime(readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assignee", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    response_result = fields.Selection(
        [("met", "Met"), ("missed", "Missed")], readonly=True
    )
    hit_rate = fields.Float(
        string="Hit Rate (%)",
        readonly=True,
        aggregator="avg",
        help="100 when met, 0 when missed or overdue; empty while still open.",
    )

    @property
    def _table_query(self):
        return """
            SELECT t.id * 2 AS id, 'tsr' AS kind,
                   t.tsr_submitted_date AS date_submitted,
                   t.team_id, t.user_id, t.company_id, t.response_result,
                   CASE WHEN t.response_result = 'met' THEN 100.0
                        WHEN t.response_result = 'missed' THEN 0.0
                        WHEN t.response_deadline < now() at time zone 'UTC' THEN 0.0
                   END AS hit_rate
              FROM helpdesk_ticket t
             WHERE t.tsr_submitted_date IS NOT NULL
            UNION ALL
            SELECT c.id * 2 + 1, 'rma', c.date_applied, tk.team_id, c.user_id,
                   c.company_id, c.response_result,
                   CASE WHEN c.response_result = 'met' THEN 100.0
                        WHEN c.response_result = 'missed' THEN 0.0
                        WHEN c.response_deadline < now() at time zone 'UTC' THEN 0.0
                   END
              FROM rma_unex_case c
              LEFT JOIN helpdesk_ticket tk ON tk.id = c.ticket_id
        """
