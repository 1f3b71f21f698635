from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_constants import GROUP_SALES
from .rma_unex_cron_batch import CronStep


class RmaUnexCase(models.Model):
    """The commercial side: quotations of the chargeable units and their
    approval (P4.4, P4.5, P5.2), fee orders (P5.3), the repair orders (P6),
    invoicing (P6.3) and the custody limit of a lapsed quotation (M5)."""

    _inherit = "rma.unex.case"
    # M5: what happens to units whose quotation lapses, chosen at request time.
    # M5: what happens to units whose quotation lapses, chosen at request time.
    custody_choice = fields.Selection(
        [("return", "Return unrepaired"), ("scrap", "Scrap")],
        string="If the Quotation Lapses",
        default="return",
        required=True,
        tracking=True,
        help="After the custody limit, units of a declined or unanswered "
        "quotation are sent back unrepaired or scrapped, as the customer chose (M5).",
    )
    custody_limit_date = fields.Date(
        compute="_compute_custody_limit_date",
        store=True,
        index="btree_not_null",
        help="The current quotation lapsed: after this day its units go back "
        "unrepaired or to scrap, as the customer chose (M5).",
    )
    # Commercial documents (P4.4, P6.3): standard sale orders and repairs.
    # Commercial documents (P4.4, P6.3): standard sale orders and repairs.
    sale_order_ids = fields.One2many(
        "sale.order",
        "rma_case_id",
        string="Sale Orders",
        # those who may read sale orders (an FAE reads the case without them)
        groups="sales_team.group_sale_salesman,account.group_account_invoice,"
        "stock.group_stock_user",
    )
    quotation_count = fields.Integer(compute="_compute_commercial_counts")
    repair_count = fields.Integer(compute="_compute_commercial_counts")
    invoice_count = fields.Integer(compute="_compute_commercial_counts")
    invoice_status = fields.Selection(
        [
            ("nothing", "Nothing to invoice"),
            ("to_invoice", "To invoice"),
            ("invoiced", "Invoiced"),
        ],
        compute="_compute_invoice_status",
        store=True,
        help="Valid warranty claims produce nothing to invoice (P6.3).",
    )

    @api.depends("sale_order_ids", "unit_ids.repair_id")
    def _compute_commercial_counts(self):
        for case in self:
            # sudo: the counters show on the form of every role (an FAE has no
            # sales rights); their buttons are shown to those who may open them.
            commercial = case.sudo()
            case.quotation_count = len(commercial.sale_order_ids)
            case.repair_count = len(commercial.unit_ids.repair_id)
            case.invoice_count = len(commercial.sale_order_ids.invoice_ids)

    @api.depends("sale_order_ids.invoice_status", "sale_order_ids.state")
    def _compute_invoice_status(self):
        for case in self:
            statuses = case.sale_order_ids.filtered(lambda o: o.state == "sale").mapped(
                "invoice_status"
            )
            if "to invoice" in statuses:
                case.invoice_status = "to_invoice"
            elif "invoiced" in statuses:
                case.invoice_status = "invoiced"
            else:
                case.invoice_status = "nothing"

    # ------------------------------------------------------------------
    # Quotations and fee orders (P4.4, P4.5, P5.2, P5.3)
    # ------------------------------------------------------------------

    def _current_quotation(self):
        """The latest quotation not superseded (confirmed, open or declined)."""
        self.ensure_one()
        return self.sale_order_ids.filtered(
            lambda o: o.rma_order_kind == "quotation" and not o.rma_superseded_by_id
        ).sorted("id")[-1:]

    def _chargeable_lines(self, units):
        """(product, description) of each line to charge for ``units``."""
        self.ensure_one()
        company = self.company_id
        lines = []
        for unit in units.filtered(lambda u: u._is_chargeable()):
            kind = "repair" if unit.disposition == "paid_repair" else "inspection"
            lines.append((company._rma_service_product(kind), unit.display_name))
        if lines and self.return_freight_payer == "customer":
            lines.append((company._rma_service_product("shipping"), self.name))
        return lines

    def _prepare_sale_order_vals(self, lines, validity=True):
        """A sale order for the customer with ``lines``; extension hook.

        A quotation (``validity``) is approved by the customer's signature on
        the portal or their PO number, never by an online payment.
        """
        self.ensure_one()
        vals = {
            "rma_order_kind": "quotation" if validity else "fees",
            "require_signature": validity,
            "require_payment": False,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "origin": self.name,
            "rma_case_id": self.id,
            "user_id": (self.user_id or self.env.user).id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        # Odoo's convention: the product, then the description
                        # on its own line (the line widgets show it under it)
                        "name": f"{product.display_name}\n{label}",
                        "product_uom_qty": 1.0,
                    }
                )
                for product, label in lines
            ],
        }
        if validity:
            vals["validity_date"] = fields.Date.context_today(self) + relativedelta(
                days=self.company_id.rma_quotation_validity_days
            )
        return vals

    def _create_quotation(self):
        self.ensure_one()
        lines = self._chargeable_lines(self._active_units())
        # sudo: RMA Sales may lack sale rights in another company's setup;
        # the case's own checks already ran.
        order = (
            self.env["sale.order"].sudo().create(self._prepare_sale_order_vals(lines))
        )
        # sent at once: the contact gets it by e-mail and follows it, which
        # lists it on their company's portal
        order.message_subscribe(partner_ids=(self.contact_id or self.partner_id).ids)
        self._send_quotation_mail(order)
        self.message_post(
            body=_(
                "Quotation %(order)s issued, valid until %(date)s.",
                order=order._get_html_link(),
                date=order.validity_date,
            )
        )
        return order

    def _send_quotation_mail(self, order):
        """E-mail the quotation with its PDF to the case's contact, in their
        language, saying how to approve it (P4.4, P4.5); the order is marked
        sent, as Odoo's "Send by Email" does (not action_quotation_sent, which
        would make the company's general address follow it and get a copy)."""
        order.with_context(mark_so_as_sent=True).message_post_with_source(
            self.env.ref("rma_unex.mail_template_rma_quotation"),
            subtype_xmlid="mail.mt_comment",
            # Odoo's quotation layout: the portal button to accept and sign
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
        )

    def _supersede_quotation(self):
        """Hidden damage (P5.2): a new quotation replaces the open one, which
        is kept, linked and cancelled."""
        self.ensure_one()
        previous = self._current_quotation()
        new = self._create_quotation()
        if previous:
            previous.write({"rma_superseded_by_id": new.id})
            previous.with_context(rma_superseding=True)._action_cancel()
            previous.message_post(body=_("Superseded by %(order)s.", order=new.name))

    def _create_fee_order(self):
        """NTF inspection fees and return shipping without a quotation: the
        customer agreed to such charges before authorisation (P2.4, P5.3)."""
        self.ensure_one()
        lines = self._chargeable_lines(self._active_units())
        if not lines or self._current_quotation().state == "sale":
            return self.env["sale.order"]  # nothing to charge, or already quoted
        # sudo: as the quotation, the fee order follows from the case's decision
        order = (
            self.env["sale.order"]
            .sudo()
            .create(self._prepare_sale_order_vals(lines, validity=False))
        )
        order.action_confirm()
        self.message_post(
            body=_("Fee order %(order)s confirmed.", order=order._get_html_link())
        )
        return order

    def action_confirm_quotation(self):
        """Staff confirm the quotation with the customer's PO number (P4.4)."""
        self._check_rma_groups((GROUP_SALES,), _("Confirm a quotation"))
        for case in self:
            order = case._current_quotation()
            if case.state != "quoted" or not order:
                raise UserError(_("There is no quotation waiting for approval."))
            if not order.client_order_ref:
                raise UserError(
                    _(
                        "Enter the customer's purchase order number on %(order)s "
                        "first.",
                        order=order.name,
                    )
                )
            order.action_confirm()
        return True

    def _on_quotation_confirmed(self, order):
        """Called when the case's quotation is confirmed, by staff or on the portal."""
        for case in self.filtered(lambda c: c.state == "quoted"):
            if order == case._current_quotation():
                case._apply_transition("approve", system=True)

    @api.model
    def _on_quotations_lapsed(self, lapses):
        """Declined or expired quotations ({order: reason}) send their cases
        back to evaluation, where sales decides anew (revised quote, return
        unrepaired, scrap); all of them together: one transition, one batch
        of notes, one create of the activities."""
        lapsed = {
            order: reason
            for order, reason in lapses.items()
            if order.rma_case_id.state == "quoted"
            and order == order.rma_case_id._current_quotation()
        }
        if not lapsed:
            return
        orders = self.env["sale.order"].union(*lapsed)
        cases = orders.rma_case_id
        # sudo: the lapse date is the case's note on its quotation
        orders.sudo().rma_lapsed_on = fields.Date.context_today(self)
        cases._apply_transition("quotation_lapsed", system=True)
        cases._message_log_batch(
            {order.rma_case_id.id: reason for order, reason in lapsed.items()}
        )
        self.env["rma.unex.cron.batch"]._schedule_activities(
            [
                (
                    order.rma_case_id,
                    {
                        "user_id": order.rma_case_id.user_id.id,
                        "summary": self.env._(
                            "Quotation %(order)s lapsed", order=order.name
                        ),
                        "note": reason,
                    },
                )
                for order, reason in lapsed.items()
                if order.rma_case_id.user_id
            ]
        )

    @api.depends(
        "sale_order_ids.rma_lapsed_on",
        "sale_order_ids.rma_superseded_by_id",
        "sale_order_ids.rma_order_kind",
        "company_id.rma_custody_days",
    )
    def _compute_custody_limit_date(self):
        for case in self:
            lapsed_on = case._current_quotation().rma_lapsed_on
            case.custody_limit_date = lapsed_on and lapsed_on + relativedelta(
                days=case.company_id.rma_custody_days
            )

    @api.model
    def _cron_custody_limit(self):
        """M5: no unit waits in the workshop forever. A quotation declined or
        expired more than the custody limit ago, with no new decision since,
        sends its paid-repair units back unrepaired or to scrap: one committed
        batch per call (rma.unex.cron.batch), done once the case is released."""
        return self.env["rma.unex.cron.batch"]._run(
            [
                CronStep(
                    "custody_limit",
                    self._name,
                    [
                        ("state", "=", "evaluation"),
                        ("custody_limit_date", "<=", fields.Date.context_today(self)),
                        (
                            "unit_ids",
                            "any",
                            [
                                ("disposition", "=", "paid_repair"),
                                ("is_rejected", "=", False),
                            ],
                        ),
                    ],
                    lambda cases: cases._end_custody(),
                )
            ]
        )

    def _end_custody(self):
        """The custody limit passed: the paid-repair units go as the customer
        chose, the cases are released together, each customer is told."""
        orders = {}
        for case in self:
            order = orders[case] = case._current_quotation()
            disposition = (
                "scrap" if case.custody_choice == "scrap" else "return_unrepaired"
            )
            units = case._active_units().filtered(
                lambda u: u.disposition == "paid_repair"
            )
            units._rma_service_write(
                {
                    "disposition": disposition,
                    "disposition_reason": _(
                        "Custody limit: quotation %(order)s lapsed on %(date)s.",
                        order=order.name,
                        date=order.rma_lapsed_on,
                    ),
                    "disposition_user_id": self.env.user.id,
                    "disposition_date": fields.Datetime.now(),
                }
            )
        self._apply_transition("release", system=True)
        for case, order in orders.items():
            case._notify_custody_end(order)

    def _notify_custody_end(self, order):
        self.ensure_one()
        customer_env = self._customer_env()
        outcome = (
            customer_env._("scrapped")
            if self.custody_choice == "scrap"
            else customer_env._("returned unrepaired")
        )
        self._post_to_customer(
            customer_env._(
                "Quotation %(order)s was not approved within %(days)s days: as you "
                "chose, the units are %(outcome)s.",
                order=order.name,
                days=self.company_id.rma_custody_days,
                outcome=outcome,
            )
        )

    # ------------------------------------------------------------------
    # Repairs (P6) and invoices (P6.3)
    # ------------------------------------------------------------------

    def _create_repair_orders(self, units):
        """One repair order per unit, all in one create (P6)."""
        if not units:
            return self.env["repair.order"]
        by_case = {}
        for unit in units:
            by_case.setdefault(unit.case_id, self.env["rma.unex.unit"])
            by_case[unit.case_id] |= unit
        repairs = self.env["repair.order"]
        for case, case_units in by_case.items():
            warehouse = case._rma_warehouse()
            picking_type = warehouse.repair_type_id
            vals_list = [unit._prepare_repair_vals(warehouse) for unit in case_units]
            # Names and procurement groups for all orders at once; repair.order
            # would fetch them one order at a time.
            # sudo: the repair sequence and procurement groups are stock's
            names = picking_type.sequence_id.sudo()._rma_next_batch(len(vals_list))
            groups = (
                self.env["procurement.group"]
                .sudo()
                .create([{"name": name} for name in names])
            )
            for vals, name, group in zip(vals_list, names, groups, strict=True):
                vals.update(name=name, procurement_group_id=group.id)
            # sudo: quality engineers repair without being stock managers. The
            # default picking type in the context spares repair.order.create a
            # warehouse search per order.
            repairs |= (
                self.env["repair.order"]
                .sudo()
                .with_context(default_picking_type_id=picking_type.id)
                .create(vals_list)
            )
        # confirmed at once: the unit to repair is in the RMA location, so the
        # engineer starts the repair without a confirmation step first
        repairs._action_repair_confirm()
        for repair in repairs:
            repair.rma_unit_id._rma_service_write({"repair_id": repair.id})
        return repairs

    def _on_repairs_done(self):
        for case in self.filtered(lambda c: c.state == "repair"):
            if not case.unit_ids.repair_id.filtered(
                lambda r: r.state not in ("done", "cancel")
            ):
                case._apply_transition("start_qc", system=True)

    def action_create_invoices(self):
        """Invoice the confirmed RMA orders through the standard flow (P6.3)."""
        self._check_rma_groups(
            ("account.group_account_invoice", GROUP_SALES), _("Create invoices")
        )
        orders = self.sale_order_ids.filtered(
            lambda o: o.invoice_status == "to invoice"
        )
        if not orders:
            raise UserError(_("Nothing to invoice: valid warranty claims are free."))
        invoices = orders._create_invoices()
        return invoices._get_records_action(name=_("Invoices"))

    def action_view_quotations(self):
        return self.sale_order_ids._get_records_action(name=_("Quotations"))

    def _action_view_quotation(self):
        return self._current_quotation()._get_records_action()

    def action_view_repairs(self):
        return self.unit_ids.repair_id._get_records_action(name=_("Repair Orders"))

    def action_view_invoices(self):
        return self.sale_order_ids.invoice_ids._get_records_action(name=_("Invoices"))

    def action_send_application_form(self):
        """E-mail the case's contact their RMA application form (P7.2), for
        the devices still to come."""
        self.ensure_one()
        return self.env["rma.unex.application.form"]._action_send(
            self, self.contact_id or self.partner_id
        )
