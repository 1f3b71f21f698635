from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_constants import (
    CID_TYPES,
    COVERED_STATUSES,
    DISPOSITIONS,
    REPAIR_DISPOSITIONS,
    STAFF,
)


class RmaUnexUnit(models.Model):
    """The workshop's side of a unit: customer-induced damage (P4.2), the
    failure analysis (P5.1), the decision and its fees (P4.3-P4.5, P5.3), the
    repair (P6), burn-in and QC (P6.1), the credit note (P7.5) and samples at
    a lab (P7.4)."""

    _inherit = "rma.unex.unit"
    cid_type = fields.Selection(
        CID_TYPES,
        string="CID Finding",
        readonly=True,
        copy=False,
        help="Customer-induced damage found by PD; any finding but 'No CID' "
        "voids the warranty (P4.2).",
        rma_protected=True,
    )
    cid_note = fields.Text(
        string="CID Notes", readonly=True, copy=False, groups=STAFF, rma_protected=True
    )
    cid_attachment_ids = fields.Many2many(
        "ir.attachment", string="CID Photos", copy=False, groups=STAFF
    )
    cid_user_id = fields.Many2one(
        "res.users",
        string="CID By",
        readonly=True,
        copy=False,
        groups=STAFF,
        rma_protected=True,
    )
    cid_date = fields.Datetime(
        string="CID Date", readonly=True, copy=False, rma_protected=True
    )
    # Failure analysis (P5.1)
    # Failure analysis (P5.1)
    fa_findings = fields.Text(
        string="FA Findings", readonly=True, copy=False, rma_protected=True
    )
    fa_root_cause = fields.Text(
        string="Root Cause", readonly=True, copy=False, rma_protected=True
    )
    fa_category_id = fields.Many2one(
        "rma.unex.failure.category",
        string="Failure Category",
        readonly=True,
        copy=False,
        index="btree_not_null",
        rma_protected=True,
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
        "res.users", string="Analysed By", readonly=True, copy=False, rma_protected=True
    )
    fa_date = fields.Datetime(
        string="Analysed On", readonly=True, copy=False, rma_protected=True
    )
    # Decision (P4.3, P4.4, P5.3)
    # Decision (P4.3, P4.4, P5.3)
    disposition = fields.Selection(
        DISPOSITIONS, readonly=True, copy=False, index=True, rma_protected=True
    )
    disposition_reason = fields.Text(readonly=True, copy=False, rma_protected=True)
    disposition_user_id = fields.Many2one(
        "res.users", string="Decided By", readonly=True, copy=False, rma_protected=True
    )
    disposition_date = fields.Datetime(
        string="Decided On", readonly=True, copy=False, rma_protected=True
    )
    ntf_fee_waived = fields.Boolean(
        string="NTF Fees Waived", readonly=True, copy=False, rma_protected=True
    )
    ntf_waiver_reason = fields.Text(readonly=True, copy=False, rma_protected=True)
    ntf_waiver_user_id = fields.Many2one(
        "res.users", string="Waived By", readonly=True, copy=False, rma_protected=True
    )
    # Repair and QC (P6)
    repair_id = fields.Many2one(
        "repair.order",
        string="Repair Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        rma_protected=True,
    )
    repair_state = fields.Selection(related="repair_id.state", string="Repair Status")
    qc_result = fields.Selection(
        [("pass", "Passed"), ("fail", "Failed")],
        string="QC Result",
        readonly=True,
        copy=False,
        rma_protected=True,
    )
    qc_user_id = fields.Many2one(
        "res.users", string="Inspector", readonly=True, copy=False, rma_protected=True
    )
    qc_date = fields.Datetime(
        string="QC Date", readonly=True, copy=False, rma_protected=True
    )
    burn_in_hours = fields.Float(readonly=True, copy=False, rma_protected=True)
    qc_checklist = fields.Text(
        string="QC Checklist",
        readonly=True,
        copy=False,
        help="Checks made against the factory specification and their results.",
        rma_protected=True,
    )
    credit_note_id = fields.Many2one(
        "account.move",
        readonly=True,
        copy=False,
        help="Reversal of the original invoice line for this unit (P7.5).",
        rma_protected=True,
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

    # ------------------------------------------------------------------
    # Customer-induced damage and failure analysis (P4.2, P5.1)
    # ------------------------------------------------------------------

    def _record_cid(self, cid_type, note=False, attachments=None):
        """PD records customer-induced damage; CID voids the warranty (P4.2)."""
        self._check_action("cid")
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
        self._check_rma_groups(self._ACTIONS["cid"].groups, _("Record a CID finding"))
        return self._open_unit_wizard(
            "rma.unex.unit.cid.wizard", _("Customer-induced damage")
        )

    def _record_fa(self, findings, root_cause, category, attachments=None):
        """PD's formal failure analysis of each unit (P5.1)."""
        self._check_action("fa")
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

    def action_open_fa_wizard(self):
        self._check_rma_groups(
            self._ACTIONS["fa"].groups, _("Record a failure analysis")
        )
        return self._open_unit_wizard("rma.unex.unit.fa.wizard", _("Failure analysis"))

    # ------------------------------------------------------------------
    # Decision and fees (P4.3-P4.5, P5.3, P7.5)
    # ------------------------------------------------------------------

    def _decide(self, disposition, reason):
        """Record what happens to each unit, who decided and why."""
        self._check_action("decide")
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
        # the customer hears of a changed decision when evaluation ends
        changed = self.filtered(lambda u: u.disposition != disposition)
        now = fields.Datetime.now()
        self._rma_service_write(
            {
                "disposition": disposition,
                "disposition_reason": reason,
                "disposition_user_id": self.env.user.id,
                "disposition_date": now,
            }
        )
        changed._rma_service_write({"decision_mail_queued": now})
        return True

    def action_open_decision_wizard(self):
        self._check_rma_groups(self._ACTIONS["decide"].groups, _("Decide on a unit"))
        return self._open_unit_wizard("rma.unex.unit.decision.wizard", _("Decision"))

    def _waive_ntf_fees(self, reason):
        """The RMA Manager waives the NTF inspection fee and shipping (P5.3)."""
        self._check_action("waive_ntf")
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

    def _is_chargeable(self):
        self.ensure_one()
        return self.disposition == "paid_repair" or (
            self.disposition == "ntf" and not self.ntf_fee_waived
        )

    def _needs_repair(self):
        self.ensure_one()
        return self.disposition in REPAIR_DISPOSITIONS

    def _needs_qc(self):
        """Repaired units, and units from the older flow without a decision."""
        self.ensure_one()
        return self.disposition in REPAIR_DISPOSITIONS or not self.disposition

    def _original_invoice_line(self):
        """The posted customer invoice line that sold this unit (P7.5)."""
        self.ensure_one()
        # sudo: the original invoice is accounting's; only its line is matched
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

    # ------------------------------------------------------------------
    # Repair and QC (P6, P6.1, P6.2)
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

    def _set_qc_result(self, result):
        self._check_action("qc")
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
        self._check_rma_groups(self._ACTIONS["qc"].groups, _("Record a QC result"))
        return self._open_unit_wizard("rma.unex.unit.qc.wizard", _("Burn-in and QC"))

    # ------------------------------------------------------------------
    # Quality: samples at a lab (P7.4), non-conformity reports (P7.6)
    # ------------------------------------------------------------------

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
        self._check_action("raise_ncr")
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
