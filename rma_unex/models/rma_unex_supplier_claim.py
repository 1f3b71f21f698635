from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_QUALITY, Transition

_lt = LazyTranslate(__name__)


class RmaUnexSupplierClaim(models.Model):
    """Claiming the cost back from the original factory (M10), under the
    supplier's own RMA number; settled by a vendor credit note."""

    _name = "rma.unex.supplier.claim"
    _description = "Supplier Recovery Claim"
    _inherit = ["mail.thread", "rma.unex.guarded.mixin"]
    _order = "id desc"

    _TRANSITIONS = {
        "claim": Transition(
            ("draft",), "claimed", (GROUP_QUALITY,), _lt("Send a claim")
        ),
        "register_credit": Transition(
            ("claimed",), "recovered", (GROUP_QUALITY,), _lt("Settle a claim")
        ),
        "reject": Transition(
            ("claimed",), "rejected", (GROUP_QUALITY,), _lt("Record a rejected claim")
        ),
    }

    name = fields.Char(
        required=True, default=lambda self: _("New claim"), tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    supplier_id = fields.Many2one("res.partner", required=True, tracking=True)
    supplier_rma_ref = fields.Char(string="Supplier's RMA Number", tracking=True)
    unit_ids = fields.Many2many("rma.unex.unit", string="RMA Units")
    ncr_id = fields.Many2one("rma.unex.ncr", string="NCR")
    expected_credit = fields.Monetary(currency_field="currency_id", tracking=True)
    credit_note_id = fields.Many2one(
        "account.move",
        string="Vendor Credit Note",
        domain="[('move_type', '=', 'in_refund'), "
        "('partner_id', 'child_of', supplier_id)]",
        tracking=True,
    )
    recovered_amount = fields.Monetary(
        currency_field="currency_id", compute="_compute_recovered_amount", store=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("claimed", "Claimed"),
            ("recovered", "Recovered"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        rma_protected=True,
    )

    @api.depends("credit_note_id.amount_total", "credit_note_id.state")
    def _compute_recovered_amount(self):
        for claim in self:
            credit = claim.credit_note_id
            claim.recovered_amount = (
                credit.amount_total if credit.state == "posted" else 0.0
            )

    def action_claim(self):
        return self._apply_transition("claim")

    def _check_can_claim(self):
        for claim in self:
            if not claim.supplier_rma_ref or not claim.unit_ids:
                raise UserError(
                    _("A claim needs the supplier's RMA number and the units.")
                )

    def action_register_credit(self):
        """The supplier's credit note arrived and is posted: the claim is settled."""
        return self._apply_transition("register_credit")

    def _check_can_register_credit(self):
        for claim in self:
            credit = claim.credit_note_id
            if (
                not credit
                or credit.move_type != "in_refund"
                or credit.state != "posted"
            ):
                raise UserError(_("Link the supplier's posted credit note first."))
            if (
                credit.partner_id.commercial_partner_id
                != claim.supplier_id.commercial_partner_id
            ):
                raise UserError(
                    _(
                        "The credit note is not from %(supplier)s.",
                        supplier=claim.supplier_id.name,
                    )
                )

    def action_reject(self):
        return self._apply_transition("reject")
