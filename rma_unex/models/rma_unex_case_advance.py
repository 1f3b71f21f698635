from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_cron_batch import CronStep


class RmaUnexCase(models.Model):
    """Advance replacement (M6): for customers the RMA Manager allows, the
    replacement ships before the faulty unit arrives, up to a cap of
    outstanding ones; the customer is reminded weekly, and the unit is
    invoiced at list price when the faulty one is not back in time."""

    _inherit = "rma.unex.case"

    def _outstanding_advance_units(self, partner):
        """Advance replacements shipped to ``partner`` whose faulty unit is not back."""
        # sudo: the cap counts every case of the customer, whoever handles it
        return (
            self.env["rma.unex.unit"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.commercial_partner_id.id),
                    ("advance_shipped_date", "!=", False),
                    ("date_received", "=", False),
                ]
            )
        )

    def action_advance_replacement(self):
        """Ship replacements before the faulty units arrive (M6)."""
        self._check_action("advance_replacement")
        for case in self:
            units = case._check_can_advance_replacement()
            case._prepare_advance_shipment(units)
        return True

    def _check_can_advance_replacement(self):
        """The units waiting for a replacement, for a customer allowed advance
        replacements and under the company's cap of outstanding ones."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        # sudo: the permission is set by the RMA Manager on the customer
        if not partner.sudo().rma_advance_replacement:
            raise UserError(
                _(
                    "%(partner)s is not allowed advance replacements: the RMA "
                    "Manager can allow them on the customer.",
                    partner=partner.name,
                )
            )
        units = self._active_units().filtered(
            lambda u: not u.date_received and not u.advance_shipped_date
        )
        if not units:
            raise UserError(
                _(
                    "No unit of %(case)s is waiting for a replacement.",
                    case=self.display_name,
                )
            )
        outstanding = len(self._outstanding_advance_units(partner))
        cap = self.company_id.rma_advance_cap
        if outstanding + len(units) > cap:
            raise UserError(
                _(
                    "%(partner)s already has %(count)s outstanding advance "
                    "replacement(s); %(new)s more would exceed the cap of %(cap)s.",
                    partner=partner.name,
                    count=outstanding,
                    new=len(units),
                    cap=cap,
                )
            )
        return units

    def _prepare_advance_shipment(self, units):
        """The delivery of the replacements, from stock."""
        self.ensure_one()
        warehouse = self._rma_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        # sudo: sales decides; the warehouse ships what it is told to.
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(
                dict(
                    self._prepare_picking_vals(
                        warehouse.rma_unex_out_type_id,
                        warehouse.lot_stock_id,
                        customers,
                        units,
                    ),
                    rma_advance=True,
                )
            )
        )
        picking.action_confirm()
        picking.action_assign()
        self.message_post(
            body=_(
                "Advance replacement %(picking)s prepared.",
                picking=picking._get_html_link(),
            )
        )
        return picking

    def _register_advance_shipment(self, moves):
        lots = self.env["stock.picking"]._rma_lot_by_move(moves)
        now = fields.Datetime.now()
        for move in moves:
            unit = move.rma_unit_id
            unit._rma_service_write(
                {
                    "advance_shipped_date": now,
                    "advance_due_date": fields.Date.context_today(self)
                    + relativedelta(days=unit.company_id.rma_advance_return_days),
                    "date_shipped": now,
                    "shipped_lot_id": lots[move.id].id,
                    "replacement_lot_id": lots[move.id].id,
                }
            )

    @api.model
    def _cron_advance_replacements(self):
        """Invoice at list price the faulty units not back by their due date,
        and remind customers weekly of those still out (M6): one committed
        batch per call (rma.unex.cron.batch), invoices first. The invoice
        order and the reminder date mark what is done."""
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        outstanding = [
            ("advance_shipped_date", "!=", False),
            ("date_received", "=", False),
            ("advance_order_id", "=", False),
        ]
        return self.env["rma.unex.cron.batch"]._run(
            [
                CronStep(
                    "advance_invoice",
                    "rma.unex.unit",
                    [*outstanding, ("advance_due_date", "<", today)],
                    self._invoice_unreturned_units,
                ),
                CronStep(
                    "advance_reminder",
                    "rma.unex.unit",
                    [
                        *outstanding,
                        ("advance_due_date", ">=", today),
                        "|",
                        ("advance_reminder_date", "=", False),
                        ("advance_reminder_date", "<=", now - relativedelta(days=7)),
                    ],
                    lambda units: self._remind_unreturned_units(units, now),
                ),
            ]
        )

    @api.model
    def _invoice_unreturned_units(self, units):
        """The faulty units did not come back: each is invoiced at list price
        on an order of its own (M6), the orders created and confirmed
        together."""
        labels = [
            unit.case_id._customer_env()._("not returned after advance replacement")
            for unit in units
        ]
        # sudo: the cron bills on behalf of sales
        orders = (
            self.env["sale.order"]
            .sudo()
            .create(
                [
                    unit.case_id._prepare_sale_order_vals(
                        [(unit.product_id, label)], validity=False
                    )
                    for unit, label in zip(units, labels, strict=True)
                ]
            )
        )
        orders.order_line._compute_price_unit()
        orders.action_confirm()
        for unit, order in zip(units, orders, strict=True):
            unit._rma_service_write({"advance_order_id": order.id})
            case = unit.case_id
            customer_env = case._customer_env()
            case._post_to_customer(
                customer_env._(
                    "%(unit)s was not returned by %(date)s: invoiced at list "
                    "price on %(order)s.",
                    unit=unit.with_env(customer_env).display_name,
                    date=unit.advance_due_date,
                    order=order.name,
                )
            )

    @api.model
    def _remind_unreturned_units(self, units, now):
        """The weekly reminder to each customer, and an activity for sales on
        the case of each unit (created together)."""
        units._rma_service_write({"advance_reminder_date": now})
        for unit in units:
            case = unit.case_id
            customer_env = case._customer_env()
            case._post_to_customer(
                customer_env._(
                    "Reminder: please send back the faulty %(unit)s for RMA "
                    "%(rma)s by %(date)s; it is invoiced at list price "
                    "otherwise.",
                    unit=unit.with_env(customer_env).display_name,
                    rma=case.name,
                    date=unit.advance_due_date,
                )
            )
        self.env["rma.unex.cron.batch"]._schedule_activities(
            [
                (
                    unit.case_id,
                    {
                        "user_id": unit.case_id.user_id.id,
                        "summary": self.env._(
                            "Faulty unit outstanding after advance replacement"
                        ),
                    },
                )
                for unit in units
                if unit.case_id.user_id
            ]
        )
