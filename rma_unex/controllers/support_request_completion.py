from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from .support_request import RmaUnexSupportRequestPortal

COMPLETION_ROUTE = "/my/ticket/<int:ticket_id>/complete"


class RmaUnexSupportRequestCompletion(RmaUnexSupportRequestPortal):
    """The portal page that completes a support request received by e-mail
    (P1.2, P1.3): the link of its acknowledgement leads here. Only the
    customer's own contacts, logged in or holding the e-mailed link's token,
    reach it (X2)."""

    def _completion_ticket(self, ticket_id, access_token):
        """(ticket with sudo, partner acting) of a request the visitor may
        complete, or (None, None). A logged-in user acts for themselves and
        must belong to the request's customer; a visitor with the e-mailed
        link acts as the contact it was sent to."""
        try:
            ticket_sudo = self._document_check_access(
                "helpdesk.ticket", ticket_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None, None
        user = request.env.user
        if user._is_public():
            return ticket_sudo, ticket_sudo.partner_id
        customer = ticket_sudo.commercial_partner_id
        if not customer or user.partner_id.commercial_partner_id != customer:
            return None, None
        return ticket_sudo, user.partner_id

    def _completion_refuse(self, ticket_id, access_token):
        """A visitor without the link's token may just not be logged in yet:
        to the login, and back. Anyone else gets a 404 that says nothing of
        whether the request exists (X2)."""
        if request.env.user._is_public() and not access_token:
            return request.redirect(
                "/web/login?"
                + urlencode({"redirect": f"/my/ticket/{ticket_id}/complete"})
            )
        return request.not_found()

    def _completion_page(self, ticket_sudo, access_token, values, error=None):
        page = self._tsr_form_values(
            values, error, customer=ticket_sudo.commercial_partner_id
        )
        page.update(
            {
                "ticket": ticket_sudo,
                "access_token": access_token or "",
                "page_name": "ticket",
            }
        )
        return request.render("rma_unex.portal_support_request_completion", page)

    def _ticket_page_url(self, ticket_sudo, access_token, message):
        query = {"message": message}
        if access_token:
            query["access_token"] = access_token
        return f"/my/ticket/{ticket_sudo.id}?{urlencode(query)}"

    @http.route(
        [COMPLETION_ROUTE], type="http", auth="public", website=True, methods=["GET"]
    )
    def portal_support_request_completion(self, ticket_id, access_token=None, **kw):
        ticket_sudo, partner = self._completion_ticket(ticket_id, access_token)
        if not ticket_sudo:
            return self._completion_refuse(ticket_id, access_token)
        if not ticket_sudo._portal_completable():
            return request.redirect(
                self._ticket_page_url(ticket_sudo, access_token, "tsr_complete")
            )
        return self._completion_page(
            ticket_sudo, access_token, ticket_sudo._portal_completion_values()
        )

    @http.route(
        [COMPLETION_ROUTE], type="http", auth="public", website=True, methods=["POST"]
    )
    def portal_support_request_complete(self, ticket_id, access_token=None, **post):
        ticket_sudo, partner = self._completion_ticket(ticket_id, access_token)
        if not ticket_sudo:
            return self._completion_refuse(ticket_id, access_token)
        files = [
            (upload.filename, upload.read())
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
        try:
            # the service method checks every field before it changes anything
            ticket_sudo._portal_complete_request(partner, post, files)
        except ValidationError as error:
            request.env.cr.rollback()
            values = {
                k: v for k, v in post.items() if k not in ("csrf_token", "access_token")
            }
            return self._completion_page(
                ticket_sudo, access_token, values, error.args[0]
            )
        return request.redirect(
            self._ticket_page_url(ticket_sudo, access_token, "tsr_completed")
        )
