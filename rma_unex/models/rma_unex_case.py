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
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name", "ticket_id.number"]

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
        "start_repair": (("evaluation", "approved"), "repair", (GROUP_QUALITY,)),
        "start_qc": (("repair",), "qc", (GROUP_QUALITY,)),
        "pass_qc": (("qc",), "ready", (GROUP_QUALITY,)),
        "fail_qc": (("qc",), "repair", (GROUP_QUALITY,)),
        "ship": (("ready",), "shipped", (GROUP_USER, GROUP_STOCK)),
        "close": (("shipped",), "closed", (GROUP_SALES,)),
        "suspend": (SUSPENDABLE_STATES, "suspended", (GROUP_SALES, GROUP_QUALITY)),
        "resume": (("suspended",), None, (GROUP_SALES, GROUP_QUALITY)),
        "cancel": (("sales_review", "authorised", "suspended"), "cancelled",
                   (GROUP_SALES,)),
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
        "stock.picking", "rma_case_id", string="Transfers",
        groups="rma_unex.rma_unex_group_user,stock.group_stock_user",
    )
    receipt_count = fields.Integer(compute="_compute_picking_counts")
    return_count = fields.Integer(compute="_compute_picking_counts")
    receipt_state = fields.Selection(
        [("none", "Nothing received"), ("partial", "Partially received"),
         ("done", "All received")],
        compute="_compute_receipt_state",
        store=True,
    )
    has_receipt_mismatch = fields.Boolean(compute="_compute_receipt_state", store=True)
    has_repeat_return = fields.Boolean(
        compute="_compute_has_repeat_return", store=True, string="Repeat Return"
    )
    # Freight (P3.3, M1, P7.5): who pays each way, stored for invoicing.
    is_recall = fields.Boolean(
        string="Recall",
        help="Confirmed-defective goods recalled by us: we pay freight both ways (P7.5).",
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
        "res.partner", string="Charges Agreed By", readonly=True, copy=False,
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
    needs_charge_agreement = fields.Boolean(compute="_compute_needs_charge_agreement")
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
                case.date_authorised.date()
                + relativedelta(days=case.company_id.rma_authorisation_days)
            )

    @api.depends("picking_ids.picking_type_code")
    def _compute_picking_counts(self):
        for case in self:
            codes = case.picking_ids.mapped("picking_type_code")
            case.receipt_count = codes.count("incoming")
            case.return_count = codes.count("outgoing")

    @api.depends("unit_ids.date_received", "unit_ids.is_rejected",
                 "unit_ids.receipt_mismatch")
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

    @api.depends("unit_ids.warranty_status", "unit_ids.is_rejected", "charges_agreed")
    def _compute_needs_charge_agreement(self):
        for case in self:
            case.needs_charge_agreement = (
                not case.charges_agreed and bool(case._units_needing_agreement())
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
                        allowed=_(" or ").join(
                            case._state_label(s) for s in sources
                        ),
                    )
                )
        guard = getattr(self, f"_check_can_{transition}", None)
        if guard:
            guard()

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

    def _transition_label(self, transition):
        return {
            "authorise": _("Authorise"),
            "receive": _("Receive"),
            "start_evaluation": _("Start evaluation"),
            "send_quotation": _("Send quotation"),
            "approve": _("Record approval"),
            "start_repair": _("Start repair"),
            "start_qc": _("Send to QC"),
            "pass_qc": _("Pass QC"),
            "fail_qc": _("Fail QC"),
            "ship": _("Ship"),
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
        """Sales review passed (P3.1): issue the RMA number, start the wait for goods."""
        self._check_transition("authorise")
        for case in self:
            number = (
                self.env["ir.sequence"]
                .with_company(case.company_id)
                .next_by_code("rma.unex.case")
            )
            if not number:
                raise UserError(_("The RMA number sequence is missing."))
            case._write_transition(
                "authorise",
                {"name": number, "date_authorised": fields.Datetime.now()},
            )
            case._create_receipt()
        self._record_first_response()
        self._send_authorisation()
        return True

    def action_receive(self):
        return self._apply_transition("receive")

    def action_start_evaluation(self):
        return self._apply_transition("start_evaluation")

    def action_send_quotation(self):
        return self._apply_transition("send_quotation")

    def action_approve(self):
        return self._apply_transition("approve")

    def action_start_repair(self):
        return self._apply_transition("start_repair")

    def action_start_qc(self):
        self._apply_transition("start_qc")
        self._reset_qc_results()
        return True

    def action_pass_qc(self):
        """Units still without a result pass with the case (P6.1); then the
        return shipment is prepared."""
        self._check_transition("pass_qc")
        pending = self._active_units().filtered(lambda u: not u.qc_result)
        if pending:
            pending._set_qc_result("pass")
        self._write_transition("pass_qc")
        for case in self:
            case._create_return_shipment()
        return True

    def action_fail_qc(self):
        self._apply_transition("fail_qc")
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
            if case._active_units().filtered(lambda u: not u.date_shipped):
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
                _("%(company)s has no warehouse to receive RMA units.",
                  company=self.company_id.name)
            )
        if not (warehouse.rma_location_id and warehouse.rma_in_type_id
                and warehouse.rma_out_type_id):
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

    def _create_receipt(self):
        """The inbound receipt of the authorised units, announced by serial."""
        self.ensure_one()
        warehouse = self._rma_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        # sudo: sales staff authorise; creating the warehouse's transfer is part
        # of that step even without stock rights.
        picking = self.env["stock.picking"].sudo().create(
            self._prepare_picking_vals(
                warehouse.rma_in_type_id, customers, warehouse.rma_location_id,
                self._active_units(),
            )
        )
        picking.action_confirm()
        picking._rma_announce_lots()
        return picking

    def _create_return_shipment(self):
        """The delivery back to the customer of the units that passed QC."""
        self.ensure_one()
        warehouse = self._rma_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        units = self._active_units().filtered(lambda u: not u.date_shipped)
        if not units:
            return self.env["stock.picking"]
        # sudo: QC engineers finish the case; the warehouse then ships it.
        picking = self.env["stock.picking"].sudo().create(
            self._prepare_picking_vals(
                warehouse.rma_out_type_id, warehouse.rma_location_id, customers, units
            )
        )
        picking.action_confirm()
        picking.action_assign()
        picking._rma_announce_lots()
        return picking

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

    def _check_can_ship_units(self, units):
        """Nothing leaves before it has passed QC (P6.1)."""
        not_passed = units.filtered(lambda u: u.qc_result != "pass")
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
                    body=_("Receipt mismatch on %(unit)s: %(mismatch)s",
                           unit=unit.display_name, mismatch=unit.receipt_mismatch),
                )
            if case.receipt_state == "done":
                case.action_receive()

    def _register_return_shipment(self, moves):
        lots = self.env["stock.picking"]._rma_lot_by_move(moves)
        now = fields.Datetime.now()
        for move in moves:
            move.rma_unit_id._rma_service_write(
                {"date_shipped": now, "shipped_lot_id": lots[move.id].id}
            )
        for case in self:
            if not case._active_units().filtered(lambda u: not u.date_shipped):
                case.action_ship()

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
            lambda p: p.picking_type_code == code and p.state not in ("done", "cancel")
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
    # Authorisation validity (M2) and the customer's instructions (P3.2)
    # ------------------------------------------------------------------

    def _send_authorisation(self):
        template = self.env.ref("rma_unex.mail_template_rma_authorised")
        for case in self:
            if case.contact_id or case.partner_id.email:
                case.message_subscribe(
                    partner_ids=(case.contact_id or case.partner_id).ids
                )
            case.message_post_with_source(
                template, subtype_xmlid="mail.mt_comment"
            )

    @api.model
    def _cron_authorisation_validity(self):
        """Remind, then expire, authorisations whose goods never arrived (M2)."""
        now = fields.Datetime.now()
        waiting = self.search(
            [("state", "=", "authorised"), ("receipt_state", "=", "none"),
             ("authorisation_expired", "=", False)]
        )
        template = self.env.ref("rma_unex.mail_template_rma_authorisation_reminder")
        for case in waiting:
            company = case.company_id
            due = case.date_authorised + relativedelta(days=company.rma_authorisation_days)
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
                    {"authorisation_expired": True, "authorisation_expiry_reason": reason}
                )
                case.message_post(body=_("Authorisation expired: %(reason)s.", reason=reason))

    def action_revalidate_authorisation(self):
        """Sales gives the customer a new period to send the goods (M2)."""
        self._check_rma_groups((GROUP_SALES,), _("Revalidate an authorisation"))
        for case in self:
            if case.state != "authorised":
                raise UserError(
                    _("Only an authorisation still waiting for goods can be revalidated.")
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
                body=_("Authorisation revalidated until %(date)s.",
                       date=case.authorisation_valid_until)
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

    def _notify_unit_rejection(self, units):
        """Tell the customer which units were refused and why (M14)."""
        self.ensure_one()
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
            % (_("These units cannot be accepted for return:"), lines),
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )
