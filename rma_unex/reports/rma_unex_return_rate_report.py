from odoo import fields, models


class RmaUnexReturnRateReport(models.Model):
    """Returned units over delivered units (M13), per product, per lot and
    per firmware version shipped (the firmware recorded on the lot)."""

    _name = "rma.unex.return.rate.report"
    _description = "Return Rate"
    _auto = False
    _order = "return_rate desc"

    level = fields.Selection(
        [("product", "Product"), ("lot", "Lot / Serial"), ("firmware", "Firmware")],
        readonly=True,
    )
    product_id = fields.Many2one("product.product", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot / Serial", readonly=True)
    firmware_version = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    delivered_qty = fields.Float(string="Delivered", readonly=True)
    returned_qty = fields.Float(string="Returned", readonly=True)
    return_rate = fields.Float(
        string="Return Rate (%)", readonly=True, aggregator="max"
    )

    @property
    def _table_query(self):
        # Deliveries to customers that are not RMA return shipments, and RMA
        # units that physically came back, each tagged with its lot's firmware.
        return """
            WITH delivered AS (
                SELECT ml.product_id, ml.lot_id, lot.firmware_version, ml.company_id,
                       ml.quantity AS qty
                  FROM stock_move_line ml
                  JOIN stock_move m ON m.id = ml.move_id
                  JOIN stock_location dest ON dest.id = ml.location_dest_id
                  LEFT JOIN stock_lot lot ON lot.id = ml.lot_id
                 WHERE ml.state = 'done' AND dest.usage = 'customer'
                   AND m.rma_unit_id IS NULL
            ), returned AS (
                SELECT u.product_id, COALESCE(u.received_lot_id, u.lot_id) AS lot_id,
                       lot.firmware_version, u.company_id, 1 AS qty
                  FROM rma_unex_unit u
                  LEFT JOIN stock_lot lot
                         ON lot.id = COALESCE(u.received_lot_id, u.lot_id)
                 WHERE u.date_received IS NOT NULL
            ), keyed AS (
                SELECT 'product' AS level, product_id, NULL::int AS lot_id,
                       NULL::varchar AS firmware_version, company_id,
                       qty AS delivered, 0 AS returned FROM delivered
                UNION ALL
                SELECT 'product', product_id, NULL, NULL, company_id, 0, qty
                  FROM returned
                UNION ALL
                SELECT 'lot', product_id, lot_id, NULL, company_id, qty, 0
                  FROM delivered WHERE lot_id IS NOT NULL
                UNION ALL
                SELECT 'lot', product_id, lot_id, NULL, company_id, 0, qty
                  FROM returned WHERE lot_id IS NOT NULL
                UNION ALL
                SELECT 'firmware', product_id, NULL, firmware_version, company_id,
                       qty, 0
                  FROM delivered WHERE firmware_version IS NOT NULL
                UNION ALL
                SELECT 'firmware', product_id, NULL, firmware_version, company_id,
                       0, qty
                  FROM returned WHERE firmware_version IS NOT NULL
            )
            SELECT row_number() OVER (ORDER BY level, product_id, lot_id,
                                      firmware_version, company_id) AS id,
                   level, product_id, lot_id, firmware_version, company_id,
                   SUM(delivered) AS delivered_qty, SUM(returned) AS returned_qty,
                   CASE WHEN SUM(delivered) > 0
                        THEN 100.0 * SUM(returned) / SUM(delivered) END AS return_rate
              FROM keyed
             GROUP BY level, product_id, lot_id, firmware_version, company_id
        """
