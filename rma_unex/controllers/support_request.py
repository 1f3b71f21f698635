from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.helpdesk_ticket_portal import MAX_FORM_DEVICES


class RmaUnexSupportRequestPortal(CustomerPortal):
    """The support request form on the portal (P1, P7.2): one way in for a
    customer's devices, checked by the ticket's service methods."""

    def _tsr_products(self, customer):
        """(the customer's products, the other ones): the serviceable devices,
        those their company bought first (P1.2)."""
        Recognition = request.env["rma.unex.device.recognition"]
        # sudo: the product list of the form is the catalogue of our devices.
        products = (
            request.env["product.product"]
            .sudo()
            .search(
                Recognition._serviceable_product_domain(), order="default_code, name"
            )
        )
        purchased = Recognition._purchased_product_ids(customer)
        own = products.filtered(lambda product: product.id in purchased)
        return own, products - own

    def _tsr_form_values(self, values=None, error=None, customer=None):
        """The form's values; ``customer``: the company whose products come
        first, by default the logged-in user's."""
        customer = customer or request.env.user.partner_id.commercial_partner_id
        own_products, other_products = self._tsr_products(customer)
        layout = self._prepare_portal_layout_values()
        # sudo: public bulletins are meant for customers (M12).
        bulletins = (
            request.env["rma.unex.service.bulletin"]
            .sudo()
            .search([("is_public", "=", True)])
        )
        Ticket = request.env["helpdesk.ticket"]
        layout.update(
            {
                "page_name": "support_request",
                "products": own_products + other_products,
                "own_products": own_products,
                "other_products": other_products,
                # sudo: the return reasons are a public list of choices (M14).
                "return_reasons": request.env["rma.unex.return.reason"]
                .sudo()
                .search([]),
                "device_rows": Ticket._portal_device_rows(values or {}),
                "max_devices": MAX_FORM_DEVICES,
                "bulletins": bulletins,
                "form": values or {},
                "error": error,
            }
        )
        return layout

    @http.route(["/my/support-requests/new"], type="http", auth="user", website=True)
    def portal_new_support_request(self, **kw):
        return request.render(
            "rma_unex.portal_support_request_form", self._tsr_form_values()
        )

    @http.route(
        ["/my/support-requests/submit"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_submit_support_request(self, **post):
        files = [
            (upload.filename, upload.read())
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
        partner = request.env.user.partner_id
        try:
            # sudo: portal users do not create tickets themselves; the service
            # method validates every field first and acts for their partner.
            ticket = (
                request.env["helpdesk.ticket"]
                .sudo()
                ._portal_submit_tsr(partner, post, files)
            )
        except ValidationError as error:
            request.env.cr.rollback()
            values = {k: v for k, v in post.items() if k != "csrf_token"}
            return request.render(
                "rma_unex.portal_support_request_form",
                self._tsr_form_values(values, error.args[0]),
            )
        return request.redirect(f"/my/ticket/{ticket.id}?message=tsr_submitted")
