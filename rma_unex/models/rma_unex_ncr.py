from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_case import GROUP_QUALITY


class RmaUnexNcr(models.Model):
    """Non-conformity report (P7.6): what failed, how far it spreads, what
    was done at once to contain it."""

    _name = "rma.unex.ncr"
    _description = "Non-Conformity Report"
    _inherit = ["mail.thread", "mail.activity.mixin", "rma.unex.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _rma_protected_fields = frozenset({"name", "state", "date_closed"})

    name = fields.Char(
        string="NCR Number", required=True, readonly=True, copy=False, default="/"
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("investigation", "Under Investigation"),
            ("closed", "Closed"),
        ],
        default="open",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    unit_ids = fields.Many2many("rma.unex.unit", string="RMA Units", check_company=True)
    case_ids = fields.Many2many(
        "rma.unex.case", compute="_compute_case_ids", string="RMA Cases"
    )
    product_id = fields.Many2one("product.product", tracking=True, check_company=True)
    lot_ids = fields.Many2many("stock.lot", string="Lots / Serials", check_company=True)
    supplier_id = fields.Many2one(
        "res.partner",
        string="Supplier (Original Factory)",
        tracking=True,
        check_company=True,
    )
    severity = fields.Selection(
        [("minor", "Minor"), ("major", "Major"), ("critical", "Critical")],
        default="major",
        required=True,
        tracking=True,
    )
    description = fields.Html(required=True)
    containment = fields.Html(string="Containment Actions")
    capa_ids = fields.Many2many("rma.unex.capa", string="CAPAs")
    date_closed = fields.Datetime(readonly=True, copy=False)
    age_days = fields.Integer(string="Age (days)", compute="_compute_age_days")

    @api.depends("unit_ids.case_id")
    def _compute_case_ids(self):
        for ncr in self:
            ncr.case_ids = ncr.unit_ids.case_id

    def _compute_age_days(self):
        now = fields.Datetime.now()
        for ncr in self:
            end = ncr.date_closed or now
            ncr.age_days = (end - ncr.create_date).days if ncr.create_date else 0

    def _rma_complete_create_values(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(vals.get("company_id") or self.env.company)
                    .next_by_code("rma.unex.ncr")
                    or "/"
                )

    def _check_state(self, allowed, action):
        for ncr in self:
            if ncr.state not in allowed:
                raise UserError(
                    _(
                        "%(ncr)s is %(state)s: you cannot %(action)s it.",
                        ncr=ncr.name,
                        action=action,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[ncr.state],
                    )
                )

    def action_investigate(self):
        self.env["rma.unex.case"]._check_rma_groups(
            (GROUP_QUALITY,), _("Investigate an NCR")
        )
        self._check_state(("open",), _("start investigating"))
        self._rma_service_write({"state": "investigation"})
        return True

    def action_close(self):
        """An NCR closes once contained and handed to a CAPA (P7.6)."""
        self.env["rma.unex.case"]._check_rma_groups((GROUP_QUALITY,), _("Close an NCR"))
        self._check_state(("open", "investigation"), _("close"))
        for ncr in self:
            if not ncr.containment or ncr.containment == "<p><br></p>":
                raise UserError(
                    _(
                        "Record the containment actions of %(ncr)s before closing it.",
                        ncr=ncr.name,
                    )
                )
            if not ncr.capa_ids:
                raise UserError(
                    _(
                        "Link %(ncr)s to a CAPA so that the failure does not recur "
                        "(P7.6).",
                        ncr=ncr.name,
                    )
                )
        self._rma_service_write(
            {"state": "closed", "date_closed": fields.Datetime.now()}
        )
        return True

    def action_create_capa(self):
        self.ensure_one()
        self.env["rma.unex.case"]._check_rma_groups((GROUP_QUALITY,), _("Open a CAPA"))
        capa = self.env["rma.unex.capa"].create(
            {
                "title": _("CAPA for %(ncr)s", ncr=self.name),
                "ncr_ids": [fields.Command.link(self.id)],
                "company_id": self.company_id.id,
            }
        )
        return capa._get_records_action()
