from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import (
    GROUP_MANAGER,
    GROUP_QUALITY,
    GROUP_SALES,
    OPEN_STATES,
    STAFF,
    STATES,
    WARRANTY_STATUSES,
    Action,
)

_lt = LazyTranslate(__name__)


class RmaUnexUnit(models.Model):
    """One returned device of an RMA case: its identity, reason, warranty,
    review and where it is. What the workshop finds and decides about it is
    in rma_unex_unit_workshop.py."""

    _name = "rma.unex.unit"
    _description = "RMA Unit"
    _inherit = ["rma.unex.mac.mixin", "rma.unex.guarded.mixin"]
    _order = "case_id desc, sequence, id"
    _check_company_auto = True
    # a unit goes through the lifecycle of its case
    _rma_state_field = "case_state"

    # What is done to a unit, in which states of its case, by whom.
    _ACTIONS = {
        "review": Action(
            ("sales_review",),
            (GROUP_SALES,),
            _lt("Review units"),
            buttons=("action_open_reject_wizard", "action_restore"),
        ),
        "verify_warranty": Action(
            OPEN_STATES,
            (GROUP_SALES,),
            _lt("Verify warranty"),
            buttons=("action_verify_warranty",),
        ),
        "cid": Action(
            ("received", "evaluation", "suspended"),
            (GROUP_QUALITY,),
            _lt("Record a CID finding"),
            buttons=("action_open_cid_wizard",),
        ),
        "fa": Action(
            ("evaluation",),
            (GROUP_QUALITY,),
            _lt("Record a failure analysis"),
            buttons=("action_open_fa_wizard",),
        ),
        "decide": Action(
            ("evaluation",),
            (GROUP_SALES, GROUP_QUALITY),
            _lt("Decide on a unit"),
            buttons=("action_open_decision_wizard",),
        ),
        "waive_ntf": Action(("evaluation",), (GROUP_MANAGER,), _lt("Waive NTF fees")),
        "qc": Action(
            ("qc",),
            (GROUP_QUALITY,),
            _lt("Record a QC result"),
            buttons=("action_open_qc_wizard", "action_qc_pass", "action_qc_fail"),
        ),
        "raise_ncr": Action(
            tuple(state for state, _label in STATES),
            (GROUP_QUALITY,),
            _lt("Raise an NCR"),
            buttons=("action_raise_ncr",),
        ),
    }
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
        default=lambda self: self._default_return_reason(),
    )
    is_rejected = fields.Boolean(
        string="Rejected", readonly=True, copy=False, rma_protected=True
    )
    reject_reason_id = fields.Many2one(
        "rma.unex.reject.reason",
        string="Rejection Reason",
        readonly=True,
        copy=False,
        rma_protected=True,
    )
    reject_note = fields.Text(
        string="Rejection Note", readonly=True, copy=False, rma_protected=True
    )
    # Warranty: looked up at creation (the preliminary look of sales review,
    # P2.4), verified by sales (P4.1), voided by CID (P4.2).
    # Warranty: looked up at creation (the preliminary look of sales review,
    # P2.4), verified by sales (P4.1), voided by CID (P4.2).
    warranty_status = fields.Selection(
        WARRANTY_STATUSES,
        default="unknown",
        readonly=True,
        copy=False,
        index=True,
        rma_protected=True,
    )
    warranty_start_date = fields.Date(readonly=True, copy=False, rma_protected=True)
    warranty_end_date = fields.Date(readonly=True, copy=False, rma_protected=True)
    warranty_sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Original Sale",
        readonly=True,
        copy=False,
        groups=STAFF,
        rma_protected=True,
    )
    warranty_source = fields.Char(
        readonly=True, copy=False, groups=STAFF, rma_protected=True
    )
    warranty_verified_user_id = fields.Many2one(
        "res.users",
        string="Warranty Verified By",
        readonly=True,
        copy=False,
        groups=STAFF,
        rma_protected=True,
    )
    warranty_verified_date = fields.Datetime(
        readonly=True, copy=False, rma_protected=True
    )
    is_repeat_return = fields.Boolean(
        string="Repeat Return",
        readonly=True,
        copy=False,
        index=True,
        help="This serial came back in an earlier RMA (M3).",
        rma_protected=True,
    )
    previous_unit_id = fields.Many2one(
        "rma.unex.unit",
        string="Earlier RMA Unit",
        readonly=True,
        copy=False,
        groups=STAFF,
        rma_protected=True,
    )
    serial_customer_mismatch = fields.Boolean(
        string="Serial of Another Customer",
        readonly=True,
        copy=False,
        groups=STAFF,
        help="The serial was delivered to another customer: its warranty and "
        "repair history are not used; sales checks how this customer came to "
        "hold it (P4.1).",
        rma_protected=True,
    )
    serial_delivered_to_id = fields.Many2one(
        "res.partner",
        readonly=True,
        copy=False,
        groups=STAFF,
        rma_protected=True,
    )
    # Logistics (P3.4, P6.3, M4, M7)
    # Logistics (P3.4, P6.3)
    move_ids = fields.One2many(
        "stock.move", "rma_unit_id", string="Stock Moves", groups=STAFF
    )
    date_received = fields.Datetime(readonly=True, copy=False, rma_protected=True)
    received_lot_id = fields.Many2one(
        "stock.lot",
        string="Received Serial",
        readonly=True,
        copy=False,
        rma_protected=True,
    )
    receipt_mismatch = fields.Char(
        compute="_compute_receipt_mismatch",
        store=True,
        groups=STAFF,
        help="Set when the serial or MAC received is not the one announced.",
    )
    date_shipped = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null", rma_protected=True
    )
    shipped_lot_id = fields.Many2one(
        "stock.lot",
        string="Shipped Serial",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The serial shipped back: the unit itself, or its replacement (M4).",
        rma_protected=True,
    )
    replacement_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Serial",
        copy=False,
        readonly=True,
        help="The new unit shipped instead of this one (free or advance "
        "replacement), as the warehouse shipped it.",
        rma_protected=True,
    )
    disposal_move_id = fields.Many2one(
        "stock.move",
        readonly=True,
        copy=False,
        help="The move that took the returned unit to refurbishment or scrap (M7).",
        rma_protected=True,
    )
    # M6: a replacement shipped before the faulty unit arrives.
    # M6: a replacement shipped before the faulty unit arrives.
    advance_shipped_date = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null", rma_protected=True
    )
    advance_due_date = fields.Date(
        string="Faulty Unit Due",
        readonly=True,
        copy=False,
        help="The faulty unit must be back by then, or it is invoiced at list price.",
        rma_protected=True,
    )
    advance_reminder_date = fields.Datetime(
        readonly=True, copy=False, rma_protected=True
    )
    advance_order_id = fields.Many2one(
        "sale.order",
        string="Non-Return Invoice Order",
        readonly=True,
        copy=False,
        rma_protected=True,
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

    @api.model
    def _default_return_reason(self):
        return self.env["rma.unex.return.reason"].search([], limit=1)

    @api.model_create_multi
    def create(self, vals_list):
        cases = self.env["rma.unex.case"].browse(
            [vals["case_id"] for vals in vals_list if vals.get("case_id")]
        )
        cases._check_units_editable()
        self._mac_prefetch_lots(vals_list, "lot_id")
        for vals in vals_list:
            self._mac_complete_from_lot(vals, "lot_id", "product_id")
        # the default reason looked up once for the batch, not once a unit
        without_reason = [
            vals
            for vals in vals_list
            if "return_reason_id" not in vals
            and "default_return_reason_id" not in self.env.context
        ]
        if without_reason:
            reason = self._default_return_reason().id
            for vals in without_reason:
                vals["return_reason_id"] = reason
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
        # one write per set of values: units of one delivery share theirs
        by_values = defaultdict(lambda: self.browse())
        for unit in self:
            by_values[tuple(sorted(results[unit.id].items()))] |= unit
        for values, units in by_values.items():
            units._rma_service_write(dict(values))
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
        self._check_action("verify_warranty")
        self._lookup_warranty()
        self._rma_service_write(
            {
                "warranty_verified_user_id": self.env.user.id,
                "warranty_verified_date": fields.Datetime.now(),
            }
        )
        return True

    # ------------------------------------------------------------------
    # Logistics
    # ------------------------------------------------------------------

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

    def _ships_back(self):
        """A unit (or its replacement) goes back to the customer."""
        self.ensure_one()
        return (
            self.disposition not in ("credit_note", "scrap")
            and not self.advance_shipped_date
        )

    # ------------------------------------------------------------------
    # Sales review of single units (M14)
    # ------------------------------------------------------------------

    def _reject(self, reason, note=False):
        """Refuse these units at sales review; the rest of the case goes on."""
        self._check_action("review")
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
        self._check_action("review")
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
        self._check_action("review")
        return self._open_unit_wizard("rma.unex.unit.reject.wizard", _("Reject units"))

    def _open_unit_wizard(self, model, title):
        return self._rma_wizard_action(model, title, {"default_unit_ids": self.ids})
