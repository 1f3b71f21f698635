"""What comes of an RMA application form: sent to a customer, uploaded on the
portal and held until the customer confirms it, made into a support request
or added to one (P7.2, P1.3)."""

import base64
import secrets
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import consteq, format_date

from .rma_unex_application_form import XLSX_MIMETYPE, column_letter

# How long an upload waits for its customer's confirmation.
HOLD_HOURS = 24


class RmaUnexApplicationFormUpload(models.Model):
    """A filled form a portal customer uploaded, read without errors, held
    until they confirm it. Portal users have no access to the model: the
    controller reaches an upload with sudo only for the partner who made it,
    with its access token."""

    _name = "rma.unex.application.form.upload"
    _description = "Uploaded RMA Application Form"

    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True)
    filename = fields.Char(required=True)
    content = fields.Binary(attachment=False, required=True)
    access_token = fields.Char(
        required=True, copy=False, default=lambda self: secrets.token_urlsafe(32)
    )

    @api.model
    def _hold(self, partner, filename, content):
        """Keep a checked upload of ``partner`` for their confirmation."""
        return self.create(
            {
                "partner_id": partner.id,
                "company_id": (partner.company_id or self.env.company).id,
                "filename": filename,
                "content": base64.b64encode(content),
            }
        )

    @api.model
    def _portal_find(self, upload_id, partner, token):
        """The upload ``partner`` made, given its token; else an empty set,
        whether it exists or not (X2)."""
        upload = self.browse(upload_id).exists()
        if (
            not upload
            or upload.partner_id != partner
            or not consteq(upload.access_token, token or "")
        ):
            return self.browse()
        return upload

    def _raw(self):
        self.ensure_one()
        return base64.b64decode(self.content)

    def _read_form(self):
        """The held form read again: serials and cases may have changed."""
        self.ensure_one()
        return self.env["rma.unex.application.form"]._read(
            self.partner_id, self.filename, self._raw()
        )

    def _confirm(self, disclaimer):
        """The support request of the held form, read again and refused with
        its reasons if anything is wrong now or the disclaimer is not
        accepted (P1.3); the upload is then gone."""
        self.ensure_one()
        reading = self._read_form()
        errors = [self.env["rma.unex.application.form"]._error_text(reading)]
        if not disclaimer:
            errors.append(
                _(
                    "Accept the data disclaimer: back up your data and "
                    "configuration; we are not liable for data loss (P1.3)."
                )
            )
        errors = "\n".join(filter(None, errors))
        if errors:
            raise ValidationError(errors)
        ticket = self.env["rma.unex.application.form"]._create_request(
            self.partner_id, reading, self.filename, self._raw()
        )
        ticket._notify_portal_submission()
        self.unlink()
        return ticket

    @api.autovacuum
    def _gc_unconfirmed(self):
        limit = fields.Datetime.now() - timedelta(hours=HOLD_HOURS)
        self.search([("create_date", "<", limit)]).unlink()


