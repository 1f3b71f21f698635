from odoo.tests import HttpCase

from .common import RmaUnexCommon


class TestReportRoutes(RmaUnexCommon, HttpCase):
    """Odoo's generic report URLs refuse other customers' RMA documents (X2)."""

    def test_x2_generic_report_route_refuses_other_customers_case(self):
        case_b = self.make_case(partner=self.customer_b, customer_ref="B-ONLY-REF")
        self.authorise(case_b)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        for converter in ("html", "pdf"):
            response = self.url_open(
                f"/report/{converter}/rma_unex.report_rma_unex_authorisation/{case_b.id}"
            )
            # a clean refusal, not an error half-way through the template
            self.assertEqual(response.status_code, 403, converter)
            self.assertNotIn(case_b.name, response.text)
            self.assertNotIn("B-ONLY-REF", response.text)

    def test_generic_report_route_still_serves_staff(self):
        case = self.make_case(customer_ref="STAFF-REF")
        self.authorise(case)
        self.authenticate(self.sales.login, self.sales.login)
        response = self.url_open(
            f"/report/html/rma_unex.report_rma_unex_authorisation/{case.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(case.name, response.text)
