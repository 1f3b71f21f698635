from odoo import fields, models


class RmaUnexReturnRateReport(models.Model):
    """Returned units over delivered units, per product and per lot (M13).
    Rows with an empty lot are the product totals."""

    _name = "rma.unex.return.rate.report"
    _description = "Return Rate"
    _auto = False
    _order = "return_rate desc"

    product_id = fields.Many2one("product.product", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot / Serial", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    delivered_qty = fields.Float(string="Delivered", readonly=True)
    returned_qty = fields.Float(string="Returned", readonly=True)
    return_rate = fields.Float(string="Return Rate (%)", readonly=True, aggregator="max")

    @property
    def _table_query(self):
        # Deliveries to customers that are not RMA return shipments, and RMA
        # units that physically came back.
        return """
            WITH delivered AS (
                SELECT ml.product_id, ml.lot_id, ml.company_id, SUM(ml.quantity) AS qty
                  FROM stock_move_line ml
                  JOIN stock_move m ON m.id = ml.move_id
                  JOIN stock_location dest ON dest.id = ml.location_dest_id
                 WHERE ml.state = 'done' AND dest.usage = 'customer'
                   AND m.rma_unit_id IS NULL
                 GROUP BY GROUPING SETS ((ml.product_id, ml.lot_id, ml.company_id),
                                         (ml.product_id, ml.company_id))
            ), returned AS (
                SELECT u.product_id, COALESCE(u.received_lot_id, u.lot_id) AS lot_id,
                       u.company_id, COUNT(*) AS qty
                  FROM rma_unex_unit u
                 WHERE u.date_received IS NOT NULL
                 GROUP BY GROUPING SETS ((u.product_id, COALESCE(u.received_lot_id, u.lot_id),
                                          u.company_id),
                                         (u.product_id, u.company_id))
            )
            SELECT row_number() OVER (ORDER BY d.product_id, d.lot_id NULLS FIRST, d.company_id)
                       AS id,
                   d.product_id, d.lot_id, d.company_id,
                   d.qty AS delivered_qty, COALESCE(r.qty, 0) AS returned_qty,
                   CASE WHEN d.qty > 0 THEN 100.0 * COALESCE(r.qty, 0) / d.qty END
                       AS return_rate
              FROM delivered d
              LEFT JOIN returned r
                ON r.product_id = d.product_id AND r.company_id = d.company_id
               AND r.lot_id IS NOT DISTINCT FROM d.lot_id
        """
