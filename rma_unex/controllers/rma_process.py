from odoo import http
from odoo.http import request

from .helpdesk import SUPPORT_REQUEST_FORM


class RmaUnexProcessPage(http.Controller):
    """The public page that explains the RMA process step by step (P1-P6,
    M1, M2, M3, M5), with the figures of the company's configuration."""

    @http.route(["/rma"], type="http", auth="public", website=True, methods=["GET"])
    def rma_process_page(self, **kw):
        user = request.env.user
        is_visitor = user._is_public()
        values = {
            # the website's company; for a visitor, the main company
            "figures": request.env.company._rma_process_figures(),
            "is_visitor": is_visitor,
            "sales_contact": False if is_visitor else self._rma_sales_contact(user),
            "support_url": SUPPORT_REQUEST_FORM,
        }
        return request.render("rma_unex.rma_process_page", values)

    def _rma_sales_contact(self, user):
        """Name, e-mail and phone of the logged-in customer's sales
        representative (P2.3: the one to ask about an RMA), or False."""
        partner = user.partner_id
        # sudo: a portal customer cannot read users; only these three values
        # of their own company's salesperson leave this method.
        partner_sudo = partner.sudo()
        salesperson = partner_sudo.commercial_partner_id.user_id or partner_sudo.user_id
        if not salesperson:
            return False
        return {
            "name": salesperson.name,
            "email": salesperson.email,
            "phone": salesperson.phone,
        }
