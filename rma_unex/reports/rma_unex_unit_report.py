from odoo import fields, models


class RmaUnexUnitReport(models.Model):
    """One row per returned unit, for the after-sales dashboards (M13):
    volumes, NTF rate, warranty vs paid, turnaround, repeats."""

    _name = "rma.unex.unit.report"
    _description = "RMA Unit Analysis"
    _auto = False
    _order = "date_applied desc"

    case_id = fields.Many2one("rma.unex.case", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Serial / Lot", readonly=True)
    firmware_version = fields.Char(readonly=True)
    date_applied = fields.Datetime(readonly=True)
    state = fields.Selection(related="case_id.state", readonly=True)
    fa_category_id = fields.Many2one("rma.unex.failure.category", readonly=True)
    disposition = fields.Selection(
        selection=lambda self: (
            self.env["rma.unex.unit"]._fields["disposition"].selection
        ),
        readonly=True,
    )
    warranty_status = fields.Selection(
        selection=lambda self: (
            self.env["rma.unex.unit"]._fields["warranty_status"].selection
        ),
        readonly=True,
    )
    unit_count = fields.Integer(string="Units", readonly=True)
    ntf_rate = fields.Float(string="NTF (%)", aggregator="avg", readonly=True)
    warranty_rate = fields.Float(string="Warranty (%)", aggregator="avg", readonly=True)
    paid_rate = fields.Float(string="Paid (%)", aggregator="avg", readonly=True)
    repeat_rate = fields.Float(
        string="Repeat Returns (%)", aggregator="avg", readonly=True
    )
    turnaround_days = fields.Float(
        string="Receipt to Return (days)", aggregator="avg", readonly=True
    )
    evaluation_days = fields.Float(
        string="Application to Receipt (days)", aggregator="avg", readonly=True
    )

    @property
    def _table_query(self):
        return """
            SELECT u.id, u.case_id, u.partner_id, u.company_id, u.product_id, u.lot_id,
                   d.firmware_version, c.date_applied, u.fa_category_id, u.disposition,
                   u.warranty_status, 1 AS unit_count,
                   CASE WHEN u.disposition = 'ntf' THEN 100.0
                        WHEN u.disposition IS NOT NULL THEN 0.0 END AS ntf_rate,
                   CASE WHEN u.disposition IN ('free_repair', 'free_replacement')
                        THEN 100.0
                        WHEN u.disposition IS NOT NULL THEN 0.0 END AS warranty_rate,
                   CASE WHEN u.disposition = 'paid_repair' THEN 100.0
                        WHEN u.disposition IS NOT NULL THEN 0.0 END AS paid_rate,
                   CASE WHEN u.is_repeat_return IS TRUE THEN 100.0 ELSE 0.0 END
                       AS repeat_rate,
                   EXTRACT(EPOCH FROM (u.date_shipped - u.date_received)) / 86400.0
                       AS turnaround_days,
                   EXTRACT(EPOCH FROM (u.date_received - c.date_applied)) / 86400.0
                       AS evaluation_days
              FROM rma_unex_unit u
              JOIN rma_unex_case c ON c.id = u.case_id
              LEFT JOIN rma_unex_ticket_device d ON d.unit_id = u.id
             WHERE u.is_rejected IS NOT TRUE AND c.state != 'cancelled'
        """
