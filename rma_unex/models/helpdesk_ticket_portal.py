import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import plaintext2html

from .rma_unex_device_rows import ROW_KEYS, plain_text

_DEVICE_FIELD = re.compile(r"^device_(\d{1,3})_")
# Most devices one portal form takes; more go through the application form.
MAX_FORM_DEVICES = 50


class HelpdeskTicket(models.Model):
    """The support request form of the portal (P1, P7.2): one service method
    checks everything before anything is created, for the controller and for
    any other way in."""

    _inherit = "helpdesk.ticket"

    @api.model
    def _portal_submit_tsr(self, partner, values, files):
        """Create and submit a support request from the portal form (P1).

        ``values`` holds the request's fields and its device rows (see
        _portal_device_rows). Everything is checked before anything is
        created: a refusal raises ValidationError with the reason and leaves
        no record (X3). Called with sudo by the portal controller, on behalf
        of ``partner``.
        """
        company = partner.company_id or self.env.company
        values = {key: plain_text(value) for key, value in values.items()}
        request, errors = self._portal_read_request(values)
        devices = self.env["rma.unex.device.rows"]._check_rows(
            partner, self._portal_device_rows(values)
        )
        errors.append(self.env["rma.unex.device.rows"]._row_error_text(devices))
        errors += self._portal_check_files(company, files)
        errors = [error for error in errors if error]
        if errors:
            raise ValidationError("\n".join(errors))
        ticket = self._create_submitted_request(partner, company, request, devices)
        ticket._portal_attach(files)
        ticket._notify_portal_submission()
        return ticket

    def _portal_attach(self, files):
        """The files the customer sent with the form, [(name, content)]."""
        self.ensure_one()
        self.env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                }
                for name, content in files
            ]
        )

    @api.model
    def _create_submitted_request(self, partner, company, request, devices):
        """The submitted request of checked values and device rows, as
        ``partner`` accepted the disclaimer; for every channel."""
        vals = self._portal_ticket_vals(partner, company, request)
        vals["device_ids"] = [
            fields.Command.create(dict(row.values, sequence=index))
            for index, row in enumerate(devices, start=1)
        ]
        ticket = self.create(vals)
        ticket._accept_disclaimer(partner)
        ticket.action_submit_tsr()
        return ticket

    @api.model
    def _portal_device_rows(self, values):
        """The form's device rows: fields ``device_<n>_<key>`` for n = 0, 1, …
        (the form adds and removes rows); rows left wholly empty are skipped."""
        indexes = sorted(
            {
                int(match.group(1))
                for key in values
                if (match := _DEVICE_FIELD.match(key))
            }
        )[:MAX_FORM_DEVICES]
        rows = []
        for index in indexes:
            row = {key: values.get(f"device_{index}_{key}") or "" for key in ROW_KEYS}
            if any(str(value).strip() for value in row.values()):
                rows.append(row)
        for number, row in enumerate(rows, start=1):
            row["label"] = _("Device %s", number)
        return rows or [{"label": _("Device %s", 1)}]

    @api.model
    def _portal_read_request(self, values):
        """(clean values, errors) of the form's request fields (P1.2, P1.3)."""
        errors = []
        clean = {"title": (values.get("name") or "").strip()}
        if not clean["title"]:
            errors.append(_("Give the request a short title."))
        clean["steps"] = (values.get("steps_to_reproduce") or "").strip()
        if not clean["steps"]:
            errors.append(_("Describe the steps to reproduce the issue."))
        if not values.get("disclaimer"):
            errors.append(
                _(
                    "Accept the data disclaimer: back up your data and "
                    "configuration; we are not liable for data loss (P1.3)."
                )
            )
        clean["description"] = (values.get("description") or "").strip()
        clean["sales_document_ref"] = (values.get("sales_document_ref") or "").strip()
        return clean, errors

    @api.model
    def _portal_ticket_vals(self, partner, company, request):
        """Values of the support request of a checked form; extension hook."""
        team = self.env["helpdesk.ticket.team"].search(
            [("company_id", "in", [company.id, False])], limit=1
        )
        description = request["description"] or request["steps"]
        return {
            "name": request["title"][:200],
            "description": plaintext2html(description[:20000]),
            "partner_id": partner.id,
            "company_id": company.id,
            "team_id": team.id,
            "channel_id": self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_web").id,
            "steps_to_reproduce": request["steps"][:20000],
            "sales_document_ref": request["sales_document_ref"][:64],
        }

    @api.model
    def _portal_check_files(self, company, files):
        allowed = {
            ext.strip().lower().lstrip(".")
            for ext in (company.rma_portal_file_types or "").split(",")
            if ext.strip()
        }
        limit = (company.rma_portal_max_upload_mb or 10) * 1024 * 1024
        errors = []
        for name, content in files:
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if extension not in allowed:
                errors.append(
                    _(
                        "%(file)s: this type of file is not accepted (allowed: "
                        "%(types)s).",
                        file=name,
                        types=", ".join(sorted(allowed)),
                    )
                )
            elif len(content) > limit:
                errors.append(
                    _(
                        "%(file)s is larger than %(mb)s MB.",
                        file=name,
                        mb=company.rma_portal_max_upload_mb,
                    )
                )
        return errors

    def _notify_portal_submission(self):
        """Acknowledge to the customer; make sure the support team sees it."""
        template = self.env.ref("rma_unex.mail_template_tsr_acknowledgement")
        for ticket in self:
            # the customer who submitted is the current user, whom Odoo never
            # notifies of a message posted in their name: they are told here
            ticket.with_context(mail_notify_author=True).message_post_with_source(
                template, subtype_xmlid="mail.mt_comment"
            )
            team_users = ticket.team_id.user_ids
            if team_users:
                ticket.message_subscribe(partner_ids=team_users.partner_id.ids)
            assignee = ticket.user_id or team_users[:1]
            if assignee:
                ticket.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=assignee.id,
                    date_deadline=ticket.response_deadline.date(),
                    summary=_("New support request from the portal"),
                )
