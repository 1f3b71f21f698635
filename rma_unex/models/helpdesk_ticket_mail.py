from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import html2plaintext
from odoo.tools.mail import parse_contact_from_email

from .rma_unex_constants import GROUP_USER
from .rma_unex_device_rows import plain_text

# Only the mail gateway's intake holds this object: it submits an e-mailed
# request as it came, complete or not. A context value sent over RPC is plain
# JSON and cannot be it, so no client submits an incomplete request this way.
_MAIL_INTAKE = object()
# Extensions of the RMA application form (xlsx) read from an e-mail.
_FORM_EXTENSIONS = (".xlsx",)
_VERSIONS = ("firmware_version", "sdk_version", "driver_version")
# States in which a request's devices may still change.
OPEN_TSR_STATES = ("draft", "submitted")
# Left in the context of the request the gateway just created: the e-mail is
# posted on it next, and is then acknowledged (not forgeable either).
_ACKNOWLEDGE = object()


class HelpdeskTicket(models.Model):
    """Support requests by e-mail to a support team's alias (P1.1, P1.5, P2.1).

    An e-mail from a customer's contact creates a request that is *submitted*
    on arrival: the 24-hour clock runs from then (P1.5) and the FAE can
    diagnose it remotely (P2.1, P2.2) at once. What P1.2 and P1.3 need rarely
    comes in an e-mail, so the request is flagged incomplete until it has its
    devices, the steps to reproduce and the data disclaimer; escalation is
    refused until then (``_check_can_escalate``). The acknowledgement lists
    what is missing and links to the portal page that completes it. An e-mail
    from an address that is no customer contact is flagged "unknown customer".
    Replies thread in through Odoo's gateway (In-Reply-To / References); an
    FAE answering by e-mail stops the clock as a reply in the chatter does.
    Automatic mail never reaches this model (``mail_thread.py``).
    """

    _inherit = "helpdesk.ticket"

    tsr_incomplete = fields.Boolean(
        string="Incomplete",
        compute="_compute_tsr_incomplete",
        store=True,
        index=True,
        help="Submitted (by e-mail) without everything P1.2 and P1.3 need: the "
        "devices, the steps to reproduce, the customer's acceptance of the data "
        "disclaimer. It cannot be escalated until it is complete.",
    )
    tsr_missing_text = fields.Text(
        string="Missing",
        compute="_compute_tsr_missing_text",
        help="What the request still needs before it can be escalated.",
    )
    tsr_customer_unknown = fields.Boolean(
        string="Unknown Customer",
        compute="_compute_tsr_customer_unknown",
        store=True,
        index=True,
        help="The request came from an address that is no customer contact "
        "(or was forwarded by a colleague): set the customer before escalating.",
    )

    @api.depends(
        "tsr_state",
        "partner_id",
        "steps_to_reproduce",
        "disclaimer_date",
        "device_ids",
        "device_ids.product_id",
        "device_ids.lot_id",
        "device_ids.serial",
        "device_ids.mac_address",
        "device_ids.firmware_version",
        "device_ids.sdk_version",
        "device_ids.driver_version",
    )
    def _compute_tsr_incomplete(self):
        for ticket in self:
            ticket.tsr_incomplete = ticket.tsr_state == "submitted" and bool(
                ticket._tsr_missing_items()
            )

    @api.depends("tsr_incomplete")
    @api.depends_context("lang")
    def _compute_tsr_missing_text(self):
        for ticket in self:
            ticket.tsr_missing_text = (
                "\n".join(ticket._tsr_missing_items())
                if ticket.tsr_incomplete
                else False
            )

    @api.depends("tsr_state", "partner_id")
    def _compute_tsr_customer_unknown(self):
        for ticket in self:
            ticket.tsr_customer_unknown = not ticket.partner_id and (
                ticket.tsr_state in ("draft", "submitted")
            )

    def _tsr_missing_items(self):
        """What P1.2 and P1.3 still need, as the customer reads it."""
        self.ensure_one()
        missing = self._tsr_missing_fields()
        if not self.disclaimer_date:
            missing.append(_("the acceptance of the data disclaimer"))
        return missing

    # Intake ---------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A support request from an e-mail to a support team's alias (P1.1).

        The sender is the customer contact when their address is a known
        contact's; a colleague's address (a forwarded e-mail) or an unknown one
        leaves the customer to be set. The request is submitted as it came and
        the clock starts now, at its arrival (P1.5). Called by the mail gateway
        (``mail.thread._message_route_process``), which posts the e-mail on the
        returned record next: ``_message_post_after_hook`` acknowledges it.
        """
        contact = self._mail_customer_contact(msg_dict.get("author_id"))
        name, email = parse_contact_from_email(msg_dict.get("email_from") or "")
        values = {
            # the team picks the request up; no one is assigned by default
            # (helpdesk_mgmt would assign the user running the gateway)
            "user_id": False,
            "partner_id": contact.id,
            "partner_name": contact.name or name or email,
            "channel_id": self.env.ref(
                "helpdesk_mgmt.helpdesk_ticket_channel_email"
            ).id,
            **(custom_values or {}),
        }
        ticket = super().message_new(msg_dict, custom_values=values)
        ticket.with_context(rma_unex_mail_intake=_MAIL_INTAKE)._apply_transition(
            "submit_tsr", {"tsr_submitted_date": fields.Datetime.now()}, system=True
        )
        team_users = ticket.team_id.user_ids
        if team_users:
            # the support team reads the e-mail and can answer it by e-mail
            ticket.message_subscribe(partner_ids=team_users.partner_id.ids)
        return ticket.with_context(rma_unex_mail_intake_reply=_ACKNOWLEDGE)

    @api.model
    def _mail_customer_contact(self, author_id):
        """The customer contact an e-mail's author is: none for an unknown
        address or a colleague's (staff forward customers' e-mails)."""
        # sudo: the gateway reads who the sender is, whoever runs it
        author = self.env["res.partner"].sudo().browse(author_id or []).exists()
        if author.user_ids.filtered(lambda user: not user.share):
            return self.env["res.partner"]
        return author

    def _check_can_submit_tsr(self):
        """The e-mail intake submits a request as it came (P1.5): it is then
        flagged incomplete, and escalation asks for what is missing."""
        if self.env.context.get("rma_unex_mail_intake") is _MAIL_INTAKE:
            return
        super()._check_can_submit_tsr()

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if message.message_type == "email" and self.env.context.get("from_alias"):
            self._mail_after_incoming(message)
        return result

    def _mail_after_incoming(self, message):
        """What an e-mail the gateway posted on the request brings: the devices
        of an attached RMA application form; for the e-mail that created the
        request, the acknowledgement."""
        self.ensure_one()
        intake = self.env.context.get("rma_unex_mail_intake_reply")
        ticket = self.with_context(rma_unex_mail_intake_reply=None)
        form_errors = ticket._mail_read_application_forms(message)
        if intake is _ACKNOWLEDGE:
            ticket._mail_acknowledge(message)
        if form_errors:
            ticket._mail_answer_form_errors(message, form_errors)

    def _record_first_response_from_message(self, message):
        """An FAE's answer sent by e-mail is a first response too (P1.5): an
        incoming public e-mail written by an internal user of the support team,
        not the e-mail that created the request (a colleague's forward)."""
        if message.message_type != "email":
            return super()._record_first_response_from_message(message)
        intake = self.env.context.get("rma_unex_mail_intake_reply")
        if (
            intake is not _ACKNOWLEDGE
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and self._mail_is_support_staff(message.author_id)
        ):
            self._record_first_response()
        return None

    def _mail_is_support_staff(self, partner):
        """Whether ``partner`` is an internal user answering for the support
        team: a member of the request's team, its assignee or an RMA user."""
        self.ensure_one()
        # sudo: who a message's author is, read by the gateway
        users = partner.sudo().user_ids.filtered(lambda user: not user.share)
        team = self.team_id.user_ids | self.user_id
        return bool(users & team) or any(user.has_group(GROUP_USER) for user in users)

    # Answers --------------------------------------------------------------

    def _mail_acknowledge(self, message):
        """Acknowledge the e-mail that created the request, in the contact's
        language, with what is missing and the link that completes it; tell
        the team. An unknown sender gets no automatic answer: no contact is
        made of a stranger's (or a spammer's) address, the FAE answers once
        the customer is known."""
        self.ensure_one()
        if self.partner_id:
            self._mail_post_automatic(
                "rma_unex.mail_template_tsr_intake_acknowledgement", message
            )
        assignee = self.user_id or self.team_id.user_id or self.team_id.user_ids[:1]
        if assignee:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=assignee.id,
                date_deadline=self.response_deadline.date(),
                summary=_("New support request by e-mail"),
            )

    def _mail_post_automatic(self, template_xmlid, message, **render_context):
        """Answer ``message`` with a template, as the company, marked as an
        automatic reply (RFC 3834) so that the customer's auto-responder keeps
        quiet; an automated message is no first response (P1.5)."""
        template = self.env.ref(template_xmlid)
        # a note to the customer alone: the team does not get a copy, the
        # company is not made a follower, a reply is still public (Odoo treats
        # replies to automated messages as such)
        return self.with_context(
            rma_unex_auto_submitted=True, mail_create_nosubscribe=True, **render_context
        ).message_post_with_source(
            template,
            message_type="auto_comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.company_id.partner_id.id,
            email_from=template._render_field("email_from", self.ids)[self.id],
            parent_id=message.id,
        )

    def _notify_by_email_get_headers(self, headers=None):
        headers = super()._notify_by_email_get_headers(headers=headers)
        if self.env.context.get("rma_unex_auto_submitted"):
            headers["Auto-Submitted"] = "auto-replied"
        return headers

    # The RMA application form -------------------------------------------

    def _mail_read_application_forms(self, message):
        """The RMA application forms (xlsx) attached to an e-mail (P7.2): the
        rows without errors become device lines of the request, the others
        are named in the text returned, to answer by e-mail (their devices
        are not on the request, which stays incomplete while it lacks them).
        Read for the request's customer, whose signature the form must carry;
        nothing is read for an unknown customer or a request no longer open
        (the sales wizard takes a form then)."""
        self.ensure_one()
        forms = message.attachment_ids.filtered(
            lambda att: (att.name or "").lower().endswith(_FORM_EXTENSIONS)
        )
        if not forms or not self.partner_id or self.tsr_state not in OPEN_TSR_STATES:
            return ""
        Form = self.env["rma.unex.application.form"]
        problems = []
        for attachment in forms:
            reading = Form._check_ticket_devices(
                self, Form._read(self.partner_id, attachment.name, attachment.raw)
            )
            rows = [row for row in reading.rows if not row.errors]
            if rows:
                self._mail_add_form_devices(attachment.name, rows)
            text = Form._error_text(reading)
            if text:
                problems.append(
                    f"{attachment.name}:\n{text}" if len(forms) > 1 else text
                )
        return "\n".join(problems)

    def _mail_add_form_devices(self, filename, rows):
        """Device lines of the form's checked rows, after the request's own."""
        start = max(self.device_ids.mapped("sequence") or [0])
        self.write(
            {
                "device_ids": [
                    Command.create(dict(row.values, sequence=start + index))
                    for index, row in enumerate(rows, start=1)
                ]
            }
        )
        self.message_post(
            body=_(
                "%(count)s device(s) added from the RMA application form %(file)s "
                "received by e-mail.",
                count=len(rows),
                file=filename,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _mail_answer_form_errors(self, message, errors):
        """Tell the sender what is wrong in the form they sent, row by row."""
        self.ensure_one()
        if self.partner_id:
            self._mail_post_automatic(
                "rma_unex.mail_template_tsr_application_form_errors",
                message,
                rma_unex_form_errors=errors,
            )

    # Completion on the portal ----------------------------------------------

    def _portal_completable(self):
        """Whether the customer may complete this request on the portal: an
        incomplete submitted request of a known customer."""
        self.ensure_one()
        return bool(
            self.tsr_state == "submitted" and self.tsr_incomplete and self.partner_id
        )

    def _portal_completion_values(self):
        """The completion form's starting values: the request's devices as
        rows, its steps (else the e-mail's text)."""
        self.ensure_one()
        values = {
            "steps_to_reproduce": self.steps_to_reproduce
            or html2plaintext(self.description or "").strip(),
            "disclaimer": bool(self.disclaimer_date),
        }
        for index, line in enumerate(self.device_ids):
            row = {
                "product": str(line.product_id.id or ""),
                "serial": line.serial or line.lot_id.name or "",
                "return_reason": str(line.return_reason_id.id or ""),
            }
            for key in ("mac_address", "symptom", "sales_document_ref") + _VERSIONS:
                row[key] = line[key] or ""
            values.update({f"device_{index}_{key}": row[key] for key in row})
        return values

    def _portal_complete_request(self, partner, values, files):
        """Complete the request on the portal page its acknowledgement links
        to (P1.2, P1.3): the device rows of the form replace the request's
        devices, with the steps to reproduce and ``partner``'s acceptance of
        the data disclaimer. Everything is checked before anything changes:
        a refusal raises ValidationError with the reasons (X3). Called with
        sudo by the portal controller, on behalf of ``partner``."""
        self.ensure_one()
        if not self._portal_completable():
            raise ValidationError(
                _("%(ticket)s needs nothing more from you.", ticket=self.number)
            )
        errors = []
        values = {key: plain_text(value) for key, value in values.items()}
        steps = values.get("steps_to_reproduce") or ""
        if not steps:
            errors.append(_("Describe the steps to reproduce the issue."))
        if not values.get("disclaimer") and not self.disclaimer_date:
            errors.append(
                _(
                    "Accept the data disclaimer: back up your data and "
                    "configuration; we are not liable for data loss (P1.3)."
                )
            )
        Rows = self.env["rma.unex.device.rows"]
        devices = Rows._check_rows(partner, self._portal_device_rows(values))
        errors.append(Rows._row_error_text(devices))
        errors += self._portal_check_files(self.company_id, files)
        errors = [error for error in errors if error]
        if errors:
            raise ValidationError("\n".join(errors))
        self.write(
            {
                "steps_to_reproduce": steps[:20000],
                "device_ids": [Command.delete(line.id) for line in self.device_ids]
                + [
                    Command.create(dict(row.values, sequence=index))
                    for index, row in enumerate(devices, start=1)
                ],
            }
        )
        self._accept_disclaimer(partner)
        self._portal_attach(files)
        self.message_post(
            body=_(
                "Request completed on the portal: %(count)s device(s), the steps "
                "to reproduce and the data disclaimer.",
                count=len(devices),
            ),
            author_id=partner.id,
            # the team is told; the customer's own step is no first response
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
        )
        return self

    def action_send_application_form(self):
        """E-mail the request's contact their RMA application form (P7.2)."""
        self.ensure_one()
        return self.env["rma.unex.application.form"]._action_send(self, self.partner_id)
