from odoo import api, models

from .rma_unex_cron_batch import CronStep

# Cases whose "box received" e-mail goes out per call of the background job.
RECEIPT_MAIL_BATCH = 50


class RmaUnexCase(models.Model):
    """The e-mails that tell the customer's contact where their units are
    (P3.4, P4.3-P4.5, P5.3, P6.2): the box received (what was found in it,
    serial or MAC mismatches), the decision on each unit once evaluation ends,
    the units shipped back with their carrier and tracking number. Each in the
    contact's language, each once per event: a flag on the unit says which
    units the next e-mail is about, and sending clears it."""

    _inherit = "rma.unex.case"

    # ------------------------------------------------------------------
    # Box received (P3.4): queued by the receipt, sent by the job
    # ------------------------------------------------------------------

    def _queue_receipt_mail(self):
        """The received units are flagged with their receipt's write (see
        _register_receipt); the e-mails leave in the background, so that the
        warehouse validating a hundred receipts at once does not wait for a
        hundred e-mails (rma_unex/tests/test_case_logistics.py)."""
        self.env.ref("rma_unex.ir_cron_rma_milestone_mail")._trigger()

    @api.model
    def _cron_send_milestone_mails(self, batch_size=RECEIPT_MAIL_BATCH):
        """Send the queued "box received" e-mails, a batch of cases per call
        (rma.unex.cron.batch: committed, Odoo calling again while some
        remain). Returns the number of cases whose e-mail went out."""
        return self.env["rma.unex.cron.batch"]._run(
            [
                CronStep(
                    "receipt_mail",
                    self._name,
                    [("unit_ids.receipt_mail_queued", "!=", False)],
                    lambda cases: cases._send_receipt_mails(),
                    size=batch_size,
                )
            ]
        )

    def _send_receipt_mails(self):
        """One e-mail per case about the units flagged as received (one
        composer for all the cases); the units leave the queue. From the
        company (the job's user is no one), which does not become a follower
        of the cases and so gets no copy of what follows."""
        self.with_context(mail_create_nosubscribe=True)._post_template_batch(
            self.env.ref("rma_unex.mail_template_rma_received"), "comment"
        )
        self.unit_ids.filtered("receipt_mail_queued")._rma_service_write(
            {"receipt_mail_queued": False}
        )

    # ------------------------------------------------------------------
    # Decision (P4.3, P4.4, P5.3): when the case leaves evaluation
    # ------------------------------------------------------------------

    def _apply_transition(self, transition, vals=None, system=False):
        """Decisions are final when the case leaves evaluation (quotation
        sent, repair started, released): the customer hears of them then, not
        at each change of mind during evaluation."""
        evaluated = self.filtered(lambda c: c.state == "evaluation")
        result = super()._apply_transition(transition, vals=vals, system=system)
        evaluated.filtered(
            lambda c: c.state not in ("evaluation", "suspended")
        )._send_decision_mails()
        return result

    def _send_decision_mails(self):
        """The decision on each unit decided since the last such e-mail;
        nothing when no decision changed."""
        units = self.unit_ids.filtered("decision_mail_queued")
        if not units:
            return
        units.case_id._post_template_batch(
            self.env.ref("rma_unex.mail_template_rma_decision"), "comment"
        )
        units._rma_service_write({"decision_mail_queued": False})

    def _milestone_quotation(self):
        """The open or confirmed quotation the decision e-mail announces."""
        self.ensure_one()
        # sudo: the e-mail names the customer's own quotation and its total,
        # whoever ended the evaluation (a QC engineer has no sales rights)
        quotation = self.sudo()._current_quotation()
        return quotation.filtered(lambda o: o.state in ("sent", "sale"))

    def _milestone_fee_order(self):
        """The confirmed order of NTF fees the decision e-mail announces."""
        self.ensure_one()
        # sudo: as for the quotation, the customer's own order and its total
        orders = self.sudo().sale_order_ids.filtered(
            lambda o: o.rma_order_kind == "fees" and o.state == "sale"
        )
        return orders.sorted("id")[-1:]

    # ------------------------------------------------------------------
    # Shipped back (P6.2, P6.3): with each validated return shipment
    # ------------------------------------------------------------------

    def _send_shipment_mails(self, units):
        """A return shipment left without finishing its case (the rest
        follows): the summary of the units it carried. The shipment that
        finishes the case sends the whole summary (_after_ship)."""
        for case in self:
            shipped = units.filtered(lambda u, c=case: u.case_id == c)
            if shipped:
                case._send_repair_summary(shipped)

    def _milestone_shipped_units(self):
        """The units the repair summary lists: those of the shipment that
        sends it, else every unit of the case."""
        self.ensure_one()
        shipped = self.env.context.get("rma_unex_shipped_unit_ids")
        units = self._active_units()
        return units.filtered(lambda u: u.id in shipped) if shipped else units
