from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import is_html_empty

from .ir_sequence import RMA_CASE_SEQUENCE_CODE


class ResCompany(models.Model):
    _inherit = "res.company"

    rma_warranty_days = fields.Integer(
        string="Warranty Period (days)",
        default=90,
        help="Warranty from the delivery date, unless the product sets its own (P4.1).",
    )
    rma_response_hours = fields.Integer(
        string="First Response Within (hours)",
        default=24,
        help="Commitment for a first response to support requests and RMA "
        "applications (P1.5, P7.3).",
    )
    rma_response_basis = fields.Selection(
        [("hours", "Plain hours"), ("calendar", "Working hours")],
        string="Response Hours Count",
        default="hours",
        required=True,
        help="Working hours follow the company's working schedule and public holidays.",
    )
    rma_response_warning_hours = fields.Integer(
        string="Warn Before Deadline (hours)",
        default=4,
        help="The assignee gets an activity this long before a response is due.",
    )
    rma_oui_blocks = fields.Char(
        string="Registered OUI Blocks",
        default="00:01:A7, 00:10:A7",
        help="IEEE OUI prefixes of our devices, comma separated. A MAC outside "
        "them is flagged as possibly mistyped, not refused (P1.4).",
    )
    rma_doa_days = fields.Integer(
        string="Dead-on-Arrival Window (days)",
        default=30,
        help="A failure within this many days of delivery is DOA: a new unit, "
        "freight paid by us both ways (M1).",
    )
    rma_repair_warranty_days = fields.Integer(
        string="Repair Warranty (days)",
        default=90,
        help="A repaired or replacement unit is covered until the later of its "
        "original warranty end and this many days after its return shipment (M3).",
    )
    rma_authorisation_days = fields.Integer(
        string="Authorisation Valid For (days)",
        default=30,
        help="Without goods received by then, the customer is reminded (M2).",
    )
    rma_authorisation_grace_days = fields.Integer(
        string="Expiry After Reminder (days)",
        default=7,
        help="Days after the reminder before the authorisation expires (M2).",
    )
    rma_shipping_instructions = fields.Html(
        string="Shipping Instructions",
        translate=True,
        help="Sent with every RMA authorisation (P3.2). Empty: the standard "
        "instructions, in the customer's language.",
    )
    rma_shipping_instructions_display = fields.Html(
        string="Shipping Instructions Sent",
        compute="_compute_rma_shipping_instructions_display",
        help="The company's instructions, or the standard ones, in the "
        "language of the context (the customer's in emails and reports).",
    )

    rma_quotation_validity_days = fields.Integer(
        string="Quotation Valid For (days)",
        default=30,
        help="Validity of RMA service quotations (P4.5).",
    )
    rma_burn_in_hours = fields.Float(
        string="Minimum Burn-in (hours)",
        default=24.0,
        help="A repaired unit passes QC only after this much burn-in (P6.1).",
    )
    rma_repair_product_id = fields.Many2one(
        "product.product",
        string="Repair Labour Product",
        domain="[('type', '=', 'service')]",
    )
    rma_inspection_product_id = fields.Many2one(
        "product.product",
        string="Inspection Fee Product",
        domain="[('type', '=', 'service')]",
    )
    rma_shipping_product_id = fields.Many2one(
        "product.product",
        string="Return Shipping Product",
        domain="[('type', '=', 'service')]",
    )

    rma_custody_days = fields.Integer(
        string="Custody Limit (days)",
        default=30,
        help="Days after a quotation lapses before its units go back unrepaired "
        "or to scrap, as the customer chose (M5).",
    )
    rma_advance_cap = fields.Integer(
        string="Outstanding Advance Replacements per Customer",
        default=3,
        help="An advance replacement beyond this many outstanding ones is refused "
        "(M6).",
    )
    rma_advance_return_days = fields.Integer(
        string="Advance Replacement Return Within (days)",
        default=30,
        help="A faulty unit not back by then is invoiced at list price (M6).",
    )

    rma_portal_file_types = fields.Char(
        string="Portal Upload Types",
        default="log,txt,csv,pcap,png,jpg,jpeg,pdf,zip",
        help="File extensions customers may attach to a support request.",
    )
    rma_portal_max_upload_mb = fields.Integer(
        string="Portal Upload Limit (MB)",
        default=10,
        help="Largest file a customer may attach to a support request.",
    )
    rma_job_threshold = fields.Integer(
        string="Background Job Threshold",
        default=500,
        help="Larger selections (register rows, recall serials, units to verify) "
        "run as a background job; smaller ones at once.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # sudo: whoever may create a company gets its RMA numbering with it.
        self.env["ir.sequence"].sudo()._rma_create_case_sequences(companies)
        return companies

    @api.model
    def _rma_install_case_sequences(self):
        """At install: every existing company numbers its own RMAs (P3.1)."""
        Sequence = self.env["ir.sequence"]
        numbered = Sequence.search([("code", "=", RMA_CASE_SEQUENCE_CODE)]).company_id
        Sequence._rma_create_case_sequences(
            self.with_context(active_test=False).search(
                [("id", "not in", numbered.ids)]
            )
        )

    def _rma_response_deadline(self, start):
        """When a request received at ``start`` must be answered (P1.5, P7.3)."""
        self.ensure_one()
        hours = self.rma_response_hours or 24
        calendar = self.resource_calendar_id
        if self.rma_response_basis == "calendar" and calendar:
            deadline = calendar.plan_hours(hours, start, compute_leaves=True)
            if deadline:
                return deadline
        return start + timedelta(hours=hours)

    def _rma_service_product(self, kind):
        """The configured service product, else the one this addon ships."""
        self.ensure_one()
        field, xmlid = {
            "repair": ("rma_repair_product_id", "rma_unex.product_rma_repair_labour"),
            "inspection": (
                "rma_inspection_product_id",
                "rma_unex.product_rma_inspection_fee",
            ),
            "shipping": (
                "rma_shipping_product_id",
                "rma_unex.product_rma_return_shipping",
            ),
        }[kind]
        return self[field] or self.env.ref(xmlid)

    @api.depends_context("lang")
    @api.depends("rma_shipping_instructions")
    def _compute_rma_shipping_instructions_display(self):
        # The standard text is code, translated like any other term; a stored
        # default would exist in the install language only.
        standard = Markup("<ul>%s</ul>") % Markup().join(
            Markup("<li>%s</li>") % line
            for line in (
                _("Write the RMA number clearly on the outside of the box."),
                _(
                    "Use the original packaging or equivalent anti-static, shock-proof "
                    "material. Damage in transit caused by improper packaging is "
                    "treated as customer-induced damage."
                ),
                _(
                    "Ship freight pre-paid unless we agreed otherwise; we pay the "
                    "return of valid warranty claims."
                ),
                _(
                    "Back up your data and configuration: we are not liable for data "
                    "loss during service."
                ),
            )
        )
        for company in self:
            own = company.rma_shipping_instructions
            company.rma_shipping_instructions_display = (
                standard if is_html_empty(own) else own
            )

    def _rma_local_date(self, when):
        """The company's calendar day of ``when`` (a UTC datetime): warranty
        and authorisation days are the company's days, whoever looks (P4.1)."""
        self.ensure_one()
        if not when:
            return False
        tz = self.partner_id.tz or self.resource_calendar_id.tz or "UTC"
        return pytz.utc.localize(when).astimezone(pytz.timezone(tz)).date()
