from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_QUALITY, Transition

_lt = LazyTranslate(__name__)


class RmaUnexNcr(models.Model):
    """Non-conformity report (P7.6): what failed, how far it spreads, what
    was done at once to contain it."""

    _name = "rma.unex.ncr"
    _description = "Non-Conformity Report"
    _inherit = ["rma.unex.quality.mixin"]
    _rma_sequence_code = "rma.unex.ncr"

    _TRANSITIONS = {
        "investigate": Transition(
            ("open",), "investigation", (GROUP_QUALITY,), _lt("Start investigating")
        ),
        "close": Transition(
            ("open", "investigation"), "closed", (GROUP_QUALITY,), _lt("Close")
        ),
    }

    name = fields.Char(string="NCR Number")
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
        rma_protected=True,
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

    def action_investigate(self):
        return self._apply_transition("investigate")

    def action_close(self):
        """An NCR closes once contained and handed to a CAPA (P7.6)."""
        return self._apply_transition("close", {"date_closed": fields.Datetime.now()})

    def _check_can_close(self):
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

    def action_create_capa(self):
        self.ensure_one()
        self._check_rma_groups((GROUP_QUALITY,), _("Open a CAPA"))
        capa = self.env["rma.unex.capa"].create(
            {
                "title": _("CAPA for %(ncr)s", ncr=self.name),
                "ncr_ids": [fields.Command.link(self.id)],
                "company_id": self.company_id.id,
            }
        )
        return capa._get_records_action()
