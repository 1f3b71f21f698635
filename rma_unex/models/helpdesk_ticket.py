from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_USER, TSR_STATES, Transition

_lt = LazyTranslate(__name__)


class HelpdeskTicket(models.Model):
    """A helpdesk ticket as a Technical Support Request (P1, P2).

    A ticket is a TSR once submitted with the device identity, the software
    context and the customer's acceptance of the data disclaimer. The FAE then
    resolves it remotely or escalates it to an RMA case. The portal's form is
    in helpdesk_ticket_portal.py.
    """

    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "rma.unex.response.mixin"]
    _rma_state_field = "tsr_state"

    _TRANSITIONS = {
        "submit_tsr": Transition(("draft",), "submitted", (GROUP_USER,), _lt("Submit")),
        "resolve_remotely": Transition(
            ("submitted",), "resolved_remotely", (GROUP_USER,), _lt("Resolve remotely")
        ),
        "escalate": Transition(
            ("submitted",), "escalated", (GROUP_USER,), _lt("Escalate")
        ),
    }

    tsr_state = fields.Selection(
        TSR_STATES,
        string="TSR Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        rma_protected=True,
    )
    tsr_submitted_date = fields.Datetime(
        string="Submitted On", readonly=True, copy=False, rma_protected=True
    )
    device_ids = fields.One2many(
        "rma.unex.ticket.device",
        "ticket_id",
        string="Devices",
        copy=True,
        help="The failing devices of this request; escalation makes one RMA "
        "unit of each.",
    )
    device_count = fields.Integer(compute="_compute_device_count", string="Devices")
    rma_product_id = fields.Many2one(
        "product.product",
        string="Product Model",
        compute="_compute_rma_product_id",
        search="_search_rma_product_id",
        help="The product of the request's first device.",
    )
    steps_to_reproduce = fields.Text()
    disclaimer_accepted = fields.Boolean(
        string="Data Disclaimer Accepted",
        compute="_compute_disclaimer_accepted",
        inverse="_inverse_disclaimer_accepted",
        help="The customer backs up their data and configuration; we are not "
        "liable for data loss during service (P1.3).",
    )
    disclaimer_partner_id = fields.Many2one(
        "res.partner",
        string="Disclaimer Accepted By",
        readonly=True,
        copy=False,
        rma_protected=True,
    )
    disclaimer_date = fields.Datetime(
        string="Disclaimer Accepted On", readonly=True, copy=False, rma_protected=True
    )
    remote_fix_type = fields.Selection(
        [
            ("software_update", "Software / firmware update"),
            ("configuration_change", "Configuration change"),
        ],
        string="Remote Fix",
        copy=False,
        tracking=True,
    )
    remote_fix_note = fields.Text(string="Fix Details", copy=False)
    bulletin_ids = fields.Many2many(
        "rma.unex.service.bulletin",
        string="Service Bulletins",
        compute="_compute_bulletin_ids",
        help="Known issues of this product and firmware (M12).",
    )
    sales_document_ref = fields.Char(
        string="Sales Invoice / Packing List",
        help="The distributor's sales invoice or packing list number, to trace "
        "the goods in the quality records (P7.2).",
    )
    rma_case_ids = fields.One2many("rma.unex.case", "ticket_id", string="RMA Cases")
    rma_case_count = fields.Integer(compute="_compute_rma_case_count")

    @api.depends("disclaimer_date")
    def _compute_disclaimer_accepted(self):
        for ticket in self:
            ticket.disclaimer_accepted = bool(ticket.disclaimer_date)

    def _inverse_disclaimer_accepted(self):
        for ticket in self:
            if ticket.disclaimer_accepted:
                ticket._accept_disclaimer(ticket.partner_id)
            elif ticket.disclaimer_date:
                if ticket.tsr_state != "draft":
                    raise UserError(
                        _("The disclaimer of a submitted request cannot be withdrawn.")
                    )
                ticket._rma_service_write(
                    {"disclaimer_date": False, "disclaimer_partner_id": False}
                )

    @api.depends("device_ids.product_id", "device_ids.firmware_version")
    def _compute_bulletin_ids(self):
        Bulletin = self.env["rma.unex.service.bulletin"]
        for ticket in self:
            bulletins = Bulletin
            for line in ticket.device_ids.filtered("product_id"):
                bulletins |= Bulletin._matching(line.product_id, line.firmware_version)
            ticket.bulletin_ids = bulletins

    @api.depends("device_ids")
    def _compute_device_count(self):
        for ticket in self:
            ticket.device_count = len(ticket.device_ids)

    @api.depends("device_ids.product_id")
    def _compute_rma_product_id(self):
        for ticket in self:
            ticket.rma_product_id = ticket.device_ids[:1].product_id

    def _search_rma_product_id(self, operator, value):
        return [("device_ids.product_id", operator, value)]

    @api.depends("rma_case_ids")
    def _compute_rma_case_count(self):
        for ticket in self:
            ticket.rma_case_count = len(ticket.rma_case_ids)

    def _check_devices_editable(self):
        """Devices change until the request is escalated or resolved."""
        for ticket in self.filtered(
            lambda t: t.tsr_state not in ("draft", "submitted")
        ):
            raise UserError(
                _(
                    "The devices of %(ticket)s cannot change: it is %(state)s.",
                    ticket=ticket.display_name,
                    state=dict(TSR_STATES)[ticket.tsr_state],
                )
            )

    def _message_post_after_hook(self, message, msg_vals):
        if self.tsr_state != "draft":
            self._record_first_response_from_message(message)
        return super()._message_post_after_hook(message, msg_vals)

    def _accept_disclaimer(self, partner):
        """Record who accepted the data disclaimer, and when (P1.3)."""
        if not partner:
            raise UserError(
                _("Set the customer contact who accepts the data disclaimer first.")
            )
        self.filtered(lambda t: not t.disclaimer_date)._rma_service_write(
            {
                "disclaimer_partner_id": partner.id,
                "disclaimer_date": fields.Datetime.now(),
            }
        )

    def _tsr_missing_fields(self):
        """Labels of the P1.2 fields this request still lacks."""
        self.ensure_one()
        missing = []
        if not self.partner_id:
            missing.append(_("customer contact"))
        if not self.device_ids:
            missing.append(_("a device (product model, MAC or serial, versions)"))
        for index, line in enumerate(self.device_ids, start=1):
            lacks = line._missing_fields()
            if lacks:
                missing.append(
                    _("device %(n)s: %(lacks)s", n=index, lacks=", ".join(lacks))
                )
        if not (self.steps_to_reproduce or "").strip():
            missing.append(_("steps to reproduce"))
        return missing

    def _tsr_symptom_text(self):
        """The request's own description of the issue, for a unit without one."""
        self.ensure_one()
        return (self.steps_to_reproduce or "").strip() or html2plaintext(
            self.description or ""
        )

    def _check_tsr_complete(self, action):
        """Refuse ``action`` on a request without what P1.2 and P1.3 need."""
        for ticket in self:
            missing = ticket._tsr_missing_fields()
            if missing:
                raise UserError(
                    _(
                        "%(ticket)s cannot be %(action)s yet; it lacks: %(fields)s.",
                        ticket=ticket.display_name,
                        action=action,
                        fields=", ".join(missing),
                    )
                )
            if not ticket.disclaimer_date:
                raise UserError(
                    _(
                        "%(ticket)s cannot be %(action)s before the customer accepts "
                        "the data disclaimer (P1.3).",
                        ticket=ticket.display_name,
                        action=action,
                    )
                )

    # ------------------------------------------------------------------
    # Lifecycle (P1.5, P2.2, P2.3)
    # ------------------------------------------------------------------

    def action_submit_tsr(self):
        """Submit the request: checks P1.2 and P1.3, starts the 24 h clock (P1.5)."""
        return self._apply_transition(
            "submit_tsr", {"tsr_submitted_date": fields.Datetime.now()}
        )

    def _check_can_submit_tsr(self):
        self._check_tsr_complete(_("submitted"))

    def _after_submit_tsr(self):
        for ticket in self:
            ticket._start_response_clock(ticket.tsr_submitted_date)

    def action_resolve_remotely(self):
        """The FAE fixed it remotely (P2.2): close the ticket, no RMA."""
        return self._apply_transition("resolve_remotely")

    def _check_can_resolve_remotely(self):
        for ticket in self.filtered(lambda t: not t.remote_fix_type):
            raise UserError(
                _(
                    "Record how %(ticket)s was fixed (software update or "
                    "configuration change) before resolving it remotely.",
                    ticket=ticket.display_name,
                )
            )

    def _after_resolve_remotely(self):
        self._record_first_response()
        for ticket in self:
            stage = ticket._closed_stage()
            if stage:
                ticket.stage_id = stage

    def action_escalate(self):
        """Hardware failure suspected (P2.3): open the RMA case for sales review."""
        self._apply_transition("escalate")
        cases = self.rma_case_ids
        return cases._get_records_action() if len(cases) == 1 else True

    def _check_can_escalate(self):
        if self.filtered(lambda t: not t.partner_id):
            raise UserError(_("Set the customer before escalating to an RMA."))
        self._check_tsr_complete(_("escalated"))

    def _after_escalate(self):
        cases = self.env["rma.unex.case"].create(
            [ticket._prepare_rma_case_vals() for ticket in self]
        )
        self._record_first_response()
        for ticket, case in zip(self, cases, strict=True):
            for line, unit in zip(ticket.device_ids, case.unit_ids, strict=True):
                line.unit_id = unit
            case._notify_escalation()
            ticket.message_post(
                body=Markup(_("Escalated to RMA case %s for sales review."))
                % case._get_html_link(title=_("(awaiting RMA number)")),
            )

    def _prepare_rma_case_vals(self):
        """Values of the RMA case an escalation creates; extension hook."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.commercial_partner_id.id,
            "contact_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "ticket_id": self.id,
            "description": self.description,
            "unit_ids": [
                fields.Command.create(line._prepare_rma_unit_vals())
                for line in self.device_ids
            ],
        }

    def _closed_stage(self):
        self.ensure_one()
        stages = self.env["helpdesk.ticket.stage"].search(
            [
                ("closed", "=", True),
                "|",
                ("team_ids", "=", False),
                ("team_ids", "in", self.team_id.ids),
            ],
            order="sequence, id",
        )
        return stages[:1]

    def action_view_rma_cases(self):
        self.ensure_one()
        return self.rma_case_ids._get_records_action(name=_("RMA Cases"))
