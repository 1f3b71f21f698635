import uuid

from odoo import _, api, fields, models

from .rma_unex_cron_batch import CronStep


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rma_case_id = fields.Many2one(
        "rma.unex.case",
        string="RMA Case",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    rma_superseded_by_id = fields.Many2one(
        "sale.order",
        string="Superseded By",
        copy=False,
        readonly=True,
        help="A revised quotation replaced this one after hidden damage was found "
        "(P5.2).",
    )
    rma_order_kind = fields.Selection(
        [("quotation", "Service quotation"), ("fees", "Fee order")],
        string="RMA Order Kind",
        copy=False,
        readonly=True,
        help="Quotations need the customer's approval (P4.4); fee orders carry "
        "NTF fees the customer agreed to in advance (P2.4, P5.3).",
    )
    rma_lapse_notified = fields.Boolean(copy=False, readonly=True)
    rma_lapsed_on = fields.Date(
        string="RMA Quotation Lapsed On",
        copy=False,
        readonly=True,
        help="Declined or expired: the custody limit counts from here (M5).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("rma_case_id"):
                # the customer's portal link exists from the start, so that
                # reading the RMA page never writes a token (concurrent views)
                vals.setdefault("access_token", str(uuid.uuid4()))
        return super().create(vals_list)

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if not error and self.rma_case_id:
            if self.rma_superseded_by_id:
                return _(
                    "%(order)s was superseded by %(new)s; confirm that one.",
                    order=self.name,
                    new=self.rma_superseded_by_id.name,
                )
            # today's date, not is_expired: that one is computed once per
            # transaction (the e-mail sending the quotation reads it already)
            if self.validity_date and self.validity_date < fields.Date.today():
                return _(
                    "RMA quotation %(order)s expired on %(date)s and cannot be "
                    "confirmed: ask for a revised quotation (P4.5).",
                    order=self.name,
                    date=self.validity_date,
                )
        return error

    def _can_be_edited_on_portal(self):
        """The customer signs an RMA quotation as issued; its lines are not
        theirs to change (sale_management's portal line and option routes)."""
        return not self.rma_case_id and super()._can_be_edited_on_portal()

    def _prepare_invoice(self):
        vals = super()._prepare_invoice()
        if self.rma_case_id:
            vals["rma_case_id"] = self.rma_case_id.id
        return vals

    def _action_confirm(self):
        res = super()._action_confirm()
        for order in self.filtered("rma_case_id"):
            order.rma_case_id._on_quotation_confirmed(order)
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        if not self.env.context.get("rma_superseding"):
            self.env["rma.unex.case"]._on_quotations_lapsed(
                {
                    order: self.env._(
                        "Quotation %(order)s was declined or cancelled.",
                        order=order.name,
                    )
                    for order in self.filtered("rma_case_id")
                }
            )
        return res

    @api.model
    def _cron_rma_quotation_expiry(self):
        """Expired RMA quotations send their case back for a new one (P4.5):
        one committed batch per call (rma.unex.cron.batch), marked done by
        ``rma_lapse_notified``."""
        today = fields.Date.context_today(self)
        return self.env["rma.unex.cron.batch"]._run(
            [
                CronStep(
                    "quotation_expiry",
                    self._name,
                    [
                        ("rma_case_id", "!=", False),
                        ("state", "in", ("draft", "sent")),
                        ("validity_date", "<", today),
                        ("rma_lapse_notified", "=", False),
                    ],
                    lambda orders: orders._rma_lapse_expired(),
                )
            ]
        )

    def _rma_lapse_expired(self):
        """Note the expiry on each quotation and send the cases back."""
        self.rma_lapse_notified = True
        self._message_log_batch(
            {
                order.id: self.env._(
                    "Quotation expired on %(date)s.", date=order.validity_date
                )
                for order in self
            }
        )
        self.env["rma.unex.case"]._on_quotations_lapsed(
            {
                order: self.env._(
                    "Quotation %(order)s expired on %(date)s without approval: issue "
                    "a new one.",
                    order=order.name,
                    date=order.validity_date,
                )
                for order in self
            }
        )
