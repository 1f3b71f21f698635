from odoo import fields, models


class RmaUnexUnit(models.Model):
    """Which units the next milestone e-mail of their case is about
    (rma_unex_case_milestone_mail.py): set by the event, cleared by the
    e-mail, so that each event is told once."""

    _inherit = "rma.unex.unit"

    receipt_mail_queued = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        rma_protected=True,
        help="Received; the customer's 'units received' e-mail is still to send.",
    )
    decision_mail_queued = fields.Datetime(
        readonly=True,
        copy=False,
        rma_protected=True,
        help="Decided on; the customer hears of it when the evaluation ends.",
    )

    def _milestone_receipt_mismatch(self):
        """The serial or MAC received is not the one announced (P3.4)."""
        self.ensure_one()
        # sudo: the flag is staff's; the customer's e-mail says only that the
        # unit is not the one announced, in their own words
        return bool(self.sudo().receipt_mismatch)

    def _milestone_return_transfer(self):
        """The last transfer that took this unit (or its replacement) to the
        customer: its carrier and tracking number go in the e-mail."""
        self.ensure_one()
        # sudo: the customer's e-mail names the carrier of their own parcel,
        # whoever's step sends it
        moves = self.sudo().move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        )
        return moves.sorted(lambda m: (m.date, m.id))[-1:].picking_id
