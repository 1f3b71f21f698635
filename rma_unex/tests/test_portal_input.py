from odoo.exceptions import ValidationError

from .common import RmaUnexCommon


class TestPortalInput(RmaUnexCommon):
    """Odd product ids on the support request form are refused, not crashed on
    (found by the system tests' generated form posts)."""

    def test_p1_product_id_that_is_no_database_id(self):
        Ticket = self.env["helpdesk.ticket"].sudo()
        before = Ticket.search_count([])
        values = {
            "name": "Radio dead",
            "mac_address": "00:01:A7:00:00:01",
            "firmware_version": "7.1.3",
            "steps_to_reproduce": "Enable 6 GHz",
            "disclaimer": "on",
        }
        for product_id in ("99999999999999999999", "2147483648", "²", "١٢", "-1", ""):
            with self.assertRaises(ValidationError) as caught:
                Ticket._portal_submit_tsr(
                    self.contact_a, dict(values, product_id=product_id), []
                )
            self.assertIn("Choose the product model", str(caught.exception), product_id)
        self.assertEqual(Ticket.search_count([]), before)
        # the same values with a real product go through
        ticket = Ticket._portal_submit_tsr(
            self.contact_a, dict(values, product_id=str(self.product.id)), []
        )
        self.assertEqual(ticket.rma_product_id, self.product)
