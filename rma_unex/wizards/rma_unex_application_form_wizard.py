import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class RmaUnexApplicationFormWizard(models.TransientModel):
    """Sales upload a customer's filled RMA application form (P7.2): on a
    support request its rows become device lines of that request; on a
    customer they make a new submitted request. Every row is previewed, and
    nothing is created until a form without errors is confirmed."""

    _name = "rma.unex.application.form.wizard"
    _description = "Upload RMA Application Form"

    ticket_id = fields.Many2one("helpdesk.ticket", string="Support Request")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        compute="_compute_partner_id",
        store=True,
        precompute=True,
        readonly=False,
    )
    form_file = fields.Binary(string="Filled Form", attachment=False)
    form_filename = fields.Char(string="File Name")
    state = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview")], default="upload", required=True
    )
    preview_html = fields.Html(string="Rows", readonly=True)
    has_errors = fields.Boolean(readonly=True)
    disclaimer_accepted = fields.Boolean(
        string="The customer accepted the data disclaimer",
        help="They back up their data and configuration; we are not liable for "
        "data loss during service (P1.3).",
    )

    @api.depends("ticket_id")
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard.ticket_id.partner_id or wizard.partner_id

    def _reading(self):
        """The uploaded form, read for the customer (and checked against the
        request's devices on a request)."""
        self.ensure_one()
        if not self.form_file:
            raise UserError(_("Choose the filled application form first."))
        Form = self.env["rma.unex.application.form"]
        reading = Form._read(
            self.partner_id, self.form_filename, base64.b64decode(self.form_file)
        )
        if self.ticket_id:
            reading = Form._check_ticket_devices(self.ticket_id, reading)
        return reading

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": _("RMA Application Form"),
        }

    def action_preview(self):
        """Read the form and show every row with its warranty and problems."""
        reading = self._reading()
        Form = self.env["rma.unex.application.form"]
        self.preview_html = self.env["ir.qweb"]._render(
            "rma_unex.application_form_preview_rows",
            {"errors": reading.errors, "lines": Form._preview_lines(reading)},
        )
        self.has_errors = bool(Form._error_text(reading))
        self.state = "preview"
        return self._reopen()

    def action_back(self):
        self.write({"state": "upload", "preview_html": False, "has_errors": False})
        return self._reopen()

    def action_confirm(self):
        """Read the form again and create, or refuse with every reason."""
        reading = self._reading()
        Form = self.env["rma.unex.application.form"]
        content = base64.b64decode(self.form_file)
        if self.ticket_id:
            ticket = Form._add_to_ticket(
                self.ticket_id, reading, self.form_filename, content
            )
        else:
            Form._check_confirmable(reading)
            if not self.disclaimer_accepted:
                raise UserError(
                    _(
                        "Record that the customer accepted the data disclaimer "
                        "before the request is submitted (P1.3)."
                    )
                )
            ticket = Form._create_request(
                reading.contact or reading.customer,
                reading,
                self.form_filename,
                content,
            )
        return ticket._get_records_action()
