from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal


class RmaUnexSalePortal(CustomerPortal):
    @http.route()
    def portal_quote_accept(self, order_id, access_token=None, name=None, signature=None):
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
