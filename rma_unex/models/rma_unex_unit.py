from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_case import GROUP_SALES

WARRANTY_STATUSES = [
    ("in_warranty", "In Warranty"),
    ("expired", "Expired"),
    ("unknown", "Unknown"),
]


class RmaUnexUnit(models.Model):
    """One returned device of an RMA case: identity, reason and results."""

    _name = "rma.unex.unit"
    _description = "RMA Unit"
    _inherit = ["rma.unex.mac.mixin", "rma.unex.guarded.mixin"]
    _order = "case_id desc, sequence, id"
    _check_company_auto = True
    _rma_protected_fields = frozenset(
        {
            "is_rejected",
            "reject_reason_id",
            "reject_note",
            "warranty_status",
            "warranty_start_date",
            "warranty_end_date",
            "warranty_sale_line_id",
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
    # The preliminary warranty look at sales review (P2.4); the full
    # verification by sales comes with the logistics and warranty work (P4.1).
    warranty_status = fields.Selection(
        WARRANTY_STATUSES, default="unknown", readonly=True, copy=False
    )
    warranty_start_date = fields.Date(readonly=True, copy=False)
    warranty_end_date = fields.Date(readonly=True, copy=False)
    warranty_sale_line_id = fields.Many2one(
        "sale.order.line", string="Original Sale", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "reject_reason_required",
            "CHECK(NOT is_rejected OR reject_reason_id IS NOT NULL)",
            "A rejected unit needs a rejection reason.",
        ),
    ]

    @api.depends("product_id", "lot_id", "mac_address")
    def _compute_display_name(self):
        for unit in self:
            identity = unit.lot_id.name or unit.mac_address
            product = unit.product_id.default_code or unit.product_id.name or ""
            unit.display_name = f"{product} {identity}" if identity else product

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
                self.env["rma.unex.case"].browse(vals["case_id"])._check_units_editable()
        res = super().write(vals)
        if {"product_id", "lot_id"} & vals.keys():
            self._lookup_warranty()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_in_review(self):
        self.case_id._check_units_editable()

    # ------------------------------------------------------------------
    # Warranty (preliminary look)
    # ------------------------------------------------------------------

    def _lookup_warranty(self):
        """Find each unit's original sale and derive its warranty (P4.1).

        By serial: the done delivery to a customer that shipped the lot. Else
        by customer + product: the most recent delivered sale order line.
        Else unknown. One search per strategy for the whole batch.
        """
        found = {}
        by_lot = self._warranty_sources_by_lot()
        for unit in self:
            if unit.lot_id and unit.lot_id.id in by_lot:
                found[unit] = by_lot[unit.lot_id.id]
        rest = self - self.browse([u.id for u in found])
        by_product = rest._warranty_sources_by_customer_product()
        for unit in rest:
            key = (unit.case_id.partner_id.commercial_partner_id.id, unit.product_id.id)
            if key in by_product:
                found[unit] = by_product[key]
        today = fields.Date.context_today(self)
        for unit in self:
            start, sale_line = found.get(unit, (False, False))
            end = False
            if start:
                days = unit.product_id.product_tmpl_id._rma_warranty_days(
                    unit.case_id.company_id
                )
                end = start + relativedelta(days=days)
            status = "unknown" if not start else (
                "in_warranty" if today <= end else "expired"
            )
            unit._rma_service_write(
                {
                    "warranty_status": status,
                    "warranty_start_date": start,
                    "warranty_end_date": end,
                    "warranty_sale_line_id": sale_line.id if sale_line else False,
                }
            )

    def _warranty_sources_by_lot(self):
        lots = self.lot_id
        if not lots:
            return {}
        move_lines = self.env["stock.move.line"].sudo().search(
            [
                ("lot_id", "in", lots.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
            ],
            order="date desc, id desc",
        )
        # sudo: sales staff read deliveries for warranty without stock rights.
        sources = {}
        for line in move_lines:
            sources.setdefault(
                line.lot_id.id, (line.date.date(), line.move_id.sale_line_id)
            )
        return sources

    def _warranty_sources_by_customer_product(self):
        if not self:
            return {}
        partners = self.case_id.partner_id.commercial_partner_id
        sale_lines = self.env["sale.order.line"].sudo().search(
            [
                ("product_id", "in", self.product_id.ids),
                ("order_id.partner_id.commercial_partner_id", "in", partners.ids),
                ("state", "=", "sale"),
                ("qty_delivered", ">", 0),
            ],
            order="id desc",
        )
        # sudo: the original sale may belong to another salesperson's team.
        sources = {}
        for line in sale_lines:
            order = line.order_id
            start = (order.effective_date or order.date_order).date()
            key = (order.partner_id.commercial_partner_id.id, line.product_id.id)
            if key not in sources or start > sources[key][0]:
                sources[key] = (start, line)
        return sources

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
                _("%(units)s is already rejected.",
                  units=", ".join(already.mapped("display_name")))
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
                body=_("Unit %(unit)s accepted again for return.",
                       unit=unit.display_name),
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
