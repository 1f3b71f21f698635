from unittest.mock import patch

from odoo.tests import HttpCase, common, tagged

from .common import RmaUnexCommon


@tagged("post_install", "-at_install")
class TestPortalTours(RmaUnexCommon, HttpCase):
    """Browser tours (headless Chromium) of the customer's portal flows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo gives Chromium 10 s to open its devtools port and *skips* the
        # tour otherwise; a cold start on a busy 2-core CI machine has been
        # seen to need more. 30 s, for these tours only.
        iterations = patch.object(common, "CHECK_BROWSER_ITERATIONS", 300)
        iterations.start()
        cls.addClassCleanup(iterations.stop)

    def test_tour_submit_support_request(self):
        self.start_tour(
            "/my/support-requests/new", "rma_unex_portal_tsr", login=self.portal_a.login
        )
        ticket = self.env["helpdesk.ticket"].search(
            [("name", "=", "Radio dead on site")]
        )
        self.assertEqual(ticket.partner_id, self.contact_a)
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.mac_address, "00:01:A7:00:00:77")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.name, "radio.log")

    def test_tour_open_rma_download_and_accept_quotation(self):
        case = self.receive_and_evaluate(self.make_case(contact_id=self.contact_a.id))
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        self.start_tour(
            "/my/rmas", "rma_unex_portal_rma_quote", login=self.portal_a.login
        )
        self.assertEqual(case.sale_order_ids.state, "sale")
        self.assertEqual(case.state, "approved")
