from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext, plaintext2html

from .rma_unex_case import GROUP_USER
from .rma_unex_mac_mixin import normalize_mac

TSR_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("resolved_remotely", "Resolved Remotely"),
    ("escalated", "Escalated to RMA"),
]


class HelpdeskTicket(models.Model):
    """A helpdesk ticket as a Technical Support Request (P1, P2).

    A ticket is a TSR once submitted with the device identity, the software
    context and the customer's acceptance of the data disclaimer. The FAE then
    resolves it remotely or escalates it to an RMA case.
    """

    _name = "helpdesk.ticket"
    _inherit = [
        "helpdesk.ticket",
        "rma.unex.mac.mixin",
        "rma.unex.response.mixin",
    ]
    _rma_state_field = "tsr_state"
    _rma_protected_fields = frozenset(
        {
            "tsr_state",
            "tsr_submitted_date",
            "disclaimer_partner_id",
            "disclaimer_date",
            "response_deadline",
            "first_response_date",
            "response_result",
            "response_warning_sent",
        }
    )

    tsr_state = fields.Selection(
        TSR_STATES,
        string="TSR Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    tsr_submitted_date = fields.Datetime(
        string="Submitted On", readonly=True, copy=False
    )
    rma_product_id = fields.Many2one(
        "product.product",
        string="Product Model",
        index="btree_not_null",
        domain="[('type', '=', 'consu')]",
        tracking=True,
    )
    rma_lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index="btree_not_null",
        domain="[('product_id', '=', rma_product_id)]",
    )
    firmware_version = fields.Char()
    sdk_version = fields.Char(string="SDK Version")
    driver_version = fields.Char()
    steps_to_reproduce = fields.Text()
    disclaimer_accepted = fields.Boolean(
        string="Data Disclaimer Accepted",
        compute="_compute_disclaimer_accepted",
        inverse="_inverse_disclaimer_accepted",
        help="The customer backs up their data and configuration; we are not "
        "liable for data loss during service (P1.3).",
    )
    disclaimer_partner_id = fields.Many2one(
        "res.partner", string="Disclaimer Accepted By", readonly=True, copy=False
    )
    disclaimer_date = fields.Datetime(
        string="Disclaimer Accepted On", readonly=True, copy=False
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

    @api.depends("rma_product_id", "firmware_version")
    def _compute_bulletin_ids(self):
        Bulletin = self.env["rma.unex.service.bulletin"]
        for ticket in self:
            ticket.bulletin_ids = Bulletin._matching(
                ticket.rma_product_id, ticket.firmware_version
            )

    @api.depends("rma_case_ids")
    def _compute_rma_case_count(self):
        for ticket in self:
            ticket.rma_case_count = len(ticket.rma_case_ids)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._mac_complete_from_lot(vals, "rma_lot_id", "rma_product_id")
        return super().create(vals_list)

    @api.onchange("rma_lot_id")
    def _onchange_rma_lot_id(self):
        if self.rma_lot_id.mac_address and not self.mac_address:
            self.mac_address = self.rma_lot_id.mac_address

    def _message_post_after_hook(self, message, msg_vals):
        if self.tsr_state != "draft":
            self._record_first_response_from_message(message)
        return super()._message_post_after_hook(message, msg_vals)

    # ------------------------------------------------------------------
    # Submission (P1)
    # ------------------------------------------------------------------

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
        required = {
            "partner_id": bool(self.partner_id),
            "rma_product_id": bool(self.rma_product_id),
            "mac_address": bool(self.mac_address or self.rma_lot_id),
            "firmware_version": bool(
                self.firmware_version or self.sdk_version or self.driver_version
            ),
            "steps_to_reproduce": bool((self.steps_to_reproduce or "").strip()),
        }
        labels = {
            "partner_id": _("customer contact"),
            "rma_product_id": _("product model"),
            "mac_address": _("MAC address or serial number"),
            "firmware_version": _("firmware, SDK or driver version"),
            "steps_to_reproduce": _("steps to reproduce"),
        }
        return [labels[f] for f, ok in required.items() if not ok]

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

    def action_submit_tsr(self):
        """Submit the request: checks P1.2 and P1.3, starts the 24 h clock (P1.5)."""
        self._check_tsr_group()
        for ticket in self:
            ticket._check_tsr_state(("draft",), _("submit"))
        self._check_tsr_complete(_("submitted"))
        now = fields.Datetime.now()
        self._rma_service_write({"tsr_state": "submitted", "tsr_submitted_date": now})
        self._start_response_clock(now)
        return True

    def action_resolve_remotely(self):
        """The FAE fixed it remotely (P2.2): close the ticket, no RMA."""
        self._check_tsr_group()
        for ticket in self:
            ticket._check_tsr_state(("submitted",), _("resolve remotely"))
            if not ticket.remote_fix_type:
                raise UserError(
                    _(
                        "Record how %(ticket)s was fixed (software update or "
                        "configuration change) before resolving it remotely.",
                        ticket=ticket.display_name,
                    )
                )
        self._rma_service_write({"tsr_state": "resolved_remotely"})
        self._record_first_response()
        for ticket in self:
            stage = ticket._closed_stage()
            if stage:
                ticket.stage_id = stage
        return True

    def action_escalate(self):
        """Hardware failure suspected (P2.3): open the RMA case for sales review."""
        self._check_tsr_group()
        for ticket in self:
            ticket._check_tsr_state(("submitted",), _("escalate"))
            if not ticket.partner_id:
                raise UserError(_("Set the customer before escalating to an RMA."))
        self._check_tsr_complete(_("escalated"))
        cases = self.env["rma.unex.case"].create(
            [ticket._prepare_rma_case_vals() for ticket in self]
        )
        self._rma_service_write({"tsr_state": "escalated"})
        self._record_first_response()
        for ticket, case in zip(self, cases, strict=True):
            case._notify_escalation()
            ticket.message_post(
                body=Markup(_("Escalated to RMA case %s for sales review."))
                % case._get_html_link(title=_("(awaiting RMA number)")),
            )
        if len(cases) == 1:
            return cases._get_records_action()
        return True

    @api.model
    def _portal_submit_tsr(self, partner, values, files):
        """Create and submit a support request from the portal form (P1).

        Everything is checked before anything is created: a refusal raises
        ValidationError with the reason and leaves no record (X3). Called with
        sudo by the portal controller, on behalf of ``partner``.
        """
        company = partner.company_id or self.env.company
        errors = []
        title = (values.get("name") or "").strip()
        if not title:
            errors.append(_("Give the request a short title."))
        product = self.env["product.product"]
        product_id = values.get("product_id") or ""
        # ASCII digits that fit a database id: "²" or 20 digits are no product
        if product_id.isascii() and product_id.isdigit() and int(product_id) < 2**31:
            product = product.search(
                [
                    ("id", "=", int(product_id)),
                    ("sale_ok", "=", True),
                    ("type", "=", "consu"),
                ]
            )
        if not product:
            errors.append(_("Choose the product model from the list."))
        mac = (values.get("mac_address") or "").strip()
        serial = (values.get("serial") or "").strip()[:64]
        if mac:
            try:
                mac = normalize_mac(mac)
            except ValidationError as error:
                errors.append(str(error.args[0]))
        if not mac and not serial:
            errors.append(_("Give the MAC address or the serial number of the device."))
        versions = {
            f: (values.get(f) or "").strip()[:64]
            for f in ("firmware_version", "sdk_version", "driver_version")
        }
        if not any(versions.values()):
            errors.append(_("Give the firmware, SDK or driver version in use."))
        steps = (values.get("steps_to_reproduce") or "").strip()
        if not steps:
            errors.append(_("Describe the steps to reproduce the issue."))
        if not values.get("disclaimer"):
            errors.append(
                _(
                    "Accept the data disclaimer: back up your data and "
                    "configuration; we are not liable for data loss (P1.3)."
                )
            )
        errors += self._portal_check_files(company, files)
        if errors:
            raise ValidationError("\n".join(errors))

        lot = self.env["stock.lot"]
        if serial:
            lot = lot.search(
                [("name", "=", serial), ("product_id", "=", product.id)], limit=1
            )
        team = self.env["helpdesk.ticket.team"].search(
            [("company_id", "in", [company.id, False])], limit=1
        )
        description = (values.get("description") or "").strip() or steps
        ticket = self.create(
            {
                "name": title[:200],
                "description": plaintext2html(description[:20000]),
                "partner_id": partner.id,
                "company_id": company.id,
                "team_id": team.id,
                "channel_id": self.env.ref(
                    "helpdesk_mgmt.helpdesk_ticket_channel_web"
                ).id,
                "rma_product_id": product.id,
                "rma_lot_id": lot.id,
                "mac_address": mac or False,
                "steps_to_reproduce": steps[:20000],
                "sales_document_ref": (values.get("sales_document_ref") or "").strip()[
                    :64
                ],
                **versions,
            }
        )
        ticket._accept_disclaimer(partner)
        ticket.action_submit_tsr()
        if not lot and serial:
            ticket.message_post(
                body=_("Serial number given by the customer: %(serial)s", serial=serial)
            )
        self.env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "raw": content,
                    "res_model": self._name,
                    "res_id": ticket.id,
                }
                for name, content in files
            ]
        )
        ticket._notify_portal_submission()
        return ticket

    @api.model
    def _portal_check_files(self, company, files):
        allowed = {
            ext.strip().lower().lstrip(".")
            for ext in (company.rma_portal_file_types or "").split(",")
            if ext.strip()
        }
        limit = (company.rma_portal_max_upload_mb or 10) * 1024 * 1024
        errors = []
        for name, content in files:
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if extension not in allowed:
                errors.append(
                    _(
                        "%(file)s: this type of file is not accepted (allowed: "
                        "%(types)s).",
                        file=name,
                        types=", ".join(sorted(allowed)),
                    )
                )
            elif len(content) > limit:
                errors.append(
                    _(
                        "%(file)s is larger than %(mb)s MB.",
                        file=name,
                        mb=company.rma_portal_max_upload_mb,
                    )
                )
        return errors

    def _notify_portal_submission(self):
        """Acknowledge to the customer; make sure the support team sees it."""
        template = self.env.ref("rma_unex.mail_template_tsr_acknowledgement")
        for ticket in self:
            ticket.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
            team_users = ticket.team_id.user_ids
            if team_users:
                ticket.message_subscribe(partner_ids=team_users.partner_id.ids)
            assignee = ticket.user_id or team_users[:1]
            if assignee:
                ticket.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=assignee.id,
                    date_deadline=ticket.response_deadline.date(),
                    summary=_("New support request from the portal"),
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
            "unit_ids": [fields.Command.create(self._prepare_rma_unit_vals())],
        }

    def _prepare_rma_unit_vals(self):
        self.ensure_one()
        symptom = (self.steps_to_reproduce or "").strip() or html2plaintext(
            self.description or ""
        )
        return {
            "product_id": self.rma_product_id.id,
            "lot_id": self.rma_lot_id.id,
            "mac_address": self.mac_address,
            "symptom": symptom,
        }

    def _check_tsr_group(self):
        self.env["rma.unex.case"]._check_rma_groups(
            (GROUP_USER,), _("Handle support requests")
        )

    def _check_tsr_state(self, allowed, action):
        self.ensure_one()
        if self.tsr_state not in allowed:
            states = dict(self._fields["tsr_state"]._description_selection(self.env))
            raise UserError(
                _(
                    "%(ticket)s is %(state)s: you cannot %(action)s it.",
                    ticket=self.display_name,
                    state=states[self.tsr_state],
                    action=action,
                )
            )

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
