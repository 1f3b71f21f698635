import base64
from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import RmaUnexCommon, allow_chromium_more_time

# What the quality tour uploads as the failure-analysis photo (a 1x1 PNG).
PHOTO_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElF"
    "TkSuQmCC"
)


@tagged("post_install", "-at_install")
class TestRoleTours(RmaUnexCommon, HttpCase):
    """The main journey of each staff role, clicked through the backend in
    headless Chromium (static/tests/tours/rma_unex_role_tours.js); each test
    then checks in the database what the journey changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)
        cls.accountant = cls._user("t_accountant", "account.group_account_invoice")
        cls.lot_3, cls.lot_4 = cls.env["stock.lot"].create(
            [
                {
                    "name": f"TRTR000{n}",
                    "product_id": cls.product.id,
                    "mac_address": f"00:01:A7:00:00:0{n}",
                }
                for n in (3, 4)
            ]
        )

    def _tour(self, tour, user, url="/odoo", timeout=120, **kwargs):
        self.start_tour(url, tour, login=user.login, timeout=timeout, **kwargs)
        # The tour's requests ran in their own environments: read afresh.
        self.env.invalidate_all()

    def test_fae_answers_and_escalates_a_support_request(self):
        """P1.5, P2.1, P2.3: the FAE answers the customer in the chatter of a
        submitted request, which stops the 24 h clock, then escalates it and
        lands on the new RMA case for the sales representative."""
        ticket = self.make_ticket(name="Radio silent on 6 GHz")
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertFalse(ticket.first_response_date)

        self._tour("rma_unex_fae_journey", self.fae, url="/odoo/support-requests")

        answer = ticket.message_ids.filtered(lambda m: "firmware 7.1.4" in m.body)
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.author_id, self.fae.partner_id)
        self.assertEqual(answer.message_type, "comment")
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        case = self.env["rma.unex.case"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(len(case), 1)
        self.assertEqual(ticket.tsr_state, "escalated")
        # The answer stopped the clock (the tour saw "Met" before escalating).
        self.assertTrue(ticket.first_response_date)
        self.assertEqual(ticket.response_result, "met")
        self.assertLessEqual(answer.date, ticket.first_response_date)
        self.assertLessEqual(ticket.first_response_date, case.create_date)
        self.assertEqual(case.state, "sales_review")
        self.assertFalse(case.name, "the RMA number comes with the authorisation")
        self.assertEqual(case.partner_id, self.customer_a)
        self.assertEqual(case.user_id, self.sales)
        self.assertEqual(case.unit_ids.lot_id, self.lot)

    def test_sales_authorises_quotes_and_closes(self):
        """P2.4, P3.1, P4.1, P4.4: sales verifies the warranty of an
        out-of-warranty unit, records the customer's agreement to charges and
        authorises (RMA number, receipt); creates the quotation of a paid
        repair, enters the customer's PO on it and confirms it from the case;
        closes a shipped case."""
        self.deliver(self.lot, date=date.today() - timedelta(days=400))
        review = self.make_case(
            customer_ref="TOUR-SALES-REVIEW", contact_id=self.contact_a.id
        )
        self.assertEqual(review.unit_ids.warranty_status, "expired")
        self.assertTrue(review.needs_charge_agreement)
        quote = self.receive_and_evaluate(
            self.make_case(lots=self.lot_2, customer_ref="TOUR-SALES-QUOTE")
        )
        self.analyse(quote.unit_ids)
        self.decide(quote.unit_ids, "paid_repair")
        shipped = self.receive_and_evaluate(
            self.make_case(lots=self.lot_3, customer_ref="TOUR-SALES-SHIPPED")
        )
        self.analyse(shipped.unit_ids, self.env.ref("rma_unex.failure_category_none"))
        self.decide(shipped.unit_ids, "return_unrepaired")
        shipped.with_user(self.quality).action_release()
        self.validate(self.pickings(shipped, "outgoing"))
        self.assertEqual(shipped.state, "shipped")

        self._tour("rma_unex_sales_journey", self.sales, url="/odoo/rma-cases")

        unit = review.unit_ids
        self.assertEqual(unit.warranty_verified_user_id, self.sales)
        self.assertTrue(unit.warranty_verified_date)
        self.assertEqual(review.charges_agreed_partner_id, self.contact_a)
        self.assertEqual(review.charges_agreement_method, "phone")
        self.assertIn("inspection fee", review.charges_agreement_note)
        self.assertEqual(review.charges_agreement_user_id, self.sales)
        self.assertTrue(review.charges_agreed_date)
        self.assertEqual(review.state, "authorised")
        self.assertRegex(review.name, r"^RMA\d{2}-\d{5}$")
        receipt = self.pickings(review, "incoming")
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.origin, review.name)
        self.assertEqual(receipt.move_ids.move_line_ids.lot_id, self.lot)

        order = quote.sale_order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.client_order_ref, "PO-TOUR-4711")
        self.assertEqual(order.state, "sale")
        self.assertEqual(quote.state, "approved")

        self.assertEqual(shipped.state, "closed")

    def test_warehouse_receives_by_rma_number(self):
        """P3.1, P3.4: a stock user without any RMA group finds the receipt
        by the RMA number on the box, validates it and opens the case from
        it; the case is received."""
        case = self.authorise(self.make_case(customer_ref="TOUR-WAREHOUSE"))
        receipt = self.pickings(case, "incoming")
        self.assertEqual(receipt.state, "assigned")
        self.assertFalse(self.warehouse.has_group("rma_unex.rma_unex_group_user"))

        self._tour(
            "rma_unex_warehouse_journey",
            self.warehouse,
            cookies={"rma_unex_tour_rma": case.name},
        )

        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.write_uid, self.warehouse)
        self.assertEqual(case.state, "received")
        self.assertEqual(case.receipt_state, "done")
        self.assertTrue(case.unit_ids.date_received)
        self.assertEqual(case.unit_ids.received_lot_id, self.lot)

    def test_quality_evaluates_repairs_and_passes_qc(self):
        """P4.2, P4.3, P5.1, P6.1: on a received in-warranty unit, quality
        starts the evaluation, finds no CID, records the failure analysis
        with a photo, decides a free repair, runs the repair order, records
        the burn-in and QC and passes the case, which prepares the return."""
        self.deliver(self.lot, date=date.today() - timedelta(days=60))
        case = self.authorise(self.make_case(customer_ref="TOUR-QUALITY"))
        self.validate(self.pickings(case, "incoming"))
        self.assertEqual(case.state, "received")
        self.assertEqual(case.unit_ids.warranty_status, "in_warranty")

        self._tour("rma_unex_quality_journey", self.quality, url="/odoo/rma-cases")

        unit = case.unit_ids
        self.assertEqual(unit.cid_type, "none")
        self.assertEqual(unit.cid_user_id, self.quality)
        self.assertIn("liquid indicator white", unit.cid_note)
        self.assertEqual(unit.warranty_status, "in_warranty", "no CID, still covered")
        self.assertEqual(
            unit.fa_category_id, self.env.ref("rma_unex.failure_category_component")
        )
        self.assertIn("no current", unit.fa_findings)
        self.assertIn("C512", unit.fa_root_cause)
        self.assertEqual(unit.fa_user_id, self.quality)
        photo = unit.fa_attachment_ids
        self.assertEqual(photo.mapped("name"), ["c512_crack.png"])
        self.assertEqual(photo.mimetype, "image/png")
        self.assertEqual(photo.raw, base64.b64decode(PHOTO_PNG))
        self.assertEqual(unit.disposition, "free_repair")
        self.assertEqual(unit.disposition_user_id, self.quality)
        self.assertIn("within warranty", unit.disposition_reason)
        repair = unit.repair_id
        self.assertEqual(repair.state, "done")
        self.assertTrue(repair.under_warranty)
        self.assertEqual(unit.qc_result, "pass")
        self.assertEqual(unit.qc_user_id, self.quality)
        self.assertEqual(unit.burn_in_hours, 26.0)
        self.assertIn("Throughput test: 2.4 Gbit/s", unit.qc_checklist)
        self.assertEqual(case.state, "ready")
        ret = self.pickings(case, "outgoing")
        self.assertEqual(len(ret), 1)
        self.assertNotIn(ret.state, ("done", "cancel"))
        self.assertFalse(case.sale_order_ids, "a valid warranty claim is free")

    def test_accounting_invoices_ntf_fees(self):
        """P5.3, P6.3: an invoicing-only user filters the cases to invoice,
        opens the no-trouble-found case with its confirmed fee order and
        creates the invoice, which stays a draft."""
        case = self.receive_and_evaluate(self.make_case(customer_ref="TOUR-ACCOUNTING"))
        self.analyse(case.unit_ids, self.env.ref("rma_unex.failure_category_none"))
        self.decide(case.unit_ids, "ntf")
        case.with_user(self.quality).action_release()
        self.validate(self.pickings(case, "outgoing"))
        fee_order = case.sale_order_ids
        self.assertEqual(fee_order.state, "sale")
        self.assertEqual(case.state, "shipped")
        self.assertEqual(case.invoice_status, "to_invoice")

        self._tour("rma_unex_accounting_journey", self.accountant)

        invoice = fee_order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.rma_case_id, case)
        self.assertEqual(invoice.partner_id, self.customer_a)
        self.assertEqual(invoice.amount_untaxed, fee_order.amount_untaxed)
        self.assertEqual(invoice.create_uid, self.accountant)
        self.assertEqual(case.invoice_status, "invoiced")
