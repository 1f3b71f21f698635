from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal


class RmaUnexSalePortal(CustomerPortal):
    @http.route(
        ["/my/orders/<int:order_id>/rma_po"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_rma_quote_po(
        self, order_id, access_token=None, client_order_ref=None, **kw
    ):
        """The customer's PO number on their RMA quotation (P4.4)."""
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        reference = (client_order_ref or "").strip()[:64]
        if (
            order_sudo.rma_case_id
            and order_sudo.state in ("draft", "sent")
            and not order_sudo.is_expired
            and reference
        ):
            order_sudo.client_order_ref = reference
            order_sudo.message_post(
                body=_(
                    "Purchase order number %(ref)s given on the portal.", ref=reference
                )
            )
        return request.redirect(order_sudo.get_portal_url())

    @http.route()
    def portal_quote_accept(
        self, order_id, access_token=None, name=None, signature=None
    ):
        """An expired RMA quotation says so, instead of the generic refusal (P4.5)."""
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return {"error": _("Invalid order.")}
        if order_sudo.rma_case_id and order_sudo.state in ("draft", "sent"):
            error = order_sudo._confirmation_error_message()
            if error:
                return {"error": error}
        return super().portal_quote_accept(
            order_id, access_token=access_token, name=name, signature=signature
        )
