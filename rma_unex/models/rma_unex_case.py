import uuid

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_constants import STAFF, STATES


class RmaUnexCase(models.Model):
    """An RMA case: one customer's return of one or more units (P2.3 → P6.3).

    The model is spread over files by concern, as Odoo's own large models
    are: this file holds its identity, links and generic computes;
    rma_unex_case_lifecycle.py the transition table and every step with its
    guard and follow-up; rma_unex_case_authorisation.py the sales review, RMA
    numbers and the authorisation's validity; rma_unex_case_logistics.py
    receipts, return shipments and the units we keep;
    rma_unex_case_commercial.py quotations, fee orders, repairs and
    invoices; rma_unex_case_advance.py advance replacements.
    """

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
    name = fields.Char(
        string="RMA Number",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Issued from the RMA sequence when the case is authorised (P3.1).",
        rma_protected=True,
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
        rma_protected=True,
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
        rma_protected=True,
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
    has_repeat_return = fields.Boolean(
        compute="_compute_has_repeat_return", store=True, string="Repeat Return"
    )
    has_serial_mismatch = fields.Boolean(
        compute="_compute_has_serial_mismatch",
        store=True,
        string="Serial of Another Customer",
        groups=STAFF,
    )
    sample_count = fields.Integer(
        string="Samples at a Lab",
        compute="_compute_sample_count",
        help="Units whose sample is being tested by a lab (P7.4).",
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

    @api.depends("unit_ids.sample_test_ids.state")
    def _compute_sample_count(self):
        for case in self:
            # sudo: a counter on the form of warehouse and accounting users too
            tests = case.sudo().unit_ids.sample_test_ids
            case.sample_count = len(tests.filtered(lambda t: t.state == "at_lab"))

    def action_view_sample_tests(self):
        return self.unit_ids.sample_test_ids._get_records_action(name=_("Sample Tests"))

    @api.model
    def _group_expand_state(self, states, domain):
        return [key for key, _label in STATES]

    def _active_units(self):
        """Units still part of the return (not refused at sales review)."""
        return self.unit_ids.filtered(lambda u: not u.is_rejected)

    # ------------------------------------------------------------------
    # CRUD and the customer's side
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # the portal's link is made with the case: a page view writes nothing
            vals.setdefault("access_token", str(uuid.uuid4()))
        # The creation message says who opened the case and when (X1); the
        # initial values of its tracked fields (customer, representative) are
        # not logged once more, in one message per case.
        cases = (
            super(RmaUnexCase, self.with_context(mail_notrack=True))
            .create(vals_list)
            .with_env(self.env)
        )
        # P7.3: the RMA application starts the same 24-hour clock as a TSR.
        for applied, group in cases.grouped("date_applied").items():
            group._start_response_clock(applied)
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
        from the state log (codes, so in the reader's language); for the
        customer's status page."""
        self.ensure_one()
        # sudo: the log is internal; only states and dates leave
        logs = self.env["rma.unex.state.log"].sudo()._of(self)
        steps = [(self._state_label("sales_review"), self.date_applied)]
        if logs:
            return steps + [(self._state_label(log.state_to), log.date) for log in logs]
        # No log (records loaded as data): the dates the case keeps.
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

    def _post_to_customer(self, body):
        """A message the customer's contact receives, written in their
        language by the caller (see _customer_env)."""
        self.ensure_one()
        return self.message_post(
            body=body, subtype_xmlid="mail.mt_comment", message_type="comment"
        )

    def _customer_env(self):
        """The environment in the customer's language, for what they read."""
        self.ensure_one()
        return self.with_context(lang=(self.contact_id or self.partner_id).lang).env

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
        self._post_to_customer(
            Markup("<p>%s</p><ul>%s</ul>")
            % (customer_env._("These units cannot be accepted for return:"), lines)
        )

    def action_view_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }

    def _open_wizard(self, model, title):
        self.ensure_one()
        return self._rma_wizard_action(model, title, {"default_case_id": self.id})
