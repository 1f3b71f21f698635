from odoo.exceptions import ValidationError

from odoo.addons.rma_unex.models.rma_unex_mac_mixin import normalize_mac

from .common import RmaUnexCommon

CANONICAL = "00:01:A7:1B:2C:3D"


class TestMacAddress(RmaUnexCommon):
    """P1.4: MACs are normalised, malformed ones refused, foreign OUIs flagged."""

    def test_p1_4_every_accepted_form_maps_to_one_canonical_form(self):
        forms = [
            "00:01:A7:1B:2C:3D",
            "00:01:a7:1b:2c:3d",
            "00-01-a7-1b-2c-3d",
            "00-01-A7-1B-2C-3D",
            "0001.a71b.2c3d",
            "0001.A71B.2C3D",
            "0001A71B2C3D",
            "0001a71b2c3d",
            "  00:01:a7:1b:2c:3d  ",
        ]
        for form in forms:
            with self.subTest(form=form):
                self.assertEqual(normalize_mac(form), CANONICAL)

    def test_p1_4_malformed_addresses_are_refused(self):
        malformed = [
            "00:01:A7:1B:2C",  # five octets
            "00:01:A7:1B:2C:3D:4E",  # seven octets
            "00:01:A7:1B:2C:3G",  # not hex
            "00:01-A7:1B:2C:3D",  # mixed separators
            "0:1:A7:1B:2C:3D",  # unpadded
            "0001A71B2C3",  # eleven digits
            "00 01 A7 1B 2C 3D",
            "12",  # netaddr would read this as an integer
            "0x0001A71B2C3D",
            "00:00:00:00:00:00",  # all zero
            "FF:FF:FF:FF:FF:FF",  # broadcast
            "01:00:5E:00:00:01",  # multicast
        ]
        for value in malformed:
            with self.subTest(value=value):
                with self.assertRaises(ValidationError):
                    normalize_mac(value)

    def test_p1_4_refused_on_records_with_a_clear_message(self):
        line = self.make_ticket(
            submit=False, device={"lot_id": False, "mac_address": CANONICAL}
        ).device_ids
        err = self.assertRefused(
            ValidationError,
            lambda: line.write({"mac_address": "00:01:A7:1B:2C"}),
            line,
            snapshot=lambda t: t.mac_address,
        )
        self.assertIn("is not a MAC address", str(err))
        with self.assertRaises(ValidationError):
            self.env["stock.lot"].create(
                {"name": "BAD", "product_id": self.product.id, "mac_address": "zz"}
            )

    def test_p1_4_stored_canonical_and_found_in_any_notation(self):
        line = self.make_ticket(
            submit=False, device={"lot_id": False, "mac_address": "0001.a71b.2c3d"}
        ).device_ids
        self.assertEqual(line.mac_address, CANONICAL)
        Line = self.env["rma.unex.ticket.device"]
        Ticket = self.env["helpdesk.ticket"]
        for typed in ("0001a71b2c3d", "00-01-a7-1b-2c-3d", CANONICAL):
            with self.subTest(typed=typed):
                self.assertEqual(Line.search([("mac_address", "=", typed)]), line)
                self.assertEqual(Line.search([("mac_address", "ilike", typed)]), line)
                self.assertEqual(
                    Ticket.search([("device_ids.mac_address", "=", typed)]),
                    line.ticket_id,
                    "the request is found by its device's MAC",
                )
        # A fragment, as a warehouse clerk types it, still finds the unit.
        self.assertIn(line, Line.search([("mac_address", "ilike", "1b:2c")]))

    def test_p1_4_serial_and_mac_complete_each_other(self):
        line = self.make_ticket(submit=False).device_ids  # serial only
        self.assertEqual(line.mac_address, self.lot.mac_address)
        case = self.make_case(lots=self.env["stock.lot"])
        unit = self.env["rma.unex.unit"].create(
            {
                "case_id": case.id,
                "product_id": self.product.id,
                "mac_address": "0001a7000002",
            }
        )
        self.assertEqual(unit.lot_id, self.lot_2, "the MAC identifies the serial")

    def test_p1_4_foreign_oui_is_flagged_not_refused(self):
        ours = self.make_ticket(
            submit=False, device={"lot_id": False, "mac_address": "00:10:A7:00:00:09"}
        ).device_ids
        self.assertFalse(ours.mac_oui_warning)
        foreign = self.make_ticket(
            submit=False, device={"lot_id": False, "mac_address": "3C:5A:B4:00:00:01"}
        ).device_ids
        self.assertEqual(foreign.mac_address, "3C:5A:B4:00:00:01")
        self.assertIn("3C-5A-B4", foreign.mac_oui_warning)
        self.assertIn("Google", foreign.mac_oui_warning, "IEEE registry owner shown")

    def test_p1_4_oui_blocks_are_configured_per_company(self):
        line = self.make_ticket(
            submit=False, device={"lot_id": False, "mac_address": "3C:5A:B4:00:00:01"}
        ).device_ids
        self.assertTrue(line.mac_oui_warning)
        self.company.rma_oui_blocks = "00:01:A7, 3c5ab4"
        line.invalidate_recordset(["mac_oui_warning"])
        self.assertFalse(line.mac_oui_warning)
