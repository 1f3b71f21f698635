from odoo import _, fields, models
from odoo.exceptions import UserError

from .rma_unex_constants import GROUP_QUALITY


class RmaUnexCapaAction(models.Model):
    """One corrective or preventive action of a CAPA, with owner and dates."""

    _name = "rma.unex.capa.action"
    _description = "CAPA Action"
    _order = "date_due, id"

    capa_id = fields.Many2one(
        "rma.unex.capa", required=True, ondelete="cascade", index=True
    )
    action_type = fields.Selection(
        [("corrective", "Corrective"), ("preventive", "Preventive")],
        default="corrective",
        required=True,
    )
    description = fields.Text(required=True)
    user_id = fields.Many2one(
        "res.users", string="Owner", required=True, domain="[('share', '=', False)]"
    )
    date_due = fields.Date(string="Due Date", required=True)
    date_done = fields.Date(string="Done On", readonly=True, copy=False)

    def action_done(self):
        """Quality, or the action's owner, records it done (P7.6)."""
        if self.capa_id.filtered(lambda c: c.state == "closed"):
            raise UserError(_("The CAPA is closed."))
        if self.env.user.has_group(GROUP_QUALITY):
            self.write({"date_done": fields.Date.context_today(self)})
            return True
        others = self.filtered(lambda a: a.user_id != self.env.user)
        if others:
            raise UserError(
                _(
                    "Only the owner of an action or a quality engineer records it "
                    "done: %(actions)s belongs to %(owner)s.",
                    actions=others[0].description,
                    owner=others[0].user_id.name,
                )
            )
        # sudo: owners record their own actions without the right to edit CAPAs
        self.sudo().write({"date_done": fields.Date.context_today(self)})
        return True