class RmaUnexApplicationForm(models.AbstractModel):
    _inherit = "rma.unex.application.form"

    @api.model
    def _filename(self, partner):
        name = partner.commercial_partner_id.name or ""
        name = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
        return f"{_('RMA application form')} {name.strip('-')}.xlsx"

    # Preview ---------------------------------------------------------------

    @api.model
    def _preview_lines(self, reading):
        """One dict per row for the preview (portal page and sales wizard):
        product, serial / MAC, warranty and the row's problems."""
        headers = self._headers()
        ids = [row.values["product_id"] for row in reading.rows]
        products = {p.id: p for p in self.env["product.product"].browse(ids)}
        lines = []
        for row in reading.rows:
            product = products.get(row.values["product_id"])
            values = row.values
            lines.append(
                {
                    "label": row.label,
                    "product": product.display_name if product else "",
                    "identity": " / ".join(
                        filter(None, [values["serial"], values["mac_address"]])
                    ),
                    "warranty": self._warranty_text(row.warranty),
                    "status": row.warranty[0] if row.warranty else "unknown",
                    "problems": [
                        _(
                            "column %(column)s (%(header)s): %(message)s",
                            column=column_letter(key),
                            header=headers[key],
                            message=message,
                        )
                        for key, message in row.errors
                    ],
                }
            )
        return lines

    @api.model
    def _warranty_text(self, warranty):
        if not warranty:
            return _("Unknown: not among our deliveries to you")
        status, end = warranty
        end = format_date(self.env, end)
        if status == "doa":
            return _("Dead on arrival: a new unit (warranty until %s)", end)
        if status == "in_warranty":
            return _("In warranty until %s", end)
        return _("Out of warranty since %s", end)

    # Confirmation ----------------------------------------------------------

    @api.model
    def _check_confirmable(self, reading):
        text = self._error_text(reading)
        if text:
            raise ValidationError(text)

    @api.model
    def _request_values(self, reading, filename):
        """The request fields of a confirmed form (_portal_ticket_vals)."""
        today = format_date(self.env, fields.Date.context_today(self))
        refs = {row.values["sales_document_ref"] for row in reading.rows}
        return {
            "title": _("RMA application form %s", today),
            "steps": "\n".join(
                f"{row.label}: {row.values['symptom']}" for row in reading.rows
            ),
            "description": _(
                "%(count)s devices from the RMA application form %(file)s.",
                count=len(reading.rows),
                file=filename,
            ),
            "sales_document_ref": (refs.pop() if len(refs) == 1 else "") or "",
        }

    @api.model
    def _create_request(self, partner, reading, filename, content):
        """The submitted support request of a form without errors, one device
        line per row, as ``partner`` accepted the disclaimer; the form is
        attached to it."""
        self._check_confirmable(reading)
        ticket = self.env["helpdesk.ticket"]._create_submitted_request(
            partner,
            partner.company_id or self.env.company,
            self._request_values(reading, filename),
            reading.rows,
        )
        self._attach(ticket, filename, content)
        return ticket

    @api.model
    def _check_ticket_devices(self, ticket, reading):
        """Rows naming a device the request already has are refused."""
        serials = set(ticket.device_ids.mapped("serial")) - {False}
        macs = set(ticket.device_ids.mapped("mac_address")) - {False}
        for row in reading.rows:
            for key, known in (("serial", serials), ("mac_address", macs)):
                if row.values[key] and row.values[key] in known:
                    message = _("%s is already on this request.", row.values[key])
                    row.errors.append((key, message))
        return reading

    @api.model
    def _add_to_ticket(self, ticket, reading, filename, content):
        """Add the rows of a form without errors to a draft or submitted
        request of the same customer."""
        ticket._check_devices_editable()
        self._check_confirmable(self._check_ticket_devices(ticket, reading))
        start = max(ticket.device_ids.mapped("sequence") or [0])
        ticket.write(
            {
                "device_ids": [
                    Command.create(dict(row.values, sequence=start + index))
                    for index, row in enumerate(reading.rows, start=1)
                ]
            }
        )
        self._attach(ticket, filename, content)
        ticket.message_post(
            body=_(
                "%(count)s devices added from the RMA application form %(file)s.",
                count=len(reading.rows),
                file=filename,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return ticket

    @api.model
    def _attach(self, record, filename, content):
        return self.env["ir.attachment"].create(
            {
                "name": filename,
                "raw": content,
                "mimetype": XLSX_MIMETYPE,
                "res_model": record._name,
                "res_id": record.id,
            }
        )

    # Sending ---------------------------------------------------------------

    @api.model
    def _action_send(self, record, contact):
        """The e-mail composer of ``contact``'s form, attached, to post on
        ``record``: the customer, a support request or an RMA case."""
        if not contact:
            raise UserError(_("Set the customer first."))
        template = self.env.ref("rma_unex.mail_template_rma_unex_application_form")
        rendered = template._generate_template(contact.ids, ("subject", "body_html"))
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._filename(contact),
                "raw": self._build(contact),
                "mimetype": XLSX_MIMETYPE,
                # the composer's own: linked to the message when it is sent
                "res_model": "mail.compose.message",
                "res_id": 0,
            }
        )
        mode = "comment"
        if record._name == "res.partner" and not record.has_access("write"):
            # a contact takes posts from those who may edit it; without that
            # right the composer sends the e-mail itself, on its history too
            mode = "mass_mail"
        composer = self.env["mail.compose.message"].create(
            {
                "composition_mode": mode,
                "model": record._name,
                "res_ids": str(record.ids),
                "subject": rendered[contact.id]["subject"],
                "body": rendered[contact.id]["body_html"],
                "partner_ids": contact.ids,
                "attachment_ids": attachment.ids,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Send the RMA application form"),
            "res_model": "mail.compose.message",
            "res_id": composer.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }
