from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_case import GROUP_MANAGER, GROUP_QUALITY, GROUP_SALES, STAFF
from .rma_unex_warranty import COVERED_STATUSES, WARRANTY_STATUSES

DISPOSITIONS = [
    ("free_repair", "Free repair"),
    ("free_replacement", "Free replacement"),
    ("paid_repair", "Paid repair"),
    ("ntf", "No trouble found"),
    ("credit_note", "Credit note (defective goods taken back)"),
    ("return_unrepaired", "Return unrepaired"),
    ("scrap", "Scrap at customer's request"),
]
# Dispositions after which the returned unit stays with us (M7).
KEPT_DISPOSITIONS = ("free_replacement", "credit_note", "scrap")
# Dispositions that send the unit through a repair order and QC (P6).
REPAIR_DISPOSITIONS = ("free_repair", "paid_repair")

CID_TYPES = [
    ("none", "No CID"),
    ("physical", "Physical impact"),
    ("liquid", "Liquid damage"),
    ("disassembly", "Unauthorised disassembly"),
    ("packaging", "Improper packaging in transit"),
]


class RmaUnexUnit(models.Model):
    """One returned device of an RMA case: identity, reason and results."""

    _name = "rma.unex.unit"
    _description = "RMA Unit"
    _inherit = ["rma.unex.mac.mixin", "rma.unex.guarded.mixin"]
    _order = "case_id desc, sequence, id"
    _check_company_auto = True
    # a unit goes through the lifecycle of its case
    _rma_state_field = "case_state"
    _rma_protected_fields = frozenset(
        {
            "is_rejected",
            "reject_reason_id",
            "reject_note",
            "warranty_status",
            "warranty_start_date",
            "warranty_end_date",
            "warranty_sale_line_id",
            "warranty_source",
            "warranty_verified_user_id",
            "warranty_verified_date",
            "is_repeat_return",
            "previous_unit_id",
            "serial_customer_mismatch",
            "serial_delivered_to_id",
            "cid_type",
            "cid_note",
            "cid_user_id",
            "cid_date",
            "qc_result",
            "qc_user_id",
            "qc_date",
            "burn_in_hours",
            "qc_checklist",
            "fa_findings",
            "fa_root_cause",
            "fa_category_id",
            "fa_user_id",
            "fa_date",
            "disposition",
            "disposition_reason",
            "disposition_user_id",
            "disposition_date",
            "ntf_fee_waived",
            "ntf_waiver_reason",
            "ntf_waiver_user_id",
            "repair_id",
            "replacement_lot_id",
            "disposal_move_id",
            "credit_note_id",
            "advance_shipped_date",
            "advance_due_date",
            "advance_reminder_date",
            "advance_order_id",
            "date_received",
            "received_lot_id",
            "date_shipped",
            "shipped_lot_id",
        }
    )

    case_id = fields.Many2one(
        "rma.unex.case", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="case_id.partner_id", store=True, index=True, string="Customer"
    )
    case_state = fields.Selection(related="case_id.state", string="Case Status")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        domain="[('type', '=', 'consu')]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index="btree_not_null",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    symptom = fields.Text(help="What the customer reports, in their words.")
    return_reason_id = fields.Many2one(
        "rma.unex.return.reason",
        required=True,
        default=lambda self: self.env["rma.unex.return.reason"].search([], limit=1),
    )
    is_rejected = fields.Boolean(string="Rejected", readonly=True, copy=False)
    reject_reason_id = fields.Many2one(
        "rma.unex.reject.reason", string="Rejection Reason", readonly=True, copy=False
    )
    reject_note = fields.Text(string="Rejection Note", readonly=True, copy=False)
    # Warranty: looked up at creation (the preliminary look of sales review,
    # P2.4), verified by sales (P4.1), voided by CID (P4.2).
    warranty_status = fields.Selection(
        WARRANTY_STATUSES, default="unknown", readonly=True, copy=False, index=True
    )
    warranty_start_date = fields.Date(readonly=True, copy=False)
    warranty_end_date = fields.Date(readonly=True, copy=False)
    warranty_sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Original Sale",
        readonly=True,
        copy=False,
        groups=STAFF,
    )
    warranty_source = fields.Char(readonly=True, copy=False, groups=STAFF)
    warranty_verified_user_id = fields.Many2one(
        "res.users",
        string="Warranty Verified By",
        readonly=True,
        copy=False,
        groups=STAFF,
    )
    warranty_verified_date = fields.Datetime(readonly=True, copy=False)
    is_repeat_return = fields.Boolean(
        string="Repeat Return",
        readonly=True,
        copy=False,
        index=True,
        help="This serial came back in an earlier RMA (M3).",
    )
    previous_unit_id = fields.Many2one(
        "rma.unex.unit",
        string="Earlier RMA Unit",
        readonly=True,
        copy=False,
        groups=STAFF,
    )
    serial_customer_mismatch = fields.Boolean(
        string="Serial of Another Customer",
        readonly=True,
        copy=False,
        groups=STAFF,
        help="The serial was delivered to another customer: its warranty and "
        "repair history are not used; sales checks how this customer came to "
        "hold it (P4.1).",
    )
    serial_delivered_to_id = fields.Many2one(
        "res.partner",
        readonly=True,
        copy=False,
        groups=STAFF,
    )
    cid_type = fields.Selection(
        CID_TYPES,
        string="CID Finding",
        readonly=True,
        copy=False,
        help="Customer-induced damage found by PD; any finding but 'No CID' "
        "voids the warranty (P4.2).",
    )
    cid_note = fields.Text(string="CID Notes", readonly=True, copy=False, groups=STAFF)
    cid_attachment_ids = fields.Many2many(
        "ir.attachment", string="CID Photos", copy=False, groups=STAFF
    )
    cid_user_id = fields.Many2one(
        "res.users", string="CID By", readonly=True, copy=False, groups=STAFF
    )
    cid_date = fields.Datetime(string="CID Date", readonly=True, copy=False)
    qc_result = fields.Selection(
        [("pass", "Passed"), ("fail", "Failed")],
        string="QC Result",
        readonly=True,
        copy=False,
    )
    qc_user_id = fields.Many2one(
        "res.users", string="Inspector", readonly=True, copy=False
    )
    qc_date = fields.Datetime(string="QC Date", readonly=True, copy=False)
    burn_in_hours = fields.Float(readonly=True, copy=False)
    qc_checklist = fields.Text(
        string="QC Checklist",
        readonly=True,
        copy=False,
        help="Checks made against the factory specification and their results.",
    )
    # Failure analysis (P5.1)
    fa_findings = fields.Text(string="FA Findings", readonly=True, copy=False)
    fa_root_cause = fields.Text(string="Root Cause", readonly=True, copy=False)
    fa_category_id = fields.Many2one(
        "rma.unex.failure.category",
        string="Failure Category",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    fa_attachment_ids = fields.Many2many(
        "ir.attachment",
        "rma_unex_unit_fa_attachment_rel",
        "unit_id",
        "attachment_id",
        string="FA Photos",
        copy=False,
    )
    fa_user_id = fields.Many2one(
        "res.users", string="Analysed By", readonly=True, copy=False
    )
    fa_date = fields.Datetime(string="Analysed On", readonly=True, copy=False)
    # Decision (P4.3, P4.4, P5.3)
    disposition = fields.Selection(DISPOSITIONS, readonly=True, copy=False, index=True)
    disposition_reason = fields.Text(readonly=True, copy=False)
    disposition_user_id = fields.Many2one(
        "res.users", string="Decided By", readonly=True, copy=False
    )
    disposition_date = fields.Datetime(string="Decided On", readonly=True, copy=False)
    ntf_fee_waived = fields.Boolean(string="NTF Fees Waived", readonly=True, copy=False)
    ntf_waiver_reason = fields.Text(readonly=True, copy=False)
    ntf_waiver_user_id = fields.Many2one(
        "res.users", string="Waived By", readonly=True, copy=False
    )
    repair_id = fields.Many2one(
        "repair.order",
        string="Repair Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    repair_state = fields.Selection(related="repair_id.state", string="Repair Status")
    replacement_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Serial",
        copy=False,
        readonly=True,
        help="The new unit shipped instead of this one (free or advance "
        "replacement), as the warehouse shipped it.",
    )
    disposal_move_id = fields.Many2one(
        "stock.move",
        readonly=True,
        copy=False,
        help="The move that took the returned unit to refurbishment or scrap (M7).",
    )
    credit_note_id = fields.Many2one(
        "account.move",
        readonly=True,
        copy=False,
        help="Reversal of the original invoice line for this unit (P7.5).",
    )
    # M6: a replacement shipped before the faulty unit arrives.
    advance_shipped_date = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null"
    )
    advance_due_date = fields.Date(
        string="Faulty Unit Due",
        readonly=True,
        copy=False,
        help="The faulty unit must be back by then, or it is invoiced at list price.",
    )
    advance_reminder_date = fields.Datetime(readonly=True, copy=False)
    advance_order_id = fields.Many2one(
        "sale.order", string="Non-Return Invoice Order", readonly=True, copy=False
    )
    sample_test_ids = fields.One2many(
        "rma.unex.sample.test", "unit_id", string="Sample Tests"
    )
    sample_location = fields.Char(
        compute="_compute_sample_location",
        help="Where the unit's sample is while a lab tests it (P7.4).",
    )
    replaced_components = fields.Char(
        compute="_compute_replaced_components",
        help="Parts added by the unit's finished repair orders (P6.2).",
    )
    # Logistics (P3.4, P6.3)
    move_ids = fields.One2many(
        "stock.move", "rma_unit_id", string="Stock Moves", groups=STAFF
    )
    date_received = fields.Datetime(readonly=True, copy=False)
    received_lot_id = fields.Many2one(
        "stock.lot", string="Received Serial", readonly=True, copy=False
    )
    receipt_mismatch = fields.Char(
        compute="_compute_receipt_mismatch",
        store=True,
        groups=STAFF,
        help="Set when the serial or MAC received is not the one announced.",
    )
    date_shipped = fields.Datetime(readonly=True, copy=False, index="btree_not_null")
    shipped_lot_id = fields.Many2one(
        "stock.lot",
        string="Shipped Serial",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The serial shipped back: the unit itself, or its replacement (M4).",
    )

    _sql_constraints = [
        (
            "reject_reason_required",
            "CHECK(NOT is_rejected OR reject_reason_id IS NOT NULL)",
            "A rejected unit needs a rejection reason.",
        ),
    ]

    @api.depends_context("lang")  # the product name is translated
    @api.depends("product_id", "lot_id", "mac_address")
    def _compute_display_name(self):
        for unit in self:
            identity = unit.lot_id.name or unit.mac_address
            product = unit.product_id.default_code or unit.product_id.name or ""
            unit.display_name = f"{product} {identity}" if identity else product

    @api.depends("received_lot_id", "lot_id", "mac_address")
    def _compute_receipt_mismatch(self):
        for unit in self:
            received = unit.received_lot_id
            mismatch = False
            if received and unit.lot_id and received != unit.lot_id:
                mismatch = _(
                    "Expected serial %(expected)s, received %(received)s.",
                    expected=unit.lot_id.name,
                    received=received.name,
                )
            elif (
                received
                and unit.mac_address
                and received.mac_address
                and (received.mac_address != unit.mac_address)
            ):
                mismatch = _(
                    "Expected MAC %(expected)s, received %(received)s.",
                    expected=unit.mac_address,
                    received=received.mac_address,
                )
            unit.receipt_mismatch = mismatch

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for unit in self:
            if unit.lot_id and unit.lot_id.product_id != unit.product_id:
                raise UserError(
                    _(
                        "Serial number %(lot)s belongs to %(lot_product)s, "
                        "not to %(product)s.",
                        lot=unit.lot_id.name,
                        lot_product=unit.lot_id.product_id.display_name,
                        product=unit.product_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        cases = self.env["rma.unex.case"].browse(
            [vals["case_id"] for vals in vals_list if vals.get("case_id")]
        )
        cases._check_units_editable()
        for vals in vals_list:
            self._mac_complete_from_lot(vals, "lot_id", "product_id")
        units = super().create(vals_list)
        units._lookup_warranty()
        return units

    def write(self, vals):
        if {"product_id", "lot_id", "case_id"} & vals.keys():
            self.case_id._check_units_editable()
            if "case_id" in vals:
                self.env["rma.unex.case"].browse(
                    vals["case_id"]
                )._check_units_editable()
        res = super().write(vals)
        if {"product_id", "lot_id"} & vals.keys():
            self._lookup_warranty()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_in_review(self):
        self.case_id._check_units_editable()

    # ------------------------------------------------------------------
    # Warranty (P4.1, P4.2, M1, M3, M4)
    # ------------------------------------------------------------------

    def _warranty_reference_date(self):
        """Warranty is judged on the company's day the customer applied."""
        self.ensure_one()
        when = self.case_id.date_applied or fields.Datetime.now()
        return self.case_id.company_id._rma_local_date(when)

    def _lookup_warranty(self):
        """Look up and store the warranty of these units, in one batch."""
        results = self.env["rma.unex.warranty"]._lookup_units(self)
        for unit in self:
            unit._rma_service_write(results[unit.id])
        repeats = self.filtered("is_repeat_return")
        for case in repeats.case_id:
            case.message_post(
                body=_(
                    "Repeat return: %(units)s came back before.",
                    units=", ".join(
                        repeats.filtered(lambda u, c=case: u.case_id == c).mapped(
                            "display_name"
                        )
                    ),
                )
            )

    def action_verify_warranty(self):
        """Sales verifies the warranty from the original sale (P4.1)."""
        self.case_id._check_rma_groups((GROUP_SALES,), _("Verify warranty"))
        closed = self.filtered(lambda u: u.case_state in ("closed", "cancelled"))
        if closed:
            raise UserError(
                _("The warranty of a closed or cancelled case is not verified again.")
            )
        self._lookup_warranty()
        self._rma_service_write(
            {
                "warranty_verified_user_id": self.env.user.id,
                "warranty_verified_date": fields.Datetime.now(),
            }
        )
        return True

    def _record_cid(self, cid_type, note=False, attachments=None):
        """PD records customer-induced damage; CID voids the warranty (P4.2)."""
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Record a CID finding"))
        self._check_case_state(
            ("received", "evaluation", "suspended"), _("A CID finding")
        )
        if cid_type not in dict(CID_TYPES):
            raise UserError(_("Choose a CID finding."))
        self._rma_service_write(
            {
                "cid_type": cid_type,
                "cid_note": note,
                "cid_user_id": self.env.user.id,
                "cid_date": fields.Datetime.now(),
            }
        )
        if attachments:
            self.write(
                {"cid_attachment_ids": [Command.link(a.id) for a in attachments]}
            )
        self._lookup_warranty()
        return True

    def action_open_cid_wizard(self):
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Record a CID finding"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Customer-induced damage"),
            "res_model": "rma.unex.unit.cid.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_unit_ids": self.ids},
        }

    def _prepare_move_vals(self, source, destination):
        """One stock move per unit, linked to it; extension hook."""
        self.ensure_one()
        return {
            "name": self.display_name,
            "product_id": self.product_id.id,
            "product_uom": self.product_id.uom_id.id,
            "product_uom_qty": 1.0,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "rma_unit_id": self.id,
            "company_id": self.company_id.id,
        }

    # ------------------------------------------------------------------
    # QC result (P6.1): what the return shipment checks
    # ------------------------------------------------------------------

    def _set_qc_result(self, result):
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Record a QC result"))
        self._check_case_state(("qc",), _("A QC result"))
        self._rma_service_write(
            {
                "qc_result": result,
                "qc_user_id": self.env.user.id,
                "qc_date": fields.Datetime.now(),
            }
        )
        return True

    def action_qc_pass(self):
        return self._set_qc_result("pass")

    def action_qc_fail(self):
        return self._set_qc_result("fail")

    def _record_qc(self, result, burn_in_hours, checklist):
        """Burn-in and QC against the factory specification (P6.1)."""
        minimum = self.company_id[:1].rma_burn_in_hours
        repaired = self.filtered(lambda u: u.disposition in REPAIR_DISPOSITIONS)
        if result == "pass" and repaired and burn_in_hours < minimum:
            raise UserError(
                _(
                    "A repaired unit passes QC after at least %(hours)s hours of "
                    "burn-in; %(done)s recorded.",
                    hours=minimum,
                    done=burn_in_hours,
                )
            )
        if not (checklist or "").strip():
            raise UserError(
                _("Record the checks made against the factory specification.")
            )
        self._set_qc_result(result)
        self._rma_service_write(
            {"burn_in_hours": burn_in_hours, "qc_checklist": checklist}
        )
        return True

    def action_open_qc_wizard(self):
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Record a QC result"))
        return self._open_unit_wizard("rma.unex.unit.qc.wizard", _("Burn-in and QC"))

    # ------------------------------------------------------------------
    # Failure analysis and decision (P4.3-P4.5, P5)
    # ------------------------------------------------------------------

    def _check_in_evaluation(self, action):
        self._check_case_state(("evaluation",), action)

    def _check_case_state(self, states, action):
        """Refuse ``action`` on units whose case is not in one of ``states``."""
        wrong = self.filtered(lambda u: u.case_state not in states)
        if wrong:
            labels = dict(
                self.env["rma.unex.case"]
                ._fields["state"]
                ._description_selection(self.env)
            )
            raise UserError(
                _(
                    "%(action)s is recorded while the case is %(allowed)s; the case of "
                    "%(units)s is not.",
                    action=action,
                    allowed=_(" or ").join(labels[s] for s in states),
                    units=", ".join(wrong.mapped("display_name")),
                )
            )

    def _record_fa(self, findings, root_cause, category, attachments=None):
        """PD's formal failure analysis of each unit (P5.1)."""
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Record a failure analysis"))
        self._check_in_evaluation(_("A failure analysis"))
        if not (findings or "").strip() or not category:
            raise UserError(
                _("A failure analysis needs findings and a failure category.")
            )
        self._rma_service_write(
            {
                "fa_findings": findings,
                "fa_root_cause": root_cause,
                "fa_category_id": category.id,
                "fa_user_id": self.env.user.id,
                "fa_date": fields.Datetime.now(),
            }
        )
        if attachments:
            self.write({"fa_attachment_ids": [Command.link(a.id) for a in attachments]})
        return True

    def _decide(self, disposition, reason):
        """Record what happens to each unit, who decided and why."""
        self.case_id._check_rma_groups(
            (GROUP_SALES, GROUP_QUALITY), _("Decide on a unit")
        )
        self._check_in_evaluation(_("The decision on a unit"))
        if disposition not in dict(DISPOSITIONS):
            raise UserError(_("Choose what happens to the unit."))
        if not (reason or "").strip():
            raise UserError(_("Say why: the decision is recorded with its reason."))
        if disposition in ("free_repair", "free_replacement"):
            not_covered = self.filtered(
                lambda u: u.warranty_status not in COVERED_STATUSES
            )
            if not_covered:
                raise UserError(
                    _(
                        "%(units)s is not covered (warranty %(status)s): free "
                        "repair or replacement applies to units in warranty without "
                        "CID (P4.3).",
                        units=", ".join(not_covered.mapped("display_name")),
                        status=", ".join(
                            sorted(set(not_covered.mapped("warranty_status")))
                        ),
                    )
                )
        if disposition == "credit_note":
            uninvoiced = self.filtered(lambda u: not u._original_invoice_line())
            if uninvoiced:
                raise UserError(
                    _(
                        "No posted customer invoice sold %(units)s: a credit note is "
                        "reversed from the original invoice (P7.5).",
                        units=", ".join(uninvoiced.mapped("display_name")),
                    )
                )
        self._rma_service_write(
            {
                "disposition": disposition,
                "disposition_reason": reason,
                "disposition_user_id": self.env.user.id,
                "disposition_date": fields.Datetime.now(),
            }
        )
        return True

    def _waive_ntf_fees(self, reason):
        """The RMA Manager waives the NTF inspection fee and shipping (P5.3)."""
        self.case_id._check_rma_groups((GROUP_MANAGER,), _("Waive NTF fees"))
        self._check_in_evaluation(_("An NTF fee waiver"))
        if self.filtered(lambda u: u.disposition != "ntf"):
            raise UserError(
                _("Only units with no trouble found have NTF fees to waive.")
            )
        if not (reason or "").strip():
            raise UserError(_("Say why the fees are waived."))
        self._rma_service_write(
            {
                "ntf_fee_waived": True,
                "ntf_waiver_reason": reason,
                "ntf_waiver_user_id": self.env.user.id,
            }
        )
        return True

    def _ships_back(self):
        """A unit (or its replacement) goes back to the customer."""
        self.ensure_one()
        return (
            self.disposition not in ("credit_note", "scrap")
            and not self.advance_shipped_date
        )

    def _original_invoice_line(self):
        """The posted customer invoice line that sold this unit (P7.5)."""
        self.ensure_one()
        return self.warranty_sale_line_id.sudo().invoice_lines.filtered(
            lambda ln: (
                ln.move_id.move_type == "out_invoice" and ln.move_id.state == "posted"
            )
        )[:1]

    def _create_credit_note(self):
        """Reverse the original invoice line of this unit, one piece (P7.5):
        taxes and accounts come from the original; accounting posts it."""
        self.ensure_one()
        line = self._original_invoice_line()
        invoice = line.move_id
        # sudo: the decision is the sales team's; the draft goes to accounting.
        credit = invoice.sudo()._reverse_moves(
            [
                {
                    "ref": _(
                        "%(rma)s: %(unit)s",
                        rma=self.case_id.name,
                        unit=self.display_name,
                    ),
                    "invoice_date": fields.Date.context_today(self),
                    "rma_case_id": self.case_id.id,
                }
            ]
        )
        keep = credit.invoice_line_ids.filtered(
            lambda ln: ln.product_id == line.product_id
        )[:1]
        credit.write(
            {
                "invoice_line_ids": [
                    Command.unlink(other.id) for other in credit.invoice_line_ids - keep
                ]
                + [Command.update(keep.id, {"quantity": 1.0})]
            }
        )
        self.case_id.message_post(
            body=_(
                "Credit note %(credit)s drafted from %(invoice)s for %(unit)s.",
                credit=credit.display_name,
                invoice=invoice.name,
                unit=self.display_name,
            )
        )
        return credit

    def _needs_repair(self):
        self.ensure_one()
        return self.disposition in REPAIR_DISPOSITIONS

    def _needs_qc(self):
        """Repaired units, and units from the older flow without a decision."""
        self.ensure_one()
        return self.disposition in REPAIR_DISPOSITIONS or not self.disposition

    @api.depends("sample_test_ids.state", "sample_test_ids.lab_id")
    def _compute_sample_location(self):
        for unit in self:
            at_lab = unit.sample_test_ids.filtered(lambda t: t.state == "at_lab")[:1]
            unit.sample_location = (
                _(
                    "At %(lab)s since %(date)s",
                    lab=at_lab.lab_id.name,
                    date=at_lab.date_sent,
                )
                if at_lab
                else False
            )

    def action_raise_ncr(self):
        """A non-conformity report for these units (P7.6)."""
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Raise an NCR"))
        ncr = self.env["rma.unex.ncr"].create(
            {
                "unit_ids": [Command.set(self.ids)],
                "product_id": self.product_id[:1].id,
                "lot_ids": [Command.set((self.received_lot_id | self.lot_id).ids)],
                "company_id": self.company_id[:1].id,
                "description": "<br/>".join(
                    f"{unit.display_name}: {unit.fa_findings or unit.symptom or ''}"
                    for unit in self
                ),
            }
        )
        return ncr._get_records_action()

    def _compute_replaced_components(self):
        # sudo: the summary lists parts for the customer; the repair orders
        # themselves stay internal. One search for all units.
        repairs = (
            self.env["repair.order"]
            .sudo()
            .search([("rma_unit_id", "in", self.ids), ("state", "=", "done")])
        )
        for unit in self:
            parts = repairs.filtered(
                lambda r, u=unit: r.rma_unit_id == u
            ).move_ids.filtered(
                lambda m: m.repair_line_type == "add" and m.state == "done"
            )
            unit.replaced_components = ", ".join(
                parts.product_id.mapped("display_name")
            )

    def _is_chargeable(self):
        self.ensure_one()
        return self.disposition == "paid_repair" or (
            self.disposition == "ntf" and not self.ntf_fee_waived
        )

    def action_open_fa_wizard(self):
        self.case_id._check_rma_groups((GROUP_QUALITY,), _("Record a failure analysis"))
        return self._open_unit_wizard("rma.unex.unit.fa.wizard", _("Failure analysis"))

    def action_open_decision_wizard(self):
        self.case_id._check_rma_groups(
            (GROUP_SALES, GROUP_QUALITY), _("Decide on a unit")
        )
        return self._open_unit_wizard("rma.unex.unit.decision.wizard", _("Decision"))

    def _open_unit_wizard(self, model, title):
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_unit_ids": self.ids},
        }

    # ------------------------------------------------------------------
    # Repair (P6)
    # ------------------------------------------------------------------

    def _prepare_repair_vals(self, warehouse):
        """A repair order for the unit, where it waits (RMA location); hook."""
        self.ensure_one()
        picking_type = warehouse.repair_type_id
        return {
            "product_id": self.product_id.id,
            "product_qty": 1.0,
            "product_uom": self.product_id.uom_id.id,
            "lot_id": (self.received_lot_id or self.lot_id).id,
            "partner_id": self.case_id.partner_id.id,
            "company_id": self.company_id.id,
            "picking_type_id": picking_type.id,
            "product_location_src_id": warehouse.rma_location_id.id,
            "product_location_dest_id": warehouse.rma_location_id.id,
            "under_warranty": self.disposition == "free_repair",
            "internal_notes": self.fa_findings,
            "repair_request": self.symptom,
            "rma_unit_id": self.id,
        }

    # ------------------------------------------------------------------
    # Sales review of single units (M14)
    # ------------------------------------------------------------------

    def _check_can_review(self):
        self.case_id._check_rma_groups((GROUP_SALES,), _("Review units"))
        for case in self.case_id:
            if case.state != "sales_review":
                raise UserError(
                    _(
                        "Units are accepted or rejected during sales review; "
                        "%(case)s is %(state)s.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )

    def _reject(self, reason, note=False):
        """Refuse these units at sales review; the rest of the case goes on."""
        self._check_can_review()
        if not reason:
            raise UserError(_("Choose a rejection reason."))
        already = self.filtered("is_rejected")
        if already:
            raise UserError(
                _(
                    "%(units)s is already rejected.",
                    units=", ".join(already.mapped("display_name")),
                )
            )
        self._rma_service_write(
            {"is_rejected": True, "reject_reason_id": reason.id, "reject_note": note}
        )
        for case in self.case_id:
            case._notify_unit_rejection(self.filtered(lambda u, c=case: u.case_id == c))
        self.case_id._record_first_response()
        return True

    def action_restore(self):
        """Take back a rejection made by mistake, still during sales review."""
        self._check_can_review()
        self._rma_service_write(
            {"is_rejected": False, "reject_reason_id": False, "reject_note": False}
        )
        for unit in self:
            unit.case_id.message_post(
                body=_(
                    "Unit %(unit)s accepted again for return.", unit=unit.display_name
                ),
            )
        return True

    def action_open_reject_wizard(self):
        self._check_can_review()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject units"),
            "res_model": "rma.unex.unit.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_unit_ids": self.ids},
        }
