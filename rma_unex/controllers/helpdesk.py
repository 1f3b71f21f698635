from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController

SUPPORT_REQUEST_FORM = "/my/support-requests/new"


def _int(value):
    """A database id from the request, or None for anything else."""
    value = str(value or "")
    return (
        int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None
    )


class RmaUnexHelpdeskTicketController(HelpdeskTicketController):
    """helpdesk_mgmt's portal routes, held to the customer's own tickets and
    to the one way in for a support request (X2, P1.2, P1.3)."""

    @http.route()
    def support_ticket_close(self, **kw):
        """Close one of the customer's own tickets, in a stage the portal may
        use. helpdesk_mgmt read the ticket with sudo: any id was closed."""
        ticket = request.env["helpdesk.ticket"].browse(_int(kw.get("ticket_id")))
        stage_id = _int(kw.get("stage_id"))
        try:
            ticket = ticket.exists()
            ticket.check_access("read")
        except (AccessError, MissingError):
            return request.not_found()
        if not ticket:
            return request.not_found()
        # sudo: the portal user closes their own ticket, which they cannot write
        ticket_sudo = ticket.sudo()
        stages = ticket_sudo.team_id._get_applicable_stages().filtered(
            "close_from_portal"
        )
        stage = stages.filtered(lambda s: s.id == stage_id)
        if stage and not ticket_sudo.closed_date:
            ticket_sudo.stage_id = stage
        return request.redirect(f"/my/ticket/{ticket_sudo.id}")

    @http.route()
    def create_new_ticket(self, **kw):
        """One way in: the support request form asks what P1.2 and P1.3 need."""
        return request.redirect(SUPPORT_REQUEST_FORM)

    @http.route()
    def submit_ticket(self, **kw):
        """The generic form's post creates nothing: it lacks the device, the
        versions, the steps and the data disclaimer (P1.2, P1.3)."""
        return request.redirect(SUPPORT_REQUEST_FORM)
