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
            "device_0_mac_address": "00:01:A7:00:00:01",
            "device_0_firmware_version": "7.1.3",
            "steps_to_reproduce": "Enable 6 GHz",
            "disclaimer": "on",
        }
        for product_id in ("99999999999999999999", "2147483648", "²", "١٢", "-1", ""):
            with self.assertRaises(ValidationError) as caught:
                Ticket._portal_submit_tsr(
                    self.contact_a, dict(values, device_0_product=product_id), []
                )
            self.assertIn("Device 1, product model:", str(caught.exception), product_id)
        self.assertEqual(Ticket.search_count([]), before)
        # the same values with a real product go through
        ticket = Ticket._portal_submit_tsr(
            self.contact_a, dict(values, device_0_product=str(self.product.id)), []
        )
        self.assertEqual(ticket.device_ids.product_id, self.product)

    def test_p1_control_characters_are_dropped_not_stored(self):
        """A NUL byte (PostgreSQL cannot store it) or another control character
        in any field of the form is dropped; the request is made of the rest."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        values = {
            "name": "Radio\x00 dead\x1b",
            "device_0_product": str(self.product.id),
            "device_0_serial": "\x00TRTR0001\x00",
            "device_0_firmware_version": "7.1\x00.3",
            "device_0_symptom": "No link\x07",
            "steps_to_reproduce": "Enable 6 GHz\nthen\tscan\x00",
            "description": "\x00",
            "disclaimer": "on",
        }
        ticket = Ticket._portal_submit_tsr(self.contact_a, values, [])
        self.assertEqual(ticket.name, "Radio dead")
        self.assertEqual(ticket.device_ids.lot_id, self.lot)
        self.assertEqual(ticket.device_ids.firmware_version, "7.1.3")
        self.assertEqual(ticket.device_ids.symptom, "No link")
        self.assertEqual(ticket.steps_to_reproduce, "Enable 6 GHz\nthen\tscan")
