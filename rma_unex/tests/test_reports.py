from odoo.tests import HttpCase

from .common import RmaUnexCommon


class TestCaseReports(RmaUnexCommon, HttpCase):
    """P3.2, P5.1, P6.2, M8 documents: content, PDF, and who may download them."""

    def _render(self, xmlid, case):
        return (
            self.env["ir.actions.report"]._render_qweb_html(xmlid, case.ids)[0].decode()
        )

    def test_report_contents(self):
        self.product.write(
            {
                "rma_hs_code": "8517.62",
                "rma_origin_country_id": self.env.ref("base.tw").id,
            }
        )
        case = self.receive_and_evaluate(self.make_case(contact_id=self.contact_a.id))
        self.analyse(case.unit_ids, findings="Cracked solder joint on U7")
        html = self._render("rma_unex.report_rma_unex_authorisation", case)
        self.assertIn(case.name, html)
        self.assertIn("rma_box_label", html)
        self.assertIn(self.lot.name, html)
        self.assertIn("outside of the box", html, "shipping instructions (P3.2)")
        self.assertIn("data:image/png;base64", html, "the RMA number as a barcode")
        html = self._render("rma_unex.report_rma_unex_failure_analysis", case)
        self.assertIn("Cracked solder joint on U7", html)
        self.assertIn("U12 failed", html)
        html = self._render("rma_unex.report_rma_unex_repair_summary", case)
        self.assertIn(case.unit_ids.display_name, html)
        html = self._render("rma_unex.report_rma_unex_proforma", case)
        self.assertIn("No commercial value, returned for repair", html)
        self.assertIn("8517.62", html)
        self.assertIn("Taiwan", html)
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("rma_unex.action_report_rma_unex_authorisation", case.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_x2_portal_downloads_for_the_owner_only(self):
        own = self.authorise(self.make_case(contact_id=self.contact_a.id))
        other = self.authorise(self.make_case(partner=self.customer_b))
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open(f"/my/rmas/{own.id}")
        self.assertIn(f"/my/rmas/{own.id}/report/authorisation", page.text)
        response = self.url_open(
            f"/my/rmas/{own.id}/report/authorisation?report_type=html"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(own.name, response.text)
        refused = self.url_open(
            f"/my/rmas/{other.id}/report/authorisation?report_type=html"
        )
        self.assertNotIn(other.name, refused.text)
        download = self.url_open(
            f"/my/rmas/{own.id}/report/authorisation?download=true"
        )
        self.assertEqual(download.status_code, 200)
        self.assertIn("attachment", download.headers.get("Content-Disposition", ""))
        unknown = self.url_open(f"/my/rmas/{own.id}/report/everything")
        self.assertEqual(unknown.status_code, 404)
