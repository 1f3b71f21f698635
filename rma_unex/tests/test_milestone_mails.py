"""What the customer's contact is told between the authorisation and the
shipment back (P3.2, P3.4, P4.3, P4.4, P5.3, P6.2, P6.3): where to send the
box, what arrived, what we do with each unit, what left and how to track it.
Each e-mail once per event, to the contact, in their language.
tests/test_mail_out.py sends the same mails through a real SMTP server."""

import shutil
import subprocess
from datetime import date, timedelta

from odoo.tests import HttpCase

from .common import WorkshopCommon

RECEIVED = "we received your units"
DECISION = "what we do with your units"
SUMMARY = "repair summary"


class MilestoneMailsCommon(WorkshopCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_record = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        # a repair centre of its own, away from the company's seat
        cls.repair_centre = cls.env["res.partner"].create(
            {
                "name": "Unex Repair Centre",
                "is_company": True,
                "street": "12 Kelvin Road",
                "city": "Glenrothes",
                "zip": "KY7 4NW",
                "country_id": cls.env.ref("base.uk").id,
            }
        )
        cls.warehouse_record.partner_id = cls.repair_centre

    def mails(self, case, subject):
        """The messages of ``case`` whose subject holds ``subject``."""
        return case.message_ids.filtered(lambda m: subject in (m.subject or ""))

    def outgoing(self, message):
        return (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )

    def send_milestone_mails(self):
        """Run the background job of the "units received" e-mails until none
        is left, as the cron does."""
        Case = self.env["rma.unex.case"]
        while Case._cron_send_milestone_mails():
            pass

    def assertToTheContact(self, message, contact):
        self.assertEqual(message.partner_ids, contact)
        self.assertEqual(self.outgoing(message).recipient_ids, contact)

    def assertLinks(self, case, body):
        """The portal page of the case, with its token, and the public page
        on the process."""
        self.assertIn(case.get_base_url() + case.get_portal_url(), body)
        self.assertIn(f'{case.get_base_url()}/rma"', body)

    def evaluated(self, lots=None, covered=False):
        """A case of Alice's, received and under evaluation."""
        lots = lots if lots is not None else self.lot
        if covered:
            for lot in lots:
                self.deliver(lot, date=date.today() - timedelta(days=60))
        case = self.make_case(lots=lots, contact_id=self.contact_a.id)
        return self.receive_and_evaluate(case)

    def repaired_and_ready(self, lots):
        """Covered units repaired free of charge and passed QC: the return
        shipment waits for the warehouse."""
        case = self.evaluated(lots=lots, covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "free_repair")
        case.with_user(self.quality).action_start_repair()
        self.finish_repairs(case)
        self.qc(case.unit_ids, "pass")
        case.with_user(self.quality).action_pass_qc()
        self.assertEqual(case.state, "ready")
        return case


class TestShipTo(MilestoneMailsCommon, HttpCase):
    """P3.2: the authorisation, its box label and its e-mail say where the
    box goes: the RMA warehouse's address."""

    def pdf_pages(self, case):
        pdftotext = shutil.which("pdftotext")
        self.assertTrue(
            pdftotext, "poppler-utils is needed: scripts/test.sh installs it"
        )
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("rma_unex.action_report_rma_unex_authorisation", case.ids)
        )
        self.assertEqual(report_type, "pdf")
        text = subprocess.run(
            [pdftotext, "-enc", "UTF-8", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return [page for page in text.split("\f") if page.strip()]

    def test_p3_2_authorisation_and_label_print_the_receiving_address(self):
        self.company.write(
            {
                "email": "rma@unex.example",
                "phone": "+44 1592 000000",
                "report_header": "Since 1998",
                "report_footer": "<p>Returns desk: rma@unex.example</p>",
            }
        )
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.assertEqual(case._rma_receiving_partner(), self.repair_centre)
        pages = self.pdf_pages(case)
        self.assertEqual(len(pages), 2, "the authorisation, then the box label")
        address = ("Unex Repair Centre", "12 Kelvin Road", "Glenrothes", "KY7 4NW")
        for page in pages:
            for text in (case.name, *address, "United Kingdom"):
                self.assertIn(text, page)
        self.assertIn("Send the box to", pages[0])
        self.assertIn("Ship to", pages[1])
        self.assertIn("Attach to the outside of the box", pages[1])
        # the company's layout: its tagline and address in the header, its footer, on
        # every page of the PDF (the scripts run Odoo with a wkhtmltopdf built
        # on patched Qt, scripts/common.sh, without which Odoo leaves both out)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rma_unex.report_rma_unex_authorisation", case.ids)[0]
            .decode()
        )
        header = html.split('class="header')[1].split('class="article')[0]
        self.assertIn("Since 1998", header)
        self.assertIn("rma@unex.example", html.split('class="footer')[1])
        for page in pages:
            self.assertIn("Since 1998", page)
            self.assertIn(self.company.name, page)
            self.assertIn("Returns desk: rma@unex.example", page)

    def test_p3_2_authorisation_mail_names_the_receiving_address(self):
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.send_authorisation_mails()
        (mail,) = self.mails(case, case.name)
        body = str(mail.body)
        for text in ("Send the box to", "Unex Repair Centre", "12 Kelvin Road"):
            self.assertIn(text, body)
        self.assertRegex(body, r"(?s)Glenrothes.*United Kingdom")
        self.assertLinks(case, body)

    def test_p3_2_without_a_warehouse_address_the_company_receives(self):
        self.warehouse_record.partner_id = False
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.assertEqual(case._rma_receiving_partner(), self.company.partner_id)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rma_unex.report_rma_unex_authorisation", case.ids)[0]
            .decode()
        )
        self.assertNotIn("Unex Repair Centre", html)
        label = html.split('id="rma_label_ship_to"')[1]
        self.assertIn(self.company.name, label)

    def test_warehouse_form_shows_the_receiving_address_on_the_rma_page(self):
        arch = (
            self.env["stock.warehouse"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        # outside the notebook, which Odoo shows only with multi-step routes
        # or several warehouses
        rma_group = arch.split('name="rma_unex"')[1].split("<notebook")[0]
        self.assertIn('name="partner_id"', rma_group)
        self.assertIn("RMA Receiving Address", rma_group)
        self.assertIn('name="rma_location_id"', rma_group)


class TestReceivedMail(MilestoneMailsCommon):
    """P3.4: each box received is told once, with the units in it."""

    def test_p3_4_each_box_received_is_told_once(self):
        self.company.email = "rma@unex.example"
        case = self.authorise(
            self.make_case(lots=self.lot | self.lot_2, contact_id=self.contact_a.id)
        )
        first, second = case.unit_ids
        self.validate(self.pickings(case, "incoming"), units=first)
        self.assertTrue(first.receipt_mail_queued, "the job sends it")
        self.assertFalse(self.mails(case, RECEIVED))
        followers = case.message_partner_ids
        self.send_milestone_mails()
        (mail,) = self.mails(case, RECEIVED)
        self.assertToTheContact(mail, self.contact_a)
        self.assertEqual(mail.subject, f"RMA {case.name}: {RECEIVED}")
        # sent by the job, whose author does not start following the case
        # (and getting copies of the customer's mails)
        self.assertEqual(case.message_partner_ids, followers)
        self.assertIn("rma@unex.example", mail.email_from)
        received = str(mail.body).split('id="rma_unex_received_units"')[1]
        received, expected = received.split('id="rma_unex_expected_units"')
        self.assertIn(self.lot.name, received)
        self.assertIn(self.lot.mac_address, received)
        self.assertNotIn(self.lot_2.name, received)
        self.assertIn(self.lot_2.name, expected, "still to come")
        self.assertNotIn("Not the unit announced", str(mail.body))
        self.assertLinks(case, str(mail.body))
        self.assertFalse(case.unit_ids.filtered("receipt_mail_queued"))
        # nothing new: nothing sent
        self.send_milestone_mails()
        self.assertEqual(len(self.mails(case, RECEIVED)), 1)
        # the second box: a second e-mail, about its unit only
        backorder = self.pickings(case, "incoming").filtered(
            lambda p: p.state != "done"
        )
        self.validate(backorder)
        self.send_milestone_mails()
        mails = self.mails(case, RECEIVED)
        self.assertEqual(len(mails), 2)
        latest = str(mails.sorted("id")[-1].body)
        self.assertIn(self.lot_2.name, latest)
        self.assertNotIn(self.lot.name, latest)
        self.assertNotIn("rma_unex_expected_units", latest)

    def test_p3_4_received_mail_names_the_serial_not_announced(self):
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.validate(
            self.pickings(case, "incoming"), lots_by_unit={case.unit_ids: self.lot_2}
        )
        self.assertTrue(case.has_receipt_mismatch)
        self.send_milestone_mails()
        body = str(self.mails(case, RECEIVED).body)
        self.assertIn("Not the unit announced", body)
        self.assertIn(f"we expected serial {self.lot.name}", body)
        self.assertIn(self.lot_2.name, body, "the serial received")

    def test_p3_4_received_mail_names_the_mac_not_announced(self):
        """Same serial, but the MAC on the unit is not the one the customer
        gave: the serial's MAC is what arrived."""
        case = self.make_case(contact_id=self.contact_a.id)
        case.unit_ids.mac_address = "00:01:A7:00:00:99"
        self.authorise(case)
        self.validate(self.pickings(case, "incoming"))
        self.send_milestone_mails()
        body = str(self.mails(case, RECEIVED).body)
        self.assertIn("we expected MAC 00:01:A7:00:00:99", body)
        self.assertIn(self.lot.mac_address, body)

    def test_p3_4_receipts_validated_together_one_mail_per_case(self):
        cases = self.env["rma.unex.case"]
        for lot, contact in ((self.lot, self.contact_a), (self.lot_2, self.contact_b)):
            partner = contact.parent_id
            cases |= self.authorise(
                self.make_case(partner=partner, lots=lot, contact_id=contact.id)
            )
        receipts = cases.picking_ids.with_user(self.warehouse)
        receipts.move_ids.picked = True
        receipts.with_context(skip_backorder=True).button_validate()
        self.send_milestone_mails()
        for case, contact, lot, other in (
            (cases[0], self.contact_a, self.lot, self.lot_2),
            (cases[1], self.contact_b, self.lot_2, self.lot),
        ):
            (mail,) = self.mails(case, RECEIVED)
            self.assertToTheContact(mail, contact)
            self.assertIn(lot.name, str(mail.body))
            self.assertNotIn(other.name, str(mail.body), "another customer's unit")

    def test_p3_4_no_received_mail_for_moves_of_our_own(self):
        """Units moved inside the warehouse (to refurbishment) or a parcel the
        carrier brings back are no box of the customer's."""
        case = self.evaluated(covered=True)
        self.send_milestone_mails()
        self.assertEqual(len(self.mails(case, RECEIVED)), 1)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "free_replacement")
        replacement = self.env["stock.lot"].create(
            {"name": "TRTR0100", "product_id": self.product.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.warehouse_record.lot_stock_id, 1, lot_id=replacement
        )
        case.with_user(self.quality).action_release()
        self.assertTrue(case.unit_ids.disposal_move_id, "moved to refurbishment")
        shipment = self.pickings(case, "outgoing")
        self.validate(shipment, lots_by_unit={case.unit_ids: replacement})
        self.assertEqual(case.state, "shipped")
        # the carrier brings the parcel back (the standard Return)
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.warehouse)
            .with_context(active_id=shipment.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1
        back = wizard._create_return()
        self.validate(back)
        self.assertEqual(case.state, "ready")
        self.assertFalse(case.unit_ids.receipt_mail_queued)
        self.send_milestone_mails()
        self.assertEqual(len(self.mails(case, RECEIVED)), 1)

    def test_p3_4_received_mail_in_the_contacts_language(self):
        self.env["res.lang"]._activate_lang("zh_TW")
        self.contact_a.lang = "zh_TW"
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.validate(self.pickings(case, "incoming"))
        template = self.env.ref("rma_unex.mail_template_rma_received")
        self.assertEqual(template._render_lang(case.ids), {case.id: "zh_TW"})
        self.assertEqual(self.warehouse.lang, "en_US")


class TestDecisionMail(MilestoneMailsCommon):
    """P4.3, P4.4, P5.3: the decision on each unit, told when the
    evaluation ends, not at each change of mind."""

    def test_p4_3_free_repair_told_when_the_repair_starts(self):
        case = self.evaluated(lots=self.lot | self.lot_2, covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "free_replacement")
        self.decide(case.unit_ids, "free_repair")
        self.decide(case.unit_ids, "free_repair", user=self.quality)
        self.assertFalse(self.mails(case, DECISION), "not during the evaluation")
        case.with_user(self.quality).action_start_repair()
        (mail,) = self.mails(case, DECISION)
        self.assertToTheContact(mail, self.contact_a)
        body = str(mail.body)
        for unit in case.unit_ids:
            self.assertIn(unit.display_name, body)
        self.assertEqual(body.count("repaired free of charge under warranty"), 2)
        self.assertNotIn("replaced free of charge", body)
        self.assertLinks(case, body)
        self.assertFalse(case.unit_ids.filtered("decision_mail_queued"))
        # the rest of the case tells nothing more about the decision
        self.finish_repairs(case)
        self.qc(case.unit_ids, "pass")
        case.with_user(self.quality).action_pass_qc()
        self.assertEqual(len(self.mails(case, DECISION)), 1)

    def test_p4_4_paid_repair_announces_the_quotation(self):
        case = self.evaluated()
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        (mail,) = self.mails(case, DECISION)
        body = str(mail.body)
        self.assertIn("repaired at your cost", body)
        self.assertIn(order.name, body)
        self.assertIn("comes in a separate e-mail", body)
        self.assertToTheContact(mail, self.contact_a)
        # the quotation lapses; a new decision is told when the case is
        # released, the unchanged one is not told again
        order.with_user(self.sales)._action_cancel()
        self.assertEqual(case.state, "evaluation")
        self.decide(case.unit_ids, "return_unrepaired")
        case.with_user(self.quality).action_release()
        mails = self.mails(case, DECISION)
        self.assertEqual(len(mails), 2)
        self.assertIn("returned to you unrepaired", str(mails.sorted("id")[-1].body))

    def test_p5_3_no_trouble_found_with_its_fee(self):
        case = self.evaluated(lots=self.lot | self.lot_2)
        charged, waived = case.unit_ids
        self.analyse(case.unit_ids, self.env.ref("rma_unex.failure_category_none"))
        self.decide(case.unit_ids, "ntf")
        waived.with_user(self.manager)._waive_ntf_fees("Key account")
        case.with_user(self.quality).action_release()
        fees = case.sale_order_ids
        self.assertEqual(fees.rma_order_kind, "fees")
        (mail,) = self.mails(case, DECISION)
        body = str(mail.body)
        self.assertEqual(body.count("no trouble found"), 2)
        self.assertEqual(body.count("An inspection fee applies"), 1)
        self.assertEqual(body.count("We charge no fee for it"), 1)
        self.assertIn(fees.name, body)
        self.assertIn(f"{fees.amount_total:.2f}", body)
        self.assertIn("and return shipping", body)

    def test_p4_suspending_an_evaluation_tells_nothing(self):
        case = self.evaluated(covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "free_repair")
        case.with_user(self.sales)._suspend("Waiting for the customer's logs")
        case.with_user(self.sales).action_resume()
        self.assertFalse(self.mails(case, DECISION))
        self.assertTrue(case.unit_ids.decision_mail_queued)


class TestShippedMail(MilestoneMailsCommon):
    """P6.2, P6.3: each return shipment tells the units it carries, with the
    carrier and the tracking number."""

    def test_p6_3_shipment_with_carrier_and_tracking(self):
        case = self.repaired_and_ready(self.lot)
        shipment = self.pickings(case, "outgoing").with_user(self.warehouse)
        shipment.write(
            {
                "rma_carrier_name": "DHL Express",
                "carrier_tracking_ref": "JD014600006281",
            }
        )
        self.validate(shipment)
        self.assertEqual(case.state, "shipped")
        (mail,) = self.mails(case, SUMMARY)
        body = str(mail.body)
        for text in ("DHL Express", "JD014600006281", case.unit_ids.display_name):
            self.assertIn(text, body)
        self.assertIn(case.get_base_url() + case.get_portal_url(), body)
        self.assertIn(self.contact_a, mail.partner_ids)

    def test_p6_3_partial_shipment_tells_its_units_then_the_rest(self):
        case = self.repaired_and_ready(self.lot | self.lot_2)
        first, second = case.unit_ids
        shipment = self.pickings(case, "outgoing")
        shipment.carrier_tracking_ref = "TRACK-1"
        self.validate(shipment, units=first)
        self.assertEqual(case.state, "ready")
        (mail,) = self.mails(case, SUMMARY)
        body = str(mail.body)
        self.assertIn(first.display_name, body)
        self.assertIn("TRACK-1", body)
        self.assertNotIn(second.display_name, body)
        backorder = self.pickings(case, "outgoing").filtered(
            lambda p: p.state != "done"
        )
        backorder.write({"rma_carrier_name": "UPS", "carrier_tracking_ref": "TRACK-2"})
        self.validate(backorder)
        self.assertEqual(case.state, "shipped")
        mails = self.mails(case, SUMMARY)
        self.assertEqual(len(mails), 2)
        # the shipment that finishes the case: the whole summary, each unit
        # with the parcel it left in
        body = str(mails.sorted("id")[-1].body)
        self.assertIn(first.display_name, body)
        self.assertIn(second.display_name, body)
        self.assertIn("TRACK-1", body)
        self.assertIn("TRACK-2", body)
        self.assertIn("UPS", body)

    def test_p6_3_two_transfers_validated_together_one_mail(self):
        """A repaired unit from the RMA location and a replacement from stock
        leave on two transfers; validated together, they make one e-mail."""
        case = self.evaluated(lots=self.lot | self.lot_2, covered=True)
        repaired, replaced = case.unit_ids
        self.analyse(case.unit_ids)
        self.decide(repaired, "free_repair")
        self.decide(replaced, "free_replacement")
        new = self.env["stock.lot"].create(
            {"name": "TRTR0200", "product_id": self.product.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.warehouse_record.lot_stock_id, 1, lot_id=new
        )
        case.with_user(self.quality).action_start_repair()
        self.finish_repairs(case)
        self.qc(repaired, "pass")
        case.with_user(self.quality).action_pass_qc()
        shipments = self.pickings(case, "outgoing")
        self.assertEqual(len(shipments), 2)
        for picking in shipments:
            for move in picking.move_ids:
                if move.rma_unit_id == replaced:
                    move.move_line_ids.lot_id = new
                move.picked = True
        shipments.with_user(self.warehouse).with_context(
            skip_backorder=True
        ).button_validate()
        self.assertEqual(case.state, "shipped")
        self.assertEqual(len(self.mails(case, SUMMARY)), 1)

    def test_p6_3_shipped_mail_in_the_contacts_language(self):
        self.env["res.lang"]._activate_lang("zh_TW")
        self.contact_a.lang = "zh_TW"
        case = self.repaired_and_ready(self.lot)
        for xmlid in (
            "rma_unex.mail_template_rma_repair_summary",
            "rma_unex.mail_template_rma_decision",
        ):
            template = self.env.ref(xmlid)
            self.assertEqual(template._render_lang(case.ids), {case.id: "zh_TW"})


class TestCarrierFields(MilestoneMailsCommon):
    def test_carrier_on_the_rma_return_shipment_form(self):
        arch = (
            self.env["stock.picking"]
            .with_user(self.warehouse)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="rma_carrier_name"', arch)
        self.assertIn('name="carrier_tracking_ref"', arch)
        picking = self.env["stock.picking"].new({"rma_carrier_name": "DHL"})
        self.assertEqual(picking._rma_carrier_label(), "DHL")
