from odoo import api, fields, models

from .rma_unex_constants import CLOSED_STATES


class RmaUnexCase(models.Model):
    """What the portal home counts: the cases waiting for the customer."""

    _inherit = "rma.unex.case"

    @api.model
    def _portal_waiting_domain(self):
        """Open cases where the customer must act (P4.4, P4.5, P3.2, M6): a
        quotation to approve that has not expired, an authorised return of
        which units are still to arrive (the box to ship), an advance
        replacement whose faulty unit is still to be sent back. A domain for
        one ``search_count``: the portal home counts it with the customer's
        partner domain, whatever the number of cases."""
        today = fields.Date.context_today(self)
        return [
            ("state", "not in", CLOSED_STATES),
            "|",
            "|",
            "&",
            ("state", "=", "quoted"),
            (
                "sale_order_ids",
                "any",
                [
                    ("rma_order_kind", "=", "quotation"),
                    ("rma_superseded_by_id", "=", False),
                    ("state", "in", ("draft", "sent")),
                    "|",
                    ("validity_date", "=", False),
                    ("validity_date", ">=", today),
                ],
            ),
            "&",
            ("state", "=", "authorised"),
            ("receipt_state", "in", ("none", "partial")),
            (
                "unit_ids",
                "any",
                [
                    ("advance_shipped_date", "!=", False),
                    ("date_received", "=", False),
                    ("advance_order_id", "=", False),
                ],
            ),
        ]
