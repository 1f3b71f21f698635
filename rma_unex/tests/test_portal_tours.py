from odoo.tests import HttpCase, tagged

from .common import RmaUnexCommon, allow_chromium_more_time


@tagged("post_install", "-at_install")
class TestPortalTours(RmaUnexCommon, HttpCase):
    """Browser tours (headless Chromium) of the customer's portal flows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def test_tour_submit_support_request(self):
        self.start_tour(
            "/my/support-requests/new", "rma_unex_portal_tsr", login=self.portal_a.login
        )
        ticket = self.env["helpdesk.ticket"].search(
            [("name", "=", "Radio dead on site")]
        )
        self.assertEqual(ticket.partner_id, self.contact_a)
        self.assertEqual(ticket.tsr_state, "submitted")
        first, second = ticket.device_ids
        self.assertEqual(first.mac_address, "00:01:A7:00:00:77")
        self.assertEqual(second.serial, "TRTR0078", "the second device row")
        self.assertEqual(second.sdk_version, "SDK 5.2")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.name, "radio.log")

    def test_tour_open_rma_download_and_accept_quotation(self):
        """X2, P3.2, P4.4: from the portal home the customer follows the RMA
        (list and page with its status, history and decision), downloads the
        authorisation, gives the PO number on the quotation and signs it; the
        case is approved."""
        case = self.make_case(contact_id=self.contact_a.id)
        # Each step tracked apart, as the requests of real users would be:
        # one transaction would merge the intermediate states of the history.
        self.authorise(case)
        self.flush_tracking()
        self.validate(self.pickings(case, "incoming"))
        self.flush_tracking()
        case.with_user(self.quality).action_start_evaluation()
        self.flush_tracking()
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        self.flush_tracking()
        self.start_tour("/my", "rma_unex_portal_rma_quote", login=self.portal_a.login)
        self.env.invalidate_all()
        order = case.sale_order_ids
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.client_order_ref, "PO-LUMEN-0815")
        self.assertTrue(order.signature)
        self.assertEqual(order.signed_by, "Alice A")
        self.assertEqual(case.state, "approved")
