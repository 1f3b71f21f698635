from odoo import _, api, models
from odoo.exceptions import ValidationError
from odoo.tools import plaintext2html

from .rma_unex_mac_mixin import normalize_mac


class HelpdeskTicket(models.Model):
    """The support request form of the portal (P1, P7.2): one service method
    checks everything before anything is created, for the controller and for
    any other way in."""

    _inherit = "helpdesk.ticket"

    @api.model
    def _portal_submit_tsr(self, partner, values, files):
        """Create and submit a support request from the portal form (P1).

        Everything is checked before anything is created: a refusal raises
        ValidationError with the reason and leaves no record (X3). Called with
        sudo by the portal controller, on behalf of ``partner``.
        """
        company = partner.company_id or self.env.company
        request, errors = self._portal_read_request(values)
        errors += self._portal_check_files(company, files)
        if errors:
            raise ValidationError("\n".join(errors))
        ticket = self.create(self._portal_ticket_vals(partner, company, request))
        ticket._accept_disclaimer(partner)
        ticket.action_submit_tsr()
        if not ticket.rma_lot_id and request["serial"]:
            ticket.message_post(
                body=_(
                    "Serial number given by the customer: %(serial)s",
                    serial=request["serial"],
                )
            )
        self.env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "raw": content,
                    "res_model": self._name,
                    "res_id": ticket.id,
                }
                for name, content in files
            ]
        )
        ticket._notify_portal_submission()
        return ticket

    @api.model
    def _portal_read_request(self, values):
        """(clean values, errors) of the form's fields (P1.2, P1.3, P1.4)."""
        errors = []
        clean = {"title": (values.get("name") or "").strip()}
        if not clean["title"]:
            errors.append(_("Give the request a short title."))
        clean["product"] = self._portal_product(values.get("product_id") or "")
        if not clean["product"]:
            errors.append(_("Choose the product model from the list."))
        clean["mac"] = (values.get("mac_address") or "").strip()
        clean["serial"] = (values.get("serial") or "").strip()[:64]
        if clean["mac"]:
            try:
                clean["mac"] = normalize_mac(clean["mac"])
            except ValidationError as error:
                errors.append(str(error.args[0]))
        if not clean["mac"] and not clean["serial"]:
            errors.append(_("Give the MAC address or the serial number of the device."))
        clean["versions"] = {
            f: (values.get(f) or "").strip()[:64]
            for f in ("firmware_version", "sdk_version", "driver_version")
        }
        if not any(clean["versions"].values()):
            errors.append(_("Give the firmware, SDK or driver version in use."))
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
    def _portal_product(self, product_id):
        """The device the form names, among the products we service."""
        # ASCII digits that fit a database id: "²" or 20 digits are no product
        if not (product_id.isascii() and product_id.isdigit()):
            return self.env["product.product"]
        if int(product_id) >= 2**31:
            return self.env["product.product"]
        return self.env["product.product"].search(
            [
                ("id", "=", int(product_id)),
                ("sale_ok", "=", True),
                ("type", "=", "consu"),
            ]
        )

    @api.model
    def _portal_ticket_vals(self, partner, company, request):
        """Values of the support request of a checked form; extension hook."""
        product = request["product"]
        lot = self.env["stock.lot"]
        if request["serial"]:
            lot = lot.search(
                [("name", "=", request["serial"]), ("product_id", "=", product.id)],
                limit=1,
            )
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
            "rma_product_id": product.id,
            "rma_lot_id": lot.id,
            "mac_address": request["mac"] or False,
            "steps_to_reproduce": request["steps"][:20000],
            "sales_document_ref": request["sales_document_ref"][:64],
            **request["versions"],
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
            ticket.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
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
