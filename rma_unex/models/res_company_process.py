from odoo import models
from odoo.tools import is_html_empty


class ResCompany(models.Model):
    """The figures of the public RMA process page (/rma), read from the
    company's configuration each time the page is shown."""

    _inherit = "res.company"

    def _rma_process_figures(self):
        """{name: value} of the company's RMA terms the process page states
        (P1.5, P3.2, P3.3, P4.1, P4.5, P6.1, M1, M2, M3, M5, M6). Called by the
        page's controller for any visitor, so it returns plain values only."""
        self.ensure_one()
        # sudo: these terms are the company's public after-sales policy, shown
        # to visitors who may not read the company's settings; nothing else
        # leaves this method.
        company = self.sudo()
        return {
            "company_name": company.name,
            "company_email": company.email,
            "company_phone": company.phone,
            "response_hours": company.rma_response_hours or 24,
            "response_working_hours": company.rma_response_basis == "calendar",
            "warranty_days": company.rma_warranty_days,
            "doa_days": company.rma_doa_days,
            "authorisation_days": company.rma_authorisation_days,
            "quotation_validity_days": company.rma_quotation_validity_days,
            "burn_in_hours": _plain_number(company.rma_burn_in_hours),
            "repair_warranty_days": company.rma_repair_warranty_days,
            "custody_days": company.rma_custody_days,
            "advance_return_days": company.rma_advance_return_days,
            "upload_types": ", ".join(
                kind.strip()
                for kind in (company.rma_portal_file_types or "").split(",")
                if kind.strip()
            ),
            "upload_max_mb": company.rma_portal_max_upload_mb,
            # the company's own shipping instructions, when it wrote some
            "shipping_instructions": (
                False
                if is_html_empty(company.rma_shipping_instructions)
                else company.rma_shipping_instructions
            ),
        }


def _plain_number(value):
    """24.0 -> 24, 36.5 -> 36.5: hours as a person writes them."""
    value = round(value or 0.0, 1)
    return int(value) if value.is_integer() else value
