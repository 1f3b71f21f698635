from odoo import http
from odoo.http import request


class RmaUnexDeviceRecognition(http.Controller):
    """The support request form asks, as the customer types a serial or a
    MAC, which of their devices it is (P1.2, P4.1, M12). Logged-in users
    only; the answer says nothing of other customers' serials (X2)."""

    @http.route(
        ["/my/support-requests/recognise"],
        type="json",
        auth="user",
        methods=["POST"],
    )
    def portal_recognise_device(self, identity="", firmware="", **kw):
        return request.env["rma.unex.device.recognition"]._recognise_for_user(
            request.env.user, identity, firmware
        )
