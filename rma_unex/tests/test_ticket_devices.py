from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase

from .common import RmaUnexCommon


class TestTicketDevices(RmaUnexCommon):
    """Several devices per support request (P1.2, P1.4, M14): each line is
    checked as a single device is, and escalation makes one unit per line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_3 = cls.env["stock.lot"].create(
            {
                "name": "TRTR0003",
                "product_id": cls.product.id,
                "mac_address": "00:01:A7:00:00:03",
            }
        )
        cls.reason_doa, cls.reason_transit = cls.env["rma.unex.return.reason"].search(
            [], limit=2, offset=1
        )

    def rows(self, *rows):
        return [
            dict({"label": f"Device {n}", "firmware_version": "7.1.3"}, **row)
            for n, row in enumerate(rows, start=1)
        ]

    def check(self, *rows, partner=None):
        return self.env["rma.unex.device.rows"]._check_rows(
            partner or self.contact_a, self.rows(*rows)
        )

    def three_device_ticket(self):
        return self.make_ticket(
            device_ids=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "lot_id": self.lot.id,
                        "firmware_version": "7.1.3",
                        "symptom": "No 6 GHz radio",
                        "return_reason_id": self.reason_doa.id,
                    }
                ),
                Command.create(
                    {
                        "product_id": self.product.id,
                        "mac_address": "0001.a700.0002",
                        "firmware_version": "7.1.3",
                    }
                ),
                Command.create(
                    {
                        "product_id": self.product.id,
                        "serial": "TRTR-NOT-OURS",
                        "driver_version": "unx 1.9",
                        "symptom": "Cracked housing",
                        "return_reason_id": self.reason_transit.id,
                    }
                ),
            ]
        )

    # Escalation ---------------------------------------------------------

    def test_p2_3_escalation_makes_one_unit_per_device_line(self):
        self.deliver(self.lot)
        ticket = self.three_device_ticket()
        self.assertEqual(ticket.device_count, 3)
        self.assertEqual(ticket.device_ids[1].lot_id, self.lot_2, "found by its MAC")
        ticket.with_user(self.fae).action_escalate()
        case = ticket.rma_case_ids
        units = case.unit_ids
        self.assertEqual(len(units), 3)
        self.assertEqual(ticket.device_ids.unit_id, units, "each line knows its unit")
        first, second, third = (line.unit_id for line in ticket.device_ids)
        self.assertEqual(first.lot_id, self.lot)
        self.assertEqual(first.symptom, "No 6 GHz radio")
        self.assertEqual(first.return_reason_id, self.reason_doa)
        self.assertIn(first.warranty_status, ("in_warranty", "doa"))
        self.assertEqual(second.lot_id, self.lot_2)
        self.assertEqual(second.mac_address, "00:01:A7:00:00:02")
        self.assertIn("6 GHz SSID", second.symptom, "the request's steps by default")
        self.assertIn("Latest sale", second.warranty_source, "its own lookup ran")
        self.assertFalse(third.lot_id)
        self.assertEqual(third.return_reason_id, self.reason_transit)
        # M14: one unit alone is rejected at review; the others go on
        reason = self.env["rma.unex.reject.reason"].search([], limit=1)
        third.with_user(self.sales)._reject(reason)
        self.assertTrue(third.is_rejected)
        self.assertFalse((first | second).filtered("is_rejected"))

    def test_p1_2_each_device_line_must_be_complete(self):
        ticket = self.make_ticket(
            submit=False,
            device_ids=[
                Command.create({"product_id": self.product.id, "lot_id": self.lot.id}),
                Command.create({"firmware_version": "7.1.3"}),
            ],
        )
        with self.assertRaises(UserError) as caught:
            ticket.with_user(self.fae).action_submit_tsr()
        message = str(caught.exception)
        self.assertIn("device 1: firmware, SDK or driver version", message)
        self.assertIn("device 2: product model, MAC or serial", message)
        self.assertEqual(ticket.tsr_state, "draft")
        ticket.device_ids = [Command.clear()]
        with self.assertRaises(UserError) as caught:
            ticket.with_user(self.fae).action_submit_tsr()
        self.assertIn("a device", str(caught.exception))

    # The rows' check ----------------------------------------------------

    def test_p1_4_every_row_checked_and_named(self):
        checked = self.check(
            {"product": str(self.product.id), "serial": "TRTR0001"},
            {"product": str(self.product.id), "mac_address": "00:01:A7:12"},
            {"product": "[T-RTR] Test Router", "serial": "TRTR0001"},
            {"product": "T-RTR", "mac_address": "00-01-a7-00-00-03"},
            {"product": "Office chair", "serial": "X1"},
            {"product": "T-RTR", "firmware_version": ""},
        )
        text = self.env["rma.unex.device.rows"]._row_error_text(checked)
        self.assertFalse(checked[0].errors)
        self.assertIn("Device 2, MAC address:", text)
        self.assertIn("is not a MAC address", text)
        self.assertIn(
            "Device 3, serial number: TRTR0001 is also given in Device 1", text
        )
        self.assertFalse(checked[3].errors, "reference and dashed MAC are understood")
        self.assertEqual(checked[3].values["lot_id"], self.lot_3.id)
        self.assertEqual(checked[3].values["mac_address"], "00:01:A7:00:00:03")
        self.assertIn("Device 5, product model: “Office chair” is not one of", text)
        self.assertIn(
            "Device 6, serial number: give the serial number or the MAC", text
        )
        self.assertIn("Device 6, firmware version: give the firmware", text)

    def test_p1_4_the_same_device_by_serial_and_by_mac_is_a_duplicate(self):
        checked = self.check(
            {"product": "T-RTR", "serial": "TRTR0001"},
            {"product": "T-RTR", "mac_address": "0001A7000001"},
        )
        self.assertFalse(checked[0].errors)
        self.assertIn(
            ("mac_address", "00:01:A7:00:00:01 is also given in Device 1."),
            checked[1].errors,
        )

    def test_p3_1_a_device_in_an_open_case_is_refused(self):
        case = self.authorise(self.make_case(lots=self.lot))
        checked = self.check({"product": "T-RTR", "serial": "TRTR0001"})
        self.assertEqual(
            checked[0].errors,
            [("serial", f"this device is already in open RMA case {case.name}.")],
        )
        # the case of another customer is not named to this one (X2)
        other = self.check(
            {"product": "T-RTR", "serial": "TRTR0001"}, partner=self.contact_b
        )
        self.assertEqual(
            other[0].errors, [("serial", "this device is already in an open RMA case.")]
        )
        self.put_in_state(case, "closed")
        self.assertFalse(
            self.check({"product": "T-RTR", "serial": "TRTR0001"})[0].errors
        )

    def test_x2_a_serial_delivered_to_another_customer_reveals_nothing(self):
        self.deliver(self.lot_2, partner=self.customer_b)
        checked = self.check({"product": "T-RTR", "serial": "TRTR0002"})
        self.assertEqual(
            checked[0].errors, [("serial", "serial TRTR0002 was not delivered to you.")]
        )
        self.assertFalse(checked[0].values["lot_id"])
        self.assertEqual(checked[0].warranty, ())
        own = self.check(
            {"product": "T-RTR", "serial": "TRTR0002"}, partner=self.contact_b
        )
        self.assertFalse(own[0].errors)
        status, end = own[0].warranty
        self.assertIn(status, ("in_warranty", "doa"))
        self.assertTrue(end)

    def test_rows_are_checked_in_a_fixed_number_of_queries(self):
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"TRQ{n:04d}",
                    "product_id": self.product.id,
                    "mac_address": f"00:01:A7:00:10:{n:02X}",
                }
                for n in range(40)
            ]
        )
        for lot in lots[::2]:
            self.deliver(lot)

        def rows(count):
            return [
                {"product": "T-RTR", "serial": lot.name, "symptom": "dead"}
                for lot in lots[:count]
            ]

        Rows = self.env["rma.unex.device.rows"]
        few = self.count_queries(
            lambda: Rows._check_rows(self.contact_a, self.rows(*rows(4))), cold=True
        )
        many = self.count_queries(
            lambda: Rows._check_rows(self.contact_a, self.rows(*rows(40))), cold=True
        )
        self.assertEqual(many, few, "the same queries for 4 and for 40 devices")

    def test_lines_are_created_in_a_fixed_number_of_queries(self):
        """A confirmed form of many rows makes its lines in one batch: the
        serials' names and MACs read together, not one serial a line."""
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"TLC{n:04d}",
                    "product_id": self.product.id,
                    "mac_address": f"00:01:A7:00:20:{n:02X}",
                }
                for n in range(40)
            ]
        )
        ticket = self.make_ticket(submit=False)
        Line = self.env["rma.unex.ticket.device"]

        def create(count):
            Line.create(
                [
                    {
                        "ticket_id": ticket.id,
                        "product_id": self.product.id,
                        "lot_id": lot.id,
                    }
                    for lot in lots[:count]
                ]
            )

        few = self.count_queries(lambda: create(4), cold=True)
        many = self.count_queries(lambda: create(40), cold=True)
        self.assertEqual(many, few, "the same queries for 4 and for 40 lines")
        created = ticket.device_ids.filtered(lambda line: line.lot_id in lots)
        self.assertEqual(created.mapped("serial")[:2], ["TLC0000", "TLC0001"])
        self.assertEqual(created[:1].mac_address, "00:01:A7:00:20:00")

    # Access and screens ---------------------------------------------------

    def test_x2_portal_customer_reads_only_their_own_device_lines(self):
        mine = self.make_ticket()
        theirs = self.make_ticket(
            partner_id=self.contact_b.id, device={"lot_id": self.lot_2.id}
        )
        Line = self.env["rma.unex.ticket.device"]
        self.assertEqual(Line.with_user(self.portal_a).search([]), mine.device_ids)
        self.assertEqual(Line.with_user(self.portal_b).search([]), theirs.device_ids)
        with self.assertRaises(AccessError):
            theirs.device_ids.with_user(self.portal_a).read(["serial"])
        with self.assertRaises(AccessError):
            mine.device_ids.with_user(self.portal_a).write({"serial": "X"})
        with self.assertRaises(AccessError):
            Line.with_user(self.portal_a).create(
                {"ticket_id": mine.id, "product_id": self.product.id}
            )

    def test_staff_add_devices_until_escalation(self):
        ticket = self.make_ticket()
        with Form(ticket.with_user(self.fae)) as form:
            with form.device_ids.new() as line:
                line.product_id = self.product
                line.lot_id = self.lot_3
                line.firmware_version = "7.1.3"
        self.assertEqual(ticket.device_ids[1].mac_address, "00:01:A7:00:00:03")
        with self.assertRaises(AccessError):
            ticket.device_ids.with_user(self.stranger).write({"symptom": "x"})
        ticket.with_user(self.fae).action_escalate()
        self.assertEqual(len(ticket.rma_case_ids.unit_ids), 2)
        before = ticket.device_ids.read(["serial", "symptom"])
        self.assertRefused(
            UserError,
            lambda: ticket.device_ids[:1].with_user(self.fae).write({"symptom": "x"}),
            ticket,
            lambda t: t.device_ids.read(["serial", "symptom"]),
        )
        with self.assertRaises(UserError) as caught:
            ticket.device_ids[:1].with_user(self.fae).unlink()
        self.assertIn("cannot change", str(caught.exception))
        self.assertEqual(ticket.device_ids.read(["serial", "symptom"]), before)

    def test_p1_portal_form_with_two_devices_refuses_the_bad_row_only(self):
        Ticket = self.env["helpdesk.ticket"].sudo()
        values = {
            "name": "Two routers",
            "steps_to_reproduce": "Power on",
            "disclaimer": "on",
            "device_0_product": str(self.product.id),
            "device_0_serial": "TRTR0001",
            "device_0_firmware_version": "7.1.3",
            "device_3_product": str(self.product.id),
            "device_3_mac_address": "00:01:A7:00:00:0Z",
            "device_3_firmware_version": "7.1.3",
            "device_5_symptom": "",  # a row left empty is no device
        }
        before = Ticket.search_count([])
        with self.assertRaises(ValidationError) as caught:
            Ticket._portal_submit_tsr(self.contact_a, values, [])
        self.assertIn("Device 2, MAC address:", str(caught.exception))
        self.assertNotIn("Device 1", str(caught.exception))
        self.assertEqual(Ticket.search_count([]), before)
        values["device_3_mac_address"] = "00:01:A7:00:00:02"
        ticket = Ticket._portal_submit_tsr(self.contact_a, values, [])
        self.assertEqual(ticket.device_ids.lot_id, self.lot | self.lot_2)
        self.assertEqual(ticket.device_ids.mapped("sequence"), [1, 2])
        self.assertEqual(ticket.tsr_state, "submitted")


class TestTicketDevicesPortal(RmaUnexCommon, HttpCase):
    """The customer sees the devices of their own requests only (X2)."""

    def test_x2_the_request_page_lists_its_devices(self):
        ticket = self.make_ticket(
            device_ids=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "lot_id": self.lot.id,
                        "firmware_version": "7.1.3",
                        "symptom": "No 6 GHz radio",
                    }
                ),
                Command.create(
                    {
                        "product_id": self.product.id,
                        "mac_address": "00:01:A7:00:00:02",
                        "sdk_version": "SDK 5.2",
                    }
                ),
            ]
        )
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open(f"/my/ticket/{ticket.id}")
        self.assertEqual(page.status_code, 200)
        for text in ("rma_unex_ticket_devices", "TRTR0001", "00:01:A7:00:00:02"):
            self.assertIn(text, page.text)
        self.assertIn("No 6 GHz radio", page.text)
        self.authenticate(self.portal_b.login, self.portal_b.login)
        page = self.url_open(f"/my/ticket/{ticket.id}")
        self.assertNotIn("TRTR0001", page.text)
        self.assertNotIn("00:01:A7:00:00:02", page.text)
