from odoo.tools.sql import column_exists

# The single device of a support request before device lines (18.0.1.1.0).
_OLD_COLUMNS = (
    "rma_product_id",
    "rma_lot_id",
    "mac_address",
    "firmware_version",
    "sdk_version",
    "driver_version",
)


def migrate(cr, version):
    """A request's single device becomes its first device line, linked to the
    unit its escalation made; the old columns go."""
    if not version or not column_exists(cr, "helpdesk_ticket", "rma_product_id"):
        return
    cr.execute(
        """
        INSERT INTO rma_unex_ticket_device (
            ticket_id, sequence, company_id, partner_id, product_id, lot_id,
            serial, mac_address, firmware_version, sdk_version, driver_version,
            create_uid, create_date, write_uid, write_date)
        SELECT t.id, 1, t.company_id, t.commercial_partner_id,
               COALESCE(t.rma_product_id, lot.product_id), t.rma_lot_id,
               lot.name, COALESCE(t.mac_address, lot.mac_address),
               t.firmware_version, t.sdk_version, t.driver_version,
               t.create_uid, t.create_date, t.write_uid, t.write_date
          FROM helpdesk_ticket t
          LEFT JOIN stock_lot lot ON lot.id = t.rma_lot_id
         WHERE (t.rma_product_id IS NOT NULL OR t.rma_lot_id IS NOT NULL
                OR t.mac_address IS NOT NULL OR t.firmware_version IS NOT NULL
                OR t.sdk_version IS NOT NULL OR t.driver_version IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM rma_unex_ticket_device d
                            WHERE d.ticket_id = t.id)
        """
    )
    # The escalation's case of each request has its device as first unit.
    cr.execute(
        """
        UPDATE rma_unex_ticket_device d
           SET unit_id = first_unit.id
          FROM (SELECT DISTINCT ON (c.ticket_id) c.ticket_id, u.id
                  FROM rma_unex_case c
                  JOIN rma_unex_unit u ON u.case_id = c.id
                 WHERE c.ticket_id IS NOT NULL
                 ORDER BY c.ticket_id, c.id, u.sequence, u.id) first_unit
         WHERE first_unit.ticket_id = d.ticket_id AND d.unit_id IS NULL
        """
    )
    for column in _OLD_COLUMNS:
        cr.execute(f'ALTER TABLE helpdesk_ticket DROP COLUMN IF EXISTS "{column}"')
