from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.rma_unex_application_form import XLSX_MIMETYPE

BASE = "/my/support-requests/application-form"


class RmaUnexApplicationFormPortal(CustomerPortal):
    """The RMA application form on the portal (P7.2): a customer downloads
    their own form, uploads it filled in, sees every row checked and confirms
    a form without errors. An upload is held for the partner who made it,
    behind its access token; nobody else reaches it (X2)."""

    def _application_form(self):
        # sudo: the form of the user's own partner; the builder reads their
        # purchases and our serials and deliveries, and tells nothing of
        # other customers (X2); the upload model is closed to portal users.
        return request.env["rma.unex.application.form"].sudo()

    @http.route([BASE], type="http", auth="user", website=True)
    def portal_application_form_download(self, **kw):
        partner = request.env.user.partner_id
        Form = self._application_form()
        content = Form._build(partner)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(Form._filename(partner))),
            ],
        )

    def _render_preview(self, filename, reading, upload=None, error=None):
        Form = self._application_form()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_request",
                "filename": filename,
                "errors": reading.errors,
                "lines": Form._preview_lines(reading),
                "has_errors": bool(Form._error_text(reading)),
                "upload": upload,
                "error": error,
            }
        )
        return request.render("rma_unex.portal_application_form_preview", values)

    @http.route(
        [f"{BASE}/upload"], type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_application_form_upload(self, **post):
        """Read the upload: a form with errors is shown with them and kept
        nowhere; a form without is held and shown for confirmation."""
        partner = request.env.user.partner_id
        company = partner.company_id or request.env.company
        limit = (company.rma_portal_max_upload_mb or 10) * 1024 * 1024
        upload = request.httprequest.files.get("application_form")
        filename = (upload.filename if upload else "") or ""
        content = upload.read(limit + 1) if upload else b""  # bounded in memory
        reading = self._application_form()._read(partner, filename, content)
        if reading.errors or self._application_form()._error_text(reading):
            return self._render_preview(filename, reading)
        # sudo: portal users have no access to uploads; this one is the
        # user's own, checked above, and reached only with its token.
        held = request.env["rma.unex.application.form.upload"].sudo()
        held = held._hold(partner, filename, content)
        return request.redirect(f"{BASE}/{held.id}?access_token={held.access_token}")

    def _find_upload(self, upload_id, access_token):
        # sudo: see _application_form; _portal_find checks the partner and
        # the token and answers an empty set for anyone else's upload.
        Upload = request.env["rma.unex.application.form.upload"].sudo()
        return Upload._portal_find(upload_id, request.env.user.partner_id, access_token)

    @http.route([f"{BASE}/<int:upload_id>"], type="http", auth="user", website=True)
    def portal_application_form_preview(self, upload_id, access_token=None, **kw):
        upload = self._find_upload(upload_id, access_token)
        if not upload:
            return request.not_found()
        return self._render_preview(upload.filename, upload._read_form(), upload)

    @http.route(
        [f"{BASE}/<int:upload_id>/confirm"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_application_form_confirm(self, upload_id, access_token=None, **post):
        """Create the request of a held form: read again, refused with every
        reason if it has errors now, whatever the POST says."""
        upload = self._find_upload(upload_id, access_token)
        if not upload:
            return request.not_found()
        try:
            ticket = upload._confirm(bool(post.get("disclaimer")))
        except ValidationError as error:
            request.env.cr.rollback()
            upload = self._find_upload(upload_id, access_token)
            return self._render_preview(
                upload.filename, upload._read_form(), upload, error.args[0]
            )
        return request.redirect(f"/my/ticket/{ticket.id}?message=tsr_submitted")
