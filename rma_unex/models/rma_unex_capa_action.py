from odoo import _, fields, models
from odoo.exceptions import UserError


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
        if self.capa_id.filtered(lambda c: c.state == "closed"):
            raise UserError(_("The CAPA is closed."))
        self.write({"date_done": fields.Date.context_today(self)})
        return True
