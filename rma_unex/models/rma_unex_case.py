from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .rma_unex_warranty import COVERED_STATUSES

GROUP_USER = "rma_unex.rma_unex_group_user"
GROUP_SALES = "rma_unex.rma_unex_group_sales"
GROUP_QUALITY = "rma_unex.rma_unex_group_quality"
GROUP_MANAGER = "rma_unex.rma_unex_group_manager"
# Warehouse staff receive and ship units without being RMA users (P3.4).
GROUP_STOCK = "stock.group_stock_user"
# Internal fields: staff and warehouse read them, portal customers do not.
STAFF = f"{GROUP_USER},{GROUP_STOCK}"

STATES = [
    ("sales_review", "Sales Review"),
    ("authorised", "Authorised"),
    ("received", "Received"),
    ("evaluation", "Under Evaluation"),
    ("quoted", "Awaiting Approval"),
    ("approved", "Approved"),
    ("repair", "In Repair"),
    ("qc", "Quality Control"),
    ("ready", "Ready to Ship"),
    ("shipped", "Shipped"),
    ("closed", "Closed"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
]

# States in which a case holds, or is about to hold, the customer's goods and
# work can be put on hold (P5.2).
SUSPENDABLE_STATES = (
    "authorised",
    "received",
    "evaluation",
    "quoted",
    "approved",
    "repair",
    "qc",
)


class RmaUnexCase(models.Model):
    """An RMA case: one customer's return of one or more units (P2.3 → P6.3)."""

    _name = "rma.unex.case"
    _description = "RMA Case"
    _inherit = [
        "rma.unex.response.mixin",
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "customer_ref", "partner_id.name", "ticket_id.number"]

    # The one place where the lifecycle lives: transition -> (allowed source
    # states, target state, groups of which the user needs one). Buttons,
    # portal, crons and RPC all go through _apply_transition(). A target of
    # None means "back to where the case was before" (resume).
    _TRANSITIONS = {
        "authorise": (("sales_review",), "authorised", (GROUP_SALES,)),
        "receive": (("authorised",), "received", (GROUP_USER, GROUP_STOCK)),
        "start_evaluation": (("received",), "evaluation", (GROUP_QUALITY,)),
        "send_quotation": (("evaluation",), "quoted", (GROUP_SALES,)),
        "approve": (("quoted",), "approved", (GROUP_SALES,)),
        "quotation_lapsed": (("quoted",), "evaluation", (GROUP_SALES,)),
        "revise_quotation": (
            ("quoted", "approved", "repair"),
            "quoted",
            (GROUP_SALES,),
        ),
        "start_repair": (("evaluation", "approved"), "repair", (GROUP_QUALITY,)),
        "release": (("evaluation", "approved"), "ready", (GROUP_QUALITY,)),
        "start_qc": (("repair",), "qc", (GROUP_QUALITY,)),
        "pass_qc": (("qc",), "ready", (GROUP_QUALITY,)),
        "fail_qc": (("qc",), "repair", (GROUP_QUALITY,)),
        "ship": (("ready",), "shipped", (GROUP_USER, GROUP_STOCK)),
        # the standard Return of a receipt (a box received by mistake goes
        # back) or of a return shipment (the carrier brought it back)
        "send_back": (("received",), "authorised", (GROUP_USER, GROUP_STOCK)),
        "shipment_back": (("shipped",), "ready", (GROUP_USER, GROUP_STOCK)),
        "close": (("shipped", "ready"), "closed", (GROUP_SALES,)),
        "suspend": (SUSPENDABLE_STATES, "suspended", (GROUP_SALES, GROUP_QUALITY)),
        "resume": (("suspended",), None, (GROUP_SALES, GROUP_QUALITY)),
        "cancel": (
            ("sales_review", "authorised", "suspended"),
            "cancelled",
            (GROUP_SALES,),
        ),
    }

    # Header buttons that take a transition under another name: "Receive"
    # and "Ship" open the transfer whose validation takes the step, "Confirm
    # with PO" confirms the quotation, "Suspend" asks for the reason first.
    _TRANSITION_BUTTONS = {
        "action_view_receipts": "receive",
        "action_view_returns": "ship",
        "action_confirm_quotation": "approve",
        "action_open_suspend_wizard": "suspend",
    }

    _rma_protected_fields = frozenset(
        {
            "name",
            "state",
            "date_applied",
            "date_authorised",
            "authorisation_reminder_date",
            "authorisation_expired",
            "authorisation_expiry_reason",
            "charges_agreed_partner_id",
            "charges_agreed_date",
            "charges_agreement_method",
            "charges_agreement_note",
            "charges_agreement_user_id",
            "suspend_reason",
            "suspended_from_state",
            "response_deadline",
            "first_response_date",
            "response_result",
            "response_warning_sent",
        }
    )

    name = fields.Char(
        string="RMA Number",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Issued from the RMA sequence when the case is authorised (P3.1).",
    )
    state = fields.Selection(
        STATES,
        default="sales_review",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand="_group_expand_state",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    contact_id = fields.Many2one(
        "res.partner",
        check_company=True,
        domain="[('id', 'child_of', partner_id)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Sales Representative",
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Support Request",
        index="btree_not_null",
        copy=False,
        check_company=True,
        readonly=True,
    )
    unit_ids = fields.One2many("rma.unex.unit", "case_id", string="Units", copy=True)
    unit_count = fields.Integer(compute="_compute_unit_count")
    product_ids = fields.Many2many(
        "product.product",
        compute="_compute_product_ids",
        search="_search_product_ids",
    )
    description = fields.Html()
    customer_ref = fields.Char(
        string="Customer Reference",
        index="trigram",
        tracking=True,
        help="The customer's own RMA or purchase order number (M9).",
    )
    date_applied = fields.Datetime(
        string="Applied On",
        default=fields.Datetime.now,
        required=True,
        readonly=True,
        copy=False,
        help="When the customer applied for the RMA: warranty is judged on this day.",
    )
    date_authorised = fields.Datetime(readonly=True, copy=False)
    # M2: an authorisation waits a limited time for the goods.
    authorisation_valid_until = fields.Date(
        compute="_compute_authorisation_valid_until", store=True
    )
    authorisation_reminder_date = fields.Datetime(readonly=True, copy=False)
    authorisation_expired = fields.Boolean(readonly=True, copy=False, tracking=True)
    authorisation_expiry_reason = fields.Char(readonly=True, copy=False)
    # Shipments (P3.4, P6.3)
    picking_ids = fields.One2many(
        "stock.picking", "rma_case_id", string="Transfers", groups=STAFF
    )
    receipt_count = fields.Integer(compute="_compute_picking_counts")
    return_count = fields.Integer(compute="_compute_picking_counts")
    receipt_state = fields.Selection(
        [
            ("none", "Nothing received"),
            ("partial", "Partially received"),
            ("done", "All received"),
        ],
        compute="_compute_receipt_state",
        store=True,
    )
    has_receipt_mismatch = fields.Boolean(compute="_compute_receipt_state", store=True)
    has_repeat_return = fields.Boolean(
        compute="_compute_has_repeat_return", store=True, string="Repeat Return"
    )
    has_serial_mismatch = fields.Boolean(
        compute="_compute_has_serial_mismatch",
        store=True,
        string="Serial of Another Customer",
        groups=STAFF,
    )
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
    sample_count = fields.Integer(
        string="Samples at a Lab",
        compute="_compute_sample_count",
        help="Units whose sample is being tested by a lab (P7.4).",
    )
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
    # Freight (P3.3, M1, P7.5): who pays each way, stored for invoicing.
    recall_id = fields.Many2one(
        "rma.unex.recall",
        string="Recall Campaign",
        index="btree_not_null",
        readonly=True,
    )
    is_recall = fields.Boolean(
        string="Recall",
        help="Confirmed-defective goods recalled by us: we pay freight both ways "
        "(P7.5).",
    )
    inbound_freight_payer = fields.Selection(
        [("customer", "Customer"), ("vendor", "Us")],
        string="Inbound Freight Paid By",
        compute="_compute_freight_payers",
        store=True,
        readonly=False,
        tracking=True,
        help="The customer pays shipping to us unless agreed otherwise (P3.3); "
        "recalls and dead-on-arrival units ship at our cost.",
    )
    return_freight_payer = fields.Selection(
        [("customer", "Customer"), ("vendor", "Us")],
        string="Return Freight Paid By",
        compute="_compute_freight_payers",
        store=True,
        tracking=True,
        help="We pay the return of valid warranty claims, DOA units and recalls.",
    )
    # P2.4: the customer's agreement to potential charges for units that look
    # out of warranty. Recorded through the charge agreement wizard.
    charges_agreed = fields.Boolean(compute="_compute_charges_agreed", store=True)
    charges_agreed_partner_id = fields.Many2one(
        "res.partner",
        string="Charges Agreed By",
        readonly=True,
        copy=False,
        tracking=True,
    )
    charges_agreed_date = fields.Datetime(readonly=True, copy=False)
    charges_agreement_method = fields.Selection(
        [
            ("portal", "Portal"),
            ("email", "Email"),
            ("phone", "Phone call"),
            ("signed_form", "Signed RMA form"),
        ],
        string="Agreed Through",
        readonly=True,
        copy=False,
    )
    charges_agreement_note = fields.Text(
        readonly=True, copy=False, groups="rma_unex.rma_unex_group_user"
    )
    charges_agreement_user_id = fields.Many2one(
        "res.users", string="Agreement Recorded By", readonly=True, copy=False
    )
    needs_charge_agreement = fields.Boolean(
        compute="_compute_needs_charge_agreement",
        store=True,
        help="Some units may not be under warranty and the customer has not "
        "agreed to potential charges yet (P2.4).",
    )
    suspend_reason = fields.Text(readonly=True, copy=False, tracking=True)
    suspended_from_state = fields.Selection(
        [s for s in STATES if s[0] in SUSPENDABLE_STATES], readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "An RMA number is unique within a company.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("name")
    def _compute_display_name(self):
        for case in self:
            case.display_name = case.name or _("New")

    @api.depends("partner_id")
    def _compute_user_id(self):
        for case in self:
            if not case.user_id and case.partner_id.user_id:
                case.user_id = case.partner_id.user_id

    @api.depends("unit_ids")
    def _compute_unit_count(self):
        for case in self:
            case.unit_count = len(case.unit_ids)

    @api.depends("unit_ids.product_id")
    def _compute_product_ids(self):
        for case in self:
            case.product_ids = case.unit_ids.product_id

    def _search_product_ids(self, operator, value):
        return [("unit_ids.product_id", operator, value)]

    @api.depends("date_authorised", "company_id.rma_authorisation_days")
    def _compute_authorisation_valid_until(self):
        for case in self:
            case.authorisation_valid_until = case.date_authorised and (
                case.company_id._rma_local_date(case.date_authorised)
                + relativedelta(days=case.company_id.rma_authorisation_days)
            )

    @api.depends("picking_ids.picking_type_code")
    def _compute_picking_counts(self):
        for case in self:
            # sudo: the counts show on the form of users without stock rights
            # (accounting); opening the transfers still checks theirs.
            codes = case.sudo().picking_ids.mapped("picking_type_code")
            case.receipt_count = codes.count("incoming")
            case.return_count = codes.count("outgoing")

    @api.depends("sale_order_ids", "unit_ids.repair_id")
    def _compute_commercial_counts(self):
        for case in self:
            # sudo: the counters show on the form of every role (an FAE has no
            # sales rights); their buttons are shown to those who may open them.
            commercial = case.sudo()
            case.quotation_count = len(commercial.sale_order_ids)
            case.repair_count = len(commercial.unit_ids.repair_id)
            case.invoice_count = len(commercial.sale_order_ids.invoice_ids)

    @api.depends("unit_ids.sample_test_ids.state")
    def _compute_sample_count(self):
        for case in self:
            # sudo: a counter on the form of warehouse and accounting users too
            tests = case.sudo().unit_ids.sample_test_ids
            case.sample_count = len(tests.filtered(lambda t: t.state == "at_lab"))

    def action_view_sample_tests(self):
        return self.unit_ids.sample_test_ids._get_records_action(name=_("Sample Tests"))

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

    @api.depends(
        "unit_ids.date_received", "unit_ids.is_rejected", "unit_ids.receipt_mismatch"
    )
    def _compute_receipt_state(self):
        for case in self:
            units = case._active_units()
            received = units.filtered("date_received")
            if not received:
                case.receipt_state = "none"
            elif received == units:
                case.receipt_state = "done"
            else:
                case.receipt_state = "partial"
            case.has_receipt_mismatch = any(units.mapped("receipt_mismatch"))

    @api.depends("unit_ids.is_repeat_return")
    def _compute_has_repeat_return(self):
        for case in self:
            case.has_repeat_return = any(case.unit_ids.mapped("is_repeat_return"))

    @api.depends("unit_ids.serial_customer_mismatch")
    def _compute_has_serial_mismatch(self):
        for case in self:
            case.has_serial_mismatch = any(
                case.unit_ids.mapped("serial_customer_mismatch")
            )

    @api.depends("is_recall", "unit_ids.warranty_status", "unit_ids.is_rejected")
    def _compute_freight_payers(self):
        for case in self:
            statuses = case._active_units().mapped("warranty_status")
            doa = "doa" in statuses
            if case.is_recall or doa:
                case.inbound_freight_payer = "vendor"
            elif not case.inbound_freight_payer:
                case.inbound_freight_payer = "customer"
            covered = bool(statuses) and all(s in COVERED_STATUSES for s in statuses)
            case.return_freight_payer = (
                "vendor" if case.is_recall or covered else "customer"
            )

    @api.depends("charges_agreed_date")
    def _compute_charges_agreed(self):
        for case in self:
            case.charges_agreed = bool(case.charges_agreed_date)

    @api.depends(
        "unit_ids.warranty_status",
        "unit_ids.is_rejected",
        "charges_agreed",
        "is_recall",
    )
    def _compute_needs_charge_agreement(self):
        for case in self:
            # A recall is at our cost: nothing to agree to (P7.5).
            case.needs_charge_agreement = (
                not case.charges_agreed
                and not case.is_recall
                and bool(case._units_needing_agreement())
            )

    @api.model
    def _group_expand_state(self, states, domain):
        return [key for key, _label in STATES]

    def _active_units(self):
        """Units still part of the return (not refused at sales review)."""
        return self.unit_ids.filtered(lambda u: not u.is_rejected)

    def _units_needing_agreement(self):
        return self._active_units().filtered(
            lambda u: u.warranty_status not in COVERED_STATUSES
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        # P7.3: the RMA application starts the same 24-hour clock as a TSR.
        for case in cases:
            case._start_response_clock(case.date_applied)
        return cases

    @api.ondelete(at_uninstall=False)
    def _unlink_except_numbered(self):
        # P3.1: an issued RMA number is never reused, so its case stays.
        numbered = self.filtered("name")
        if numbered:
            raise UserError(
                _(
                    "RMA %(numbers)s already has a number and cannot be deleted; "
                    "cancel it instead.",
                    numbers=", ".join(numbered.mapped("name")),
                )
            )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for case in self:
            case.access_url = f"/my/rmas/{case.id}"
        return res

    def _get_report_base_filename(self):
        """File name of the case's documents downloaded from the portal."""
        self.ensure_one()
        return f"RMA {self.name or self.id}"

    def _portal_timeline(self):
        """(state label, date) of every state the case passed, oldest first,
        from the chatter tracking (X1); for the customer's status page."""
        self.ensure_one()
        values = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", self._name),
                    ("mail_message_id.res_id", "=", self.id),
                    ("field_id.name", "=", "state"),
                ],
                order="id",
            )
        )
        # sudo: tracking values are internal records; only states and dates leave.
        steps = [(self._state_label("sales_review"), self.date_applied)]
        if values:
            # The tracking keeps the label in the language of whoever made the
            # change: back to the state, then to the reader's language.
            states = self._state_by_label()
            return steps + [
                (
                    self._state_label(states[v.new_value_char])
                    if v.new_value_char in states
                    else v.new_value_char,
                    v.mail_message_id.date,
                )
                for v in values
            ]
        # No tracking (records loaded as data): the dates the case keeps.
        units = self._active_units()
        for state, when in (
            ("authorised", self.date_authorised),
            ("received", max(units.mapped("date_received") or [False]) or False),
            ("shipped", max(units.mapped("date_shipped") or [False]) or False),
        ):
            if when:
                steps.append((self._state_label(state), when))
        if self.state not in ("sales_review", "authorised", "received", "shipped"):
            steps.append((self._state_label(self.state), self.write_date))
        return steps

    def _message_post_after_hook(self, message, msg_vals):
        self._record_first_response_from_message(message)
        return super()._message_post_after_hook(message, msg_vals)

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------

    def _check_transition(self, transition):
        """Raise unless every case in self may take this transition now.

        Checks the actor's groups (AccessError), the current state and the
        business guard ``_check_can_<transition>`` (UserError), before anything
        is written, so a refusal leaves the data as it was (X3).
        """
        sources, _target, groups = self._TRANSITIONS[transition]
        self._check_rma_groups(groups, self._transition_label(transition))
        for case in self:
            if case.state not in sources:
                raise UserError(
                    _(
                        "%(case)s is %(state)s: “%(action)s” is only possible when "
                        "it is %(allowed)s.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                        action=self._transition_label(transition),
                        allowed=_(" or ").join(case._state_label(s) for s in sources),
                    )
                )
        guard = getattr(self, f"_check_can_{transition}", None)
        if guard:
            guard()

    @api.model
    def _button_transition(self, button):
        """The transition a header button takes, or None (navigation, wizards
        that are not a step of the lifecycle)."""
        if button in self._TRANSITION_BUTTONS:
            return self._TRANSITION_BUTTONS[button]
        transition = button.removeprefix("action_")
        return transition if transition in self._TRANSITIONS else None

    def _apply_transition(self, transition, vals=None):
        self._check_transition(transition)
        self._write_transition(transition, vals)
        return True

    def _write_transition(self, transition, vals=None):
        """Move to the transition's target; the caller has checked it."""
        target = self._TRANSITIONS[transition][1]
        if target:
            self._rma_service_write(dict(vals or {}, state=target))
            return
        for case in self:
            case._rma_service_write(dict(vals or {}, state=case.suspended_from_state))

    def _check_rma_groups(self, groups, action):
        if self.env.su or any(self.env.user.has_group(g) for g in groups):
            return
        names = ", ".join(self.env.ref(g).sudo().full_name for g in groups)
        raise AccessError(
            _(
                "You are not allowed to %(action)s: this needs one of these "
                "groups: %(groups)s.",
                action=action.lower(),
                groups=names,
            )
        )

    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env))[state]

    def _state_by_label(self):
        """{state label in any installed language: state}"""
        field = self._fields["state"]
        return {
            label: state
            for code, _name in self.env["res.lang"].get_installed()
            for state, label in field._description_selection(
                self.with_context(lang=code).env
            )
        }

    def _transition_label(self, transition):
        return {
            "authorise": _("Authorise"),
            "receive": _("Receive"),
            "start_evaluation": _("Start evaluation"),
            "send_quotation": _("Send quotation"),
            "approve": _("Record approval"),
            "quotation_lapsed": _("Reopen evaluation"),
            "revise_quotation": _("Revise quotation"),
            "release": _("Release without repair"),
            "start_repair": _("Start repair"),
            "start_qc": _("Send to QC"),
            "pass_qc": _("Pass QC"),
            "fail_qc": _("Fail QC"),
            "ship": _("Ship"),
            "send_back": _("Send the goods back"),
            "shipment_back": _("Take back a returned shipment"),
            "close": _("Close"),
            "suspend": _("Suspend"),
            "resume": _("Resume"),
            "cancel": _("Cancel"),
        }[transition]

    # Business guards, one per transition that has one.

    def _check_can_authorise(self):
        for case in self:
            if not case._active_units():
                raise UserError(
                    _(
                        "%(case)s has no unit left to return: add a unit or cancel "
                        "the case.",
                        case=case.display_name,
                    )
                )
            missing = case._active_units().filtered(lambda u: not u.product_id)
            if missing:
                raise UserError(_("Every unit needs a product before authorisation."))
            if case.needs_charge_agreement:
                raise UserError(
                    _(
                        "%(units)s may not be under warranty: record the customer's "
                        "agreement to potential charges before authorising (P2.4).",
                        units=", ".join(
                            case._units_needing_agreement().mapped("display_name")
                        ),
                    )
                )

    # Buttons. Each is one transition; the side effects stay next to it.

    def action_authorise(self):
        """Sales review passed (P3.1): issue the RMA number, wait for the goods."""
        self._check_transition("authorise")
        numbers = self._next_rma_numbers()
        now = fields.Datetime.now()
        for case in self:
            case._write_transition(
                "authorise", {"name": numbers[case], "date_authorised": now}
            )
        self._create_receipts()
        self._record_first_response()
        self._send_authorisation()
        return True

    def action_receive(self):
        return self._apply_transition("receive")

    def action_start_evaluation(self):
        return self._apply_transition("start_evaluation")

    def _apply_system_transition(self, transition, vals=None):
        """A step triggered by a document (a confirmed or lapsed quotation,
        finished repairs) rather than a button: the document's own access
        rules applied; the state and business guards still do."""
        sources = self._TRANSITIONS[transition][0]
        for case in self:
            if case.state not in sources:
                raise UserError(
                    _(
                        "%(case)s is %(state)s: “%(action)s” is not possible now.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                        action=self._transition_label(transition),
                    )
                )
        guard = getattr(self, f"_check_can_{transition}", None)
        if guard:
            guard()
        self._write_transition(transition, vals)

    def action_send_quotation(self):
        """Quote the chargeable units as a standard sale order (P4.4, P4.5)."""
        self._check_transition("send_quotation")
        for case in self:
            case._create_quotation()
        self._write_transition("send_quotation")
        return self[:1]._action_view_quotation() if len(self) == 1 else True

    def action_revise_quotation(self):
        """Hidden damage (P5.2): the open quotation is superseded by a new one."""
        self._check_transition("revise_quotation")
        for case in self:
            previous = case._current_quotation()
            new = case._create_quotation()
            if previous:
                previous.write({"rma_superseded_by_id": new.id})
                previous.with_context(rma_superseding=True)._action_cancel()
                previous.message_post(
                    body=_("Superseded by %(order)s.", order=new.name)
                )
        self._write_transition("revise_quotation")
        return True

    def action_approve(self):
        """Staff record the customer's approval: the quotation must be confirmed."""
        return self._apply_transition("approve")

    def action_start_repair(self):
        self._check_transition("start_repair")
        self._create_repair_orders(
            self._active_units().filtered(
                lambda u: u._needs_repair() and not u.repair_id
            )
        )
        self._write_transition("start_repair")
        return True

    def action_release(self):
        """No unit to repair (NTF, return unrepaired, replacement): straight
        to shipping; NTF fees go on a confirmed fee order (P5.3)."""
        self._check_transition("release")
        for case in self:
            case._create_fee_order()
        self._write_transition("release")
        for case in self:
            case._dispose_kept_units()
            case._create_return_shipment()
        return True

    def action_start_qc(self):
        self._apply_transition("start_qc")
        self._reset_qc_results()
        return True

    def action_pass_qc(self):
        """Units still without a result pass with the case (P6.1); then the
        return shipment is prepared."""
        self._check_transition("pass_qc")
        pending = self._active_units().filtered(
            lambda u: not u.qc_result and u._needs_qc()
        )
        if pending:
            pending._set_qc_result("pass")
        self._write_transition("pass_qc")
        for case in self:
            case._dispose_kept_units()
            case._create_return_shipment()
        return True

    def action_fail_qc(self):
        """Failed units go back to repair on a new repair order (P6.1)."""
        self._check_transition("fail_qc")
        failed = self._active_units().filtered(
            lambda u: u.qc_result == "fail" and u._needs_repair()
        )
        self._create_repair_orders(failed)
        self._write_transition("fail_qc")
        self._reset_qc_results()
        return True

    def _reset_qc_results(self):
        self.unit_ids._rma_service_write(
            {"qc_result": False, "qc_user_id": False, "qc_date": False}
        )

    def _check_can_pass_qc(self):
        failed = self._active_units().filtered(lambda u: u.qc_result == "fail")
        if failed:
            raise UserError(
                _(
                    "%(units)s failed QC: send the case back to repair.",
                    units=", ".join(failed.mapped("display_name")),
                )
            )

    def _check_evaluation_complete(self):
        for case in self:
            units = case._active_units()
            missing_fa = units.filtered(lambda u: not u.fa_date)
            if missing_fa:
                raise UserError(
                    _(
                        "Every unit needs a failure analysis before the case leaves "
                        "evaluation (P5.1): %(units)s.",
                        units=", ".join(missing_fa.mapped("display_name")),
                    )
                )
            undecided = units.filtered(lambda u: not u.disposition)
            if undecided:
                raise UserError(
                    _(
                        "Decide what happens to %(units)s first.",
                        units=", ".join(undecided.mapped("display_name")),
                    )
                )

    def _check_can_send_quotation(self):
        self._check_evaluation_complete()
        for case in self:
            if not case._active_units().filtered(
                lambda u: u.disposition == "paid_repair"
            ):
                raise UserError(
                    _(
                        "%(case)s has no paid repair to quote; release it without "
                        "repair or start the free repairs.",
                        case=case.display_name,
                    )
                )

    def _check_can_approve(self):
        for case in self:
            if case._current_quotation().state != "sale":
                raise UserError(
                    _(
                        "The customer's approval is the confirmed quotation: confirm "
                        "%(order)s (with their PO number) or let them accept it on the "
                        "portal.",
                        order=case._current_quotation().name or _("it"),
                    )
                )

    def _check_can_start_repair(self):
        for case in self:
            if case.state == "evaluation":
                case._check_evaluation_complete()
                if case._active_units().filtered(
                    lambda u: u.disposition == "paid_repair"
                ):
                    raise UserError(
                        _(
                            "Paid repairs start after the customer approved the "
                            "quotation (P4.4)."
                        )
                    )
            if not case._active_units().filtered(lambda u: u._needs_repair()):
                raise UserError(
                    _("No unit of %(case)s is to be repaired.", case=case.display_name)
                )

    def _check_can_release(self):
        self._check_evaluation_complete()
        for case in self:
            if case._active_units().filtered(lambda u: u._needs_repair()):
                raise UserError(
                    _(
                        "%(case)s has units to repair: start the repair instead.",
                        case=case.display_name,
                    )
                )

    def _check_can_start_qc(self):
        for case in self:
            open_repairs = case.unit_ids.repair_id.filtered(
                lambda r: r.state not in ("done", "cancel")
            )
            if open_repairs:
                raise UserError(
                    _(
                        "Finish the repair orders first: %(orders)s.",
                        orders=", ".join(open_repairs.mapped("name")),
                    )
                )

    def _check_can_close(self):
        for case in self.filtered(lambda c: c.state == "ready"):
            if case._units_to_ship().filtered(lambda u: not u.date_shipped):
                raise UserError(
                    _("%(case)s still has units to ship back.", case=case.display_name)
                )

    def _check_can_receive(self):
        for case in self:
            if case.receipt_state != "done":
                raise UserError(
                    _(
                        "%(case)s is received when its receipt is validated for "
                        "every unit; %(received)s of %(total)s have arrived.",
                        case=case.display_name,
                        received=len(case._active_units().filtered("date_received")),
                        total=len(case._active_units()),
                    )
                )

    def _check_can_ship(self):
        for case in self:
            if case._units_to_ship().filtered(lambda u: not u.date_shipped):
                raise UserError(
                    _(
                        "%(case)s is shipped when its return shipment is validated "
                        "for every unit.",
                        case=case.display_name,
                    )
                )

    def action_ship(self):
        return self._apply_transition("ship")

    def action_close(self):
        return self._apply_transition("close")

    def _suspend(self, reason):
        """Put the cases on hold (P5.2); called by the suspend wizard."""
        self._check_transition("suspend")
        if not (reason or "").strip():
            raise UserError(_("Give a reason to suspend the case."))
        for case in self:
            case._write_transition(
                "suspend",
                {"suspend_reason": reason, "suspended_from_state": case.state},
            )
        return True

    def action_resume(self):
        return self._apply_transition(
            "resume", {"suspend_reason": False, "suspended_from_state": False}
        )

    def action_cancel(self):
        self._apply_transition("cancel")
        # Turning an application down is an answer too (P7.3).
        self._record_first_response()
        return True

    def action_open_suspend_wizard(self):
        self._check_transition_access("suspend")
        return self._open_wizard("rma.unex.case.suspend.wizard", _("Suspend RMA"))

    def action_open_charge_agreement_wizard(self):
        self._check_rma_groups((GROUP_SALES,), _("Record a charge agreement"))
        return self._open_wizard(
            "rma.unex.charge.agreement.wizard", _("Customer agreement to charges")
        )

    def _check_transition_access(self, transition):
        self._check_rma_groups(
            self._TRANSITIONS[transition][2], self._transition_label(transition)
        )

    def _open_wizard(self, model, title):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def _record_charge_agreement(self, partner, method, note=False):
        """Store the customer's agreement to potential charges (P2.4)."""
        self._check_rma_groups((GROUP_SALES,), _("Record a charge agreement"))
        for case in self:
            if case.state != "sales_review":
                raise UserError(
                    _(
                        "The agreement to charges is recorded during sales review; "
                        "%(case)s is %(state)s.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )
        self._rma_service_write(
            {
                "charges_agreed_partner_id": partner.id,
                "charges_agreed_date": fields.Datetime.now(),
                "charges_agreement_method": method,
                "charges_agreement_note": note,
                "charges_agreement_user_id": self.env.user.id,
            }
        )
        return True

    # ------------------------------------------------------------------
    # Shipments (P3.4, P6.1, P6.3)
    # ------------------------------------------------------------------

    def _rma_warehouse(self):
        self.ensure_one()
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        if not warehouse:
            raise UserError(
                _(
                    "%(company)s has no warehouse to receive RMA units.",
                    company=self.company_id.name,
                )
            )
        if not (
            warehouse.rma_location_id
            and warehouse.rma_unex_in_type_id
            and warehouse.rma_unex_out_type_id
            and warehouse.rma_unex_in_return_type_id
            and warehouse.rma_unex_out_return_type_id
        ):
            # sudo: the operation types are set up once, by whoever needs them.
            warehouse.sudo()._rma_unex_setup()
        return warehouse

    def _prepare_picking_vals(self, picking_type, source, destination, units):
        """Values of an RMA transfer; extension hook."""
        self.ensure_one()
        partner = self.contact_id or self.partner_id
        return {
            "picking_type_id": picking_type.id,
            "partner_id": partner.id,
            "origin": self.name,
            "rma_case_id": self.id,
            "company_id": self.company_id.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "move_ids": [
                Command.create(unit._prepare_move_vals(source, destination))
                for unit in units
            ],
        }

    def _next_rma_numbers(self):
        """{case: its new RMA number}, one batch per company (P3.1)."""
        numbers = {}
        for company in self.company_id:
            cases = self.filtered(lambda c, company=company: c.company_id == company)
            # sudo: sales staff issue numbers without rights on sequences.
            sequence = (
                self.env["ir.sequence"]
                .sudo()
                .search(
                    [
                        ("code", "=", "rma.unex.case"),
                        ("company_id", "in", [company.id, False]),
                    ],
                    order="company_id",
                    limit=1,
                )
            )
            if not sequence:
                raise UserError(_("The RMA number sequence is missing."))
            numbers.update(
                zip(cases, sequence._rma_next_batch(len(cases)), strict=True)
            )
        return numbers

    def _create_receipts(self, units=None):
        """The inbound receipts of the authorised units (or of ``units``),
        announced by serial: one per case, created together."""
        customers = self.env.ref("stock.stock_location_customers")
        warehouses = {}
        vals_list = []
        for case in self:
            if case.company_id not in warehouses:
                warehouses[case.company_id] = case._rma_warehouse()
            warehouse = warehouses[case.company_id]
            expected = case._active_units()
            if units is not None:
                expected &= units
            vals_list.append(
                case._prepare_picking_vals(
                    warehouse.rma_unex_in_type_id,
                    customers,
                    warehouse.rma_location_id,
                    expected,
                )
            )
        # sudo: sales staff authorise; creating the warehouse's transfer is part
        # of that step even without stock rights.
        pickings = self.env["stock.picking"].sudo().create(vals_list)
        pickings.action_confirm()
        pickings._rma_announce_lots()
        return pickings

    def _units_to_ship(self):
        return self._active_units().filtered(lambda u: u._ships_back())

    def _create_return_shipment(self, units=None):
        """The delivery back to the customer of the units to ship (or of
        ``units``): repaired or checked units from the RMA location, new
        replacements from stock."""
        self.ensure_one()
        warehouse = self._rma_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        to_ship = self._units_to_ship().filtered(lambda u: not u.date_shipped)
        units = to_ship if units is None else to_ship & units
        # a replacement the carrier brought back is in the RMA location
        replaced = units.filtered(
            lambda u: u.disposition == "free_replacement" and not u.shipped_lot_id
        )
        pickings = self.env["stock.picking"]
        for source, group in (
            (warehouse.rma_location_id, units - replaced),
            (warehouse.lot_stock_id, replaced),
        ):
            if not group:
                continue
            # sudo: QC engineers finish the case; the warehouse then ships it.
            picking = (
                self.env["stock.picking"]
                .sudo()
                .create(
                    self._prepare_picking_vals(
                        warehouse.rma_unex_out_type_id, source, customers, group
                    )
                )
            )
            picking.action_confirm()
            picking.action_assign()
            picking._rma_announce_lots()
            pickings |= picking
        return pickings

    def _dispose_kept_units(self):
        """Units we keep leave the RMA location (M7): replaced or credited ones
        to refurbishment, scrapped ones to scrap; credited ones also get their
        credit note (P7.5)."""
        self.ensure_one()
        warehouse = self._rma_warehouse()
        kept = self._active_units().filtered(
            lambda u: (
                u.disposition in ("free_replacement", "credit_note", "scrap")
                and u.date_received
                and not u.disposal_move_id
            )
        )
        to_refurbish = kept.filtered(lambda u: u.disposition != "scrap")
        refurbish_location = warehouse.rma_refurbish_location_id
        if to_refurbish:
            # sudo: the decision was taken by staff allowed to; moving stock is
            # its consequence, not a separate warehouse task.
            moves = (
                self.env["stock.move"]
                .sudo()
                .create(
                    [
                        dict(
                            unit._prepare_move_vals(
                                warehouse.rma_location_id, refurbish_location
                            ),
                            picked=True,
                            move_line_ids=[
                                Command.create(
                                    {
                                        "product_id": unit.product_id.id,
                                        "lot_id": (
                                            unit.received_lot_id or unit.lot_id
                                        ).id,
                                        "quantity": 1.0,
                                        "location_id": warehouse.rma_location_id.id,
                                        "location_dest_id": refurbish_location.id,
                                    }
                                )
                            ],
                        )
                        for unit in to_refurbish
                    ]
                )
            )
            moves._action_done()
            for move in moves:
                move.rma_unit_id._rma_service_write({"disposal_move_id": move.id})
        for unit in kept.filtered(lambda u: u.disposition == "scrap"):
            scrap = (
                self.env["stock.scrap"]
                .sudo()
                .create(
                    {
                        "product_id": unit.product_id.id,
                        "lot_id": (unit.received_lot_id or unit.lot_id).id,
                        "scrap_qty": 1.0,
                        "location_id": warehouse.rma_location_id.id,
                        "company_id": self.company_id.id,
                        "origin": self.name,
                    }
                )
            )
            scrap.action_validate()
            unit._rma_service_write({"disposal_move_id": scrap.move_ids[:1].id})
        for unit in kept.filtered(lambda u: u.disposition == "credit_note"):
            unit._rma_service_write({"credit_note_id": unit._create_credit_note().id})

    def _check_can_receive_goods(self):
        """A box is accepted against an authorised, unexpired RMA only (P3.1, M2)."""
        for case in self:
            if case.state != "authorised":
                raise UserError(
                    _(
                        "%(case)s is %(state)s: goods are received against an "
                        "authorised RMA only.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )
            if case.authorisation_expired:
                raise UserError(
                    _(
                        "The authorisation of %(case)s has expired (%(reason)s): "
                        "the sales representative must revalidate it before the "
                        "goods are received.",
                        case=case.display_name,
                        reason=case.authorisation_expiry_reason,
                    )
                )

    def _check_can_send_back_goods(self):
        """A box goes back while the case waits for the goods or has just
        received them; once evaluation started, the units are decided on."""
        for case in self:
            if case.state not in ("authorised", "received"):
                raise UserError(
                    _(
                        "%(case)s is %(state)s: its units stay until they are "
                        "decided on; to send them back as they are, decide "
                        "“Return unrepaired”.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )

    def _check_can_take_back_shipment(self):
        """A return shipment comes back before the case is closed."""
        for case in self:
            if case.state not in ("ready", "shipped"):
                raise UserError(
                    _(
                        "%(case)s is %(state)s: a returned shipment is taken back "
                        "while the case is ready to ship or shipped.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )

    def _register_sent_back(self, picking, moves):
        """A box received by mistake went back: its units are no longer here,
        the case waits for the right goods on a new receipt (P3.4)."""
        units = moves.rma_unit_id
        units._rma_service_write({"date_received": False, "received_lot_id": False})
        for case in self:
            case_units = units.filtered(lambda u, c=case: u.case_id == c)
            if case.state == "received":
                case._apply_system_transition("send_back")
            case._create_receipts(case_units)
            case.message_post(
                body=_(
                    "%(picking)s sent %(units)s back to the customer; a new receipt "
                    "waits for the right goods.",
                    picking=picking._get_html_link(),
                    units=", ".join(case_units.mapped("display_name")),
                )
            )

    def _register_shipment_back(self, picking, moves):
        """The carrier brought a return shipment back: the units are here
        again, ready to ship on a new return shipment (P6.3)."""
        units = moves.rma_unit_id
        units._rma_service_write({"date_shipped": False})
        for case in self:
            case_units = units.filtered(lambda u, c=case: u.case_id == c)
            if case.state == "shipped":
                case._apply_system_transition("shipment_back")
            case._create_return_shipment(case_units)
            case.message_post(
                body=_(
                    "%(picking)s brought %(units)s back: ship them again.",
                    picking=picking._get_html_link(),
                    units=", ".join(case_units.mapped("display_name")),
                )
            )

    def _check_can_ship_units(self, units):
        """Nothing repaired leaves before it has passed QC (P6.1)."""
        not_passed = units.filtered(lambda u: u._needs_qc() and u.qc_result != "pass")
        if not_passed:
            raise UserError(
                _(
                    "%(units)s has not passed QC and cannot be shipped (P6.1).",
                    units=", ".join(not_passed.mapped("display_name")),
                )
            )

    def _register_receipt(self, moves):
        """Record what arrived; the case is received once every unit is in."""
        lots = self.env["stock.picking"]._rma_lot_by_move(moves)
        now = fields.Datetime.now()
        for move in moves:
            move.rma_unit_id._rma_service_write(
                {"date_received": now, "received_lot_id": lots[move.id].id}
            )
        for case in self:
            mismatched = moves.rma_unit_id.filtered(
                lambda u, c=case: u.case_id == c and u.receipt_mismatch
            )
            for unit in mismatched:
                case.message_post(
                    body=_(
                        "Receipt mismatch on %(unit)s: %(mismatch)s",
                        unit=unit.display_name,
                        mismatch=unit.receipt_mismatch,
                    ),
                )
            if case.receipt_state == "done":
                case.action_receive()

    def _register_return_shipment(self, moves):
        lots = self.env["stock.picking"]._rma_lot_by_move(moves)
        now = fields.Datetime.now()
        for move in moves:
            unit = move.rma_unit_id
            vals = {"date_shipped": now, "shipped_lot_id": lots[move.id].id}
            if unit.disposition == "free_replacement":
                vals["replacement_lot_id"] = lots[move.id].id
            unit._rma_service_write(vals)
        for case in self.filtered(lambda c: c.state == "ready"):
            if not case._units_to_ship().filtered(lambda u: not u.date_shipped):
                case.action_ship()
                case._send_repair_summary()

    def action_receive_as_announced(self):
        """Validate the open receipts with the announced serials, for boxes
        whose content matches the RMA (the warehouse checked it)."""
        return self._validate_open_pickings("incoming")

    def action_ship_as_announced(self):
        """Validate the open return shipments as prepared."""
        return self._validate_open_pickings("outgoing")

    def _validate_open_pickings(self, code):
        self._check_rma_groups((GROUP_STOCK,), _("Validate RMA transfers"))
        pickings = self.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == code
                and p.state not in ("done", "cancel")
                and not p.picking_type_id.rma_unex_return_of
            )
        )
        if not pickings:
            raise UserError(_("There is no open transfer to validate."))
        pickings.move_ids.picked = True
        pickings.with_context(skip_backorder=True).button_validate()
        return True

    def action_view_receipts(self):
        return self._action_view_pickings("incoming", _("RMA Receipts"))

    def action_view_returns(self):
        return self._action_view_pickings("outgoing", _("RMA Returns"))

    def _action_view_pickings(self, code, title):
        self.ensure_one()
        pickings = self.picking_ids.filtered(lambda p: p.picking_type_code == code)
        action = pickings._get_records_action(name=title)
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Quotations, repairs and invoices (P4.4, P4.5, P5.3, P6)
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
        # on the portal at once: the customer's quotations list it, the contact
        # follows it (as a quotation sent by e-mail would be)
        order.action_quotation_sent()
        order.message_subscribe(partner_ids=(self.contact_id or self.partner_id).ids)
        self.message_post(
            body=_(
                "Quotation %(order)s issued, valid until %(date)s.",
                order=order._get_html_link(),
                date=order.validity_date,
            )
        )
        return order

    def _create_fee_order(self):
        """NTF inspection fees and return shipping without a quotation: the
        customer agreed to such charges before authorisation (P2.4, P5.3)."""
        self.ensure_one()
        lines = self._chargeable_lines(self._active_units())
        if not lines or self._current_quotation().state == "sale":
            return self.env["sale.order"]  # nothing to charge, or already quoted
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

    def _on_quotation_confirmed(self, order):
        """Called when the case's quotation is confirmed, by staff or on the portal."""
        for case in self.filtered(lambda c: c.state == "quoted"):
            if order == case._current_quotation():
                case._apply_system_transition("approve")

    def _on_quotation_lapsed(self, order, reason):
        """A declined or expired quotation sends the case back to evaluation,
        where sales decides anew (revised quote, return unrepaired, scrap)."""
        for case in self.filtered(lambda c: c.state == "quoted"):
            if order != case._current_quotation():
                continue
            order.sudo().rma_lapsed_on = fields.Date.context_today(self)
            case._apply_system_transition("quotation_lapsed")
            case.message_post(body=reason)
            if case.user_id:
                case.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=case.user_id.id,
                    summary=_("Quotation %(order)s lapsed", order=order.name),
                    note=reason,
                )

    # ------------------------------------------------------------------
    # Advance replacement (M6)
    # ------------------------------------------------------------------

    def _outstanding_advance_units(self, partner):
        """Advance replacements shipped to ``partner`` whose faulty unit is not back."""
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
        """Ship replacements before the faulty units arrive, for customers the
        RMA Manager allows, up to the company's cap of outstanding ones (M6)."""
        self._check_rma_groups((GROUP_SALES,), _("Ship an advance replacement"))
        for case in self:
            partner = case.partner_id.commercial_partner_id
            if case.state != "authorised":
                raise UserError(
                    _(
                        "Advance replacements ship once the RMA is authorised and "
                        "before the goods arrive; %(case)s is %(state)s.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )
            if not partner.sudo().rma_advance_replacement:
                raise UserError(
                    _(
                        "%(partner)s is not allowed advance replacements: the RMA "
                        "Manager can allow them on the customer.",
                        partner=partner.name,
                    )
                )
            units = case._active_units().filtered(
                lambda u: not u.date_received and not u.advance_shipped_date
            )
            if not units:
                raise UserError(
                    _(
                        "No unit of %(case)s is waiting for a replacement.",
                        case=case.display_name,
                    )
                )
            outstanding = len(self._outstanding_advance_units(partner))
            cap = case.company_id.rma_advance_cap
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
            warehouse = case._rma_warehouse()
            customers = self.env.ref("stock.stock_location_customers")
            # sudo: sales decides; the warehouse ships what it is told to.
            picking = (
                self.env["stock.picking"]
                .sudo()
                .create(
                    dict(
                        case._prepare_picking_vals(
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
            case.message_post(
                body=_(
                    "Advance replacement %(picking)s prepared.",
                    picking=picking._get_html_link(),
                )
            )
        return True

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
        """Remind customers of faulty units still out (weekly), and invoice
        those not back by their due date at list price (M6)."""
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        units = self.env["rma.unex.unit"].search(
            [
                ("advance_shipped_date", "!=", False),
                ("date_received", "=", False),
                ("advance_order_id", "=", False),
            ]
        )
        for unit in units:
            case = unit.case_id
            customer_env = case._customer_env()
            if unit.advance_due_date < today:
                order = (
                    self.env["sale.order"]
                    .sudo()
                    .create(
                        case._prepare_sale_order_vals(
                            [
                                (
                                    unit.product_id,
                                    customer_env._(
                                        "not returned after advance replacement"
                                    ),
                                )
                            ],
                            validity=False,
                        )
                    )
                )
                order.order_line._compute_price_unit()
                order.action_confirm()
                unit._rma_service_write({"advance_order_id": order.id})
                case.message_post(
                    body=customer_env._(
                        "%(unit)s was not returned by %(date)s: invoiced at list "
                        "price on %(order)s.",
                        unit=unit.with_env(customer_env).display_name,
                        date=unit.advance_due_date,
                        order=order.name,
                    ),
                    subtype_xmlid="mail.mt_comment",
                    message_type="comment",
                )
            elif not unit.advance_reminder_date or (
                unit.advance_reminder_date + relativedelta(days=7) <= now
            ):
                unit._rma_service_write({"advance_reminder_date": now})
                case.message_post(
                    body=customer_env._(
                        "Reminder: please send back the faulty %(unit)s for RMA "
                        "%(rma)s by %(date)s; it is invoiced at list price "
                        "otherwise.",
                        unit=unit.with_env(customer_env).display_name,
                        rma=case.name,
                        date=unit.advance_due_date,
                    ),
                    subtype_xmlid="mail.mt_comment",
                    message_type="comment",
                )
                if case.user_id:
                    case.activity_schedule(
                        "mail.mail_activity_data_todo",
                        user_id=case.user_id.id,
                        summary=_("Faulty unit outstanding after advance replacement"),
                    )

    @api.model
    def _cron_custody_limit(self):
        """M5: no unit waits in the workshop forever. A quotation declined or
        expired more than the custody limit ago, with no new decision since,
        sends its paid-repair units back unrepaired or to scrap."""
        today = fields.Date.context_today(self)
        for case in self.search([("state", "=", "evaluation")]):
            order = case._current_quotation()
            limit = case.company_id.rma_custody_days
            if (
                not order.rma_lapsed_on
                or order.rma_lapsed_on + relativedelta(days=limit) > today
            ):
                continue
            units = case._active_units().filtered(
                lambda u: u.disposition == "paid_repair"
            )
            if not units:
                continue
            disposition = (
                "scrap" if case.custody_choice == "scrap" else "return_unrepaired"
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
            case._apply_system_transition("release")
            case._dispose_kept_units()
            case._create_return_shipment()
            customer_env = case._customer_env()
            case.message_post(
                body=customer_env._(
                    "Quotation %(order)s was not approved within %(days)s days: as you "
                    "chose, the units are %(outcome)s.",
                    order=order.name,
                    days=limit,
                    outcome=customer_env._("scrapped")
                    if disposition == "scrap"
                    else customer_env._("returned unrepaired"),
                ),
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )

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
                case._apply_system_transition("start_qc")
                case._reset_qc_results()

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

    def _send_repair_summary(self):
        """The summary of replaced components and fixed issues (P6.2)."""
        template = self.env.ref("rma_unex.mail_template_rma_repair_summary")
        for case in self:
            case.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    # ------------------------------------------------------------------
    # Authorisation validity (M2) and the customer's instructions (P3.2)
    # ------------------------------------------------------------------

    def _send_authorisation(self):
        template = self.env.ref("rma_unex.mail_template_rma_authorised")
        for case in self:
            if case.contact_id or case.partner_id.email:
                case.message_subscribe(
                    partner_ids=(case.contact_id or case.partner_id).ids
                )
        # One composer in batch comment mode renders the template for all the
        # cases at once (per language) and posts on each; message_post_with_source
        # would create and compute one composer per case.
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=self.ids,
            )
            .create(
                {
                    "template_id": template.id,
                    "message_type": "comment",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                }
            )
        )
        composer._action_send_mail()

    @api.model
    def _cron_authorisation_validity(self):
        """Remind, then expire, authorisations whose goods never arrived (M2)."""
        now = fields.Datetime.now()
        waiting = self.search(
            [
                ("state", "=", "authorised"),
                ("receipt_state", "=", "none"),
                ("authorisation_expired", "=", False),
            ]
        )
        template = self.env.ref("rma_unex.mail_template_rma_authorisation_reminder")
        for case in waiting:
            company = case.company_id
            due = case.date_authorised + relativedelta(
                days=company.rma_authorisation_days
            )
            if not case.authorisation_reminder_date and now >= due:
                case._rma_service_write({"authorisation_reminder_date": now})
                case.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
                if case.user_id:
                    case.activity_schedule(
                        "mail.mail_activity_data_todo",
                        user_id=case.user_id.id,
                        summary=_("RMA goods not received"),
                    )
            elif case.authorisation_reminder_date and now >= (
                case.authorisation_reminder_date
                + relativedelta(days=company.rma_authorisation_grace_days)
            ):
                reason = _(
                    "no goods received within %(days)s days of authorisation",
                    days=company.rma_authorisation_days
                    + company.rma_authorisation_grace_days,
                )
                case._rma_service_write(
                    {
                        "authorisation_expired": True,
                        "authorisation_expiry_reason": reason,
                    }
                )
                case.message_post(
                    body=_("Authorisation expired: %(reason)s.", reason=reason)
                )

    def action_revalidate_authorisation(self):
        """Sales gives the customer a new period to send the goods (M2)."""
        self._check_rma_groups((GROUP_SALES,), _("Revalidate an authorisation"))
        for case in self:
            if case.state != "authorised":
                raise UserError(
                    _(
                        "Only an authorisation still waiting for goods can be "
                        "revalidated."
                    )
                )
        self._rma_service_write(
            {
                "date_authorised": fields.Datetime.now(),
                "authorisation_reminder_date": False,
                "authorisation_expired": False,
                "authorisation_expiry_reason": False,
            }
        )
        for case in self:
            case.message_post(
                body=_(
                    "Authorisation revalidated until %(date)s.",
                    date=case.authorisation_valid_until,
                )
            )
        return True

    # ------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------

    def action_view_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }

    def _notify_escalation(self):
        """Hand a new case to the customer's sales representative (P2.3)."""
        for case in self:
            if case.user_id:
                case.message_subscribe(partner_ids=case.user_id.partner_id.ids)
                case.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=case.user_id.id,
                    summary=_("Review RMA application"),
                    note=_(
                        "Check the units and the preliminary warranty look, then "
                        "authorise or reject."
                    ),
                )
            if case.ticket_id:
                case.message_post(
                    body=Markup(_("Escalated from support request %s."))
                    % case.ticket_id._get_html_link(),
                )

    def _check_units_editable(self):
        for case in self:
            if case.state != "sales_review":
                raise UserError(
                    _(
                        "Units of %(case)s can only be added, changed or removed "
                        "during sales review; it is %(state)s.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )

    def _customer_env(self):
        """The environment in the customer's language, for what they read."""
        self.ensure_one()
        return self.with_context(lang=(self.contact_id or self.partner_id).lang).env

    def _notify_unit_rejection(self, units):
        """Tell the customer which units were refused and why (M14)."""
        self.ensure_one()
        customer_env = self._customer_env()
        units = units.with_env(customer_env)
        lines = Markup("").join(
            Markup("<li>%s: %s%s</li>")
            % (
                unit.display_name,
                unit.reject_reason_id.name,
                Markup(" (%s)") % unit.reject_note if unit.reject_note else "",
            )
            for unit in units
        )
        self.message_post(
            body=Markup("<p>%s</p><ul>%s</ul>")
            % (customer_env._("These units cannot be accepted for return:"), lines),
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )
