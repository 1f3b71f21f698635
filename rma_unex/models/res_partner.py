from odoo import _, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rma_case_count = fields.Integer(
        string="RMA Cases",
        compute="_compute_rma_case_count",
        groups="rma_unex.rma_unex_group_user",
    )

    rma_advance_replacement = fields.Boolean(
        string="Advance Replacements Allowed",
        groups="rma_unex.rma_unex_group_manager",
        help="The RMA Manager lets this customer receive replacements before "
        "sending the faulty units (M6).",
    )

    def _compute_rma_case_count(self):
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["rma.unex.case"]._read_group(
                [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.rma_case_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_rma_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rma_unex.rma_unex_case_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        action["name"] = _(
            "RMA Cases of %(partner)s", partner=self.commercial_partner_id.name
        )
        return action

    def signup_prepare(self, signup_type="signup"):
        # Every e-mail to a customer without a user asks for a signup link and
        # so writes its partner, unchanged: concurrent authorisations for one
        # customer then update the same row and fail (could not serialize).
        # The token does not depend on the write, so an unchanged type is kept.
        changed = self.filtered(lambda partner: partner.signup_type != signup_type)
        return super(ResPartner, changed).signup_prepare(signup_type)

    def action_send_application_form(self):
        """E-mail the customer their RMA application form (P7.2)."""
        self.ensure_one()
        return self.env["rma.unex.application.form"]._action_send(self, self)
