"""The customer's case page (/my/rmas/<id>) says what happens next: the
steps of the case, the one thing the customer must do now, each unit's
progress and outcome, the documents with amounts and states."""

from datetime import date, timedelta

from freezegun import freeze_time
from lxml import html

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import (
    RmaUnexCommon,
    WorkshopCommon,
    allow_chromium_more_time,
    capture_writes,
)


class CasePageCommon(WorkshopCommon):
    def quoted_case(self, lots=None):
        """A case whose paid-repair quotation waits for the customer (P4.4)."""
        case = self.receive_and_evaluate(
            self.make_case(lots=lots or self.lot, contact_id=self.contact_a.id)
        )
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        return case

    def stock_serials(self, count, prefix):
        lots = self.env["stock.lot"].create(
            [
                {"name": f"{prefix}{i:03d}", "product_id": self.product.id}
                for i in range(count)
            ]
        )
        stock = (
            self.env["stock.warehouse"]
            .search([("company_id", "=", self.company.id)], limit=1)
            .lot_stock_id
        )
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(
                self.product, stock, 1, lot_id=lot
            )
        return lots

    def incomplete_ticket(self):
        """A submitted request still lacking the steps to reproduce, as the
        mail gateway leaves one (P1.2)."""
        ticket = self.make_ticket(submit=False, steps_to_reproduce=False)
        ticket._rma_service_write({"tsr_state": "submitted"})
        self.assertTrue(ticket.tsr_incomplete)
        return ticket


class TestPortalNextAction(CasePageCommon):
    """_portal_next_action: exactly one card, exactly when the customer must
    act, and none otherwise."""

    def kind(self, case):
        case.invalidate_recordset()
        action = case._portal_next_action()
        return action and action["kind"]

    def test_p3_2_ship_the_box_once_authorised_until_it_arrives(self):
        case = self.make_case(lots=self.lot | self.lot_2, contact_id=self.contact_a.id)
        self.assertIsNone(self.kind(case), "nothing to do during sales review")
        self.authorise(case)
        action = case._portal_next_action()
        self.assertEqual(action["kind"], "ship_box")
        self.assertEqual(action["rma_number"], case.name)
        self.assertEqual(action["valid_until"], case.authorisation_valid_until)
        self.assertEqual(action["address"], case._rma_receiving_partner())
        self.assertIn(f"/my/rmas/{case.id}/report/authorisation", action["label_url"])
        self.assertEqual(action["units"], case.unit_ids)
        # one unit arrived: the other is still expected
        receipt = self.pickings(case, "incoming")
        self.validate(receipt, units=case.unit_ids[:1])
        self.assertEqual(case._portal_next_action()["units"], case.unit_ids[1:])
        self.validate(self.pickings(case, "incoming") - receipt)
        self.assertEqual(case.state, "received")
        self.assertIsNone(self.kind(case), "everything arrived")

    def test_m2_expired_authorisation_says_do_not_ship(self):
        case = self.authorise(self.make_case())
        case._expire_authorisation()
        self.assertEqual(self.kind(case), "authorisation_expired")
        case.with_user(self.sales).action_revalidate_authorisation()
        self.assertEqual(self.kind(case), "ship_box")

    def test_p4_4_sign_the_open_quotation_then_nothing(self):
        case = self.quoted_case()
        order = case.sale_order_ids
        action = case._portal_next_action()
        self.assertEqual(action["kind"], "sign_quotation")
        self.assertEqual(action["order"], order)
        self.assertTrue(action["url"].endswith("#modalaccept"), action["url"])
        self.assertIn(f"/my/orders/{order.id}?access_token=", action["url"])
        order.client_order_ref = "PO-1"
        case.with_user(self.sales).action_confirm_quotation()
        self.assertEqual(case.state, "approved")
        self.assertIsNone(self.kind(case))

    def test_p4_5_expired_quotation_says_a_new_one_follows(self):
        case = self.quoted_case()
        order = case.sale_order_ids
        later = order.validity_date + timedelta(days=1)
        with freeze_time(later):
            self.assertEqual(self.kind(case), "quotation_expired")
            self.env["sale.order"]._cron_rma_quotation_expiry()
            self.assertEqual(case.state, "evaluation")
            self.assertEqual(self.kind(case), "quotation_expired")
            self.assertEqual(case._portal_next_action()["order"], order)

    def test_p4_4_declined_quotation_leaves_nothing_to_do(self):
        case = self.quoted_case()
        case.sale_order_ids._action_cancel()
        self.assertEqual(case.state, "evaluation")
        self.assertIsNone(self.kind(case))

    def test_m6_return_the_faulty_unit_by_its_due_date(self):
        self.stock_serials(1, "ADVP")
        self.customer_a.rma_advance_replacement = True
        with freeze_time("2026-03-01 09:00:00"):
            case = self.authorise(self.make_case(contact_id=self.contact_a.id))
            case.with_user(self.sales).action_advance_replacement()
            self.assertEqual(
                self.kind(case), "ship_box", "the replacement has not left yet"
            )
            self.validate(self.pickings(case, "outgoing"))
            action = case._portal_next_action()
        self.assertEqual(action["kind"], "return_faulty")
        self.assertEqual(action["due_date"], date(2026, 3, 31))
        self.assertEqual(action["advance_units"], case.unit_ids)
        self.assertFalse(action["overdue"])
        with freeze_time("2026-04-02"):
            self.assertTrue(case._portal_next_action()["overdue"])
        self.validate(self.pickings(case, "incoming"))
        self.assertIsNone(self.kind(case), "the faulty unit is back")

    def test_p1_2_complete_the_support_request(self):
        ticket = self.incomplete_ticket()
        case = self.make_case(ticket_id=ticket.id, contact_id=self.contact_a.id)
        action = case._portal_next_action()
        self.assertEqual(action["kind"], "complete_request")
        self.assertEqual(action["url"], f"/my/ticket/{ticket.id}/complete")
        self.assertIn("steps to reproduce", action["missing"])
        ticket.write(
            {"steps_to_reproduce": "Enable 6 GHz", "disclaimer_accepted": True}
        )
        self.assertFalse(ticket.tsr_incomplete)
        self.assertIsNone(self.kind(case))


class TestPortalSteps(CasePageCommon):
    """_portal_steps: the path of the case with its dates, the step being
    worked on and those to come."""

    def summary(self, case):
        case.invalidate_recordset()
        return [(s["key"], s["status"]) for s in case._portal_steps()]

    def test_steps_follow_the_case_with_their_dates(self):
        case = self.make_case()
        self.assertEqual(
            self.summary(case),
            [
                ("requested", "done"),
                ("authorised", "current"),
                ("received", "next"),
                ("inspection", "next"),
                ("repair", "next"),
                ("shipped", "next"),
                ("closed", "next"),
            ],
            "no quotation step while no paid repair is known",
        )
        case = self.quoted_case(self.lot_2)
        steps = {s["key"]: s for s in case._portal_steps()}
        self.assertEqual(
            [k for k, s in steps.items() if s["status"] == "done"],
            ["requested", "authorised", "received", "inspection"],
        )
        self.assertEqual([k for k, s in steps.items() if s["current"]], ["quotation"])
        self.assertEqual(steps["quotation"]["status"], "current")
        self.assertTrue(steps["quotation"]["note"])
        self.assertEqual(steps["requested"]["date"], case.date_applied)
        self.assertTrue(all(steps[k]["date"] for k in ("authorised", "received")))
        self.assertEqual(
            [k for k, s in steps.items() if s["status"] == "next"],
            ["repair", "shipped", "closed"],
        )
        self.assertFalse(any(steps[k]["date"] for k in ("repair", "shipped")))

    def test_no_repair_step_for_a_unit_found_without_trouble(self):
        case = self.evaluated_case(covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "ntf")
        keys = [key for key, _status in self.summary(case)]
        self.assertNotIn("repair", keys)
        self.assertNotIn("quotation", keys)
        case.with_user(self.quality).action_release()
        self.assertEqual(
            [s for s in self.summary(case) if s[1] != "done"],
            [("shipped", "current"), ("closed", "next")],
        )
        self.validate(self.pickings(case, "outgoing"))
        self.assertEqual(case.state, "shipped")
        steps = case._portal_steps()
        shipped = next(s for s in steps if s["key"] == "shipped")
        self.assertEqual((shipped["status"], shipped["current"]), ("done", True))
        self.assertTrue(shipped["date"])
        case.with_user(self.sales).action_close()
        self.assertEqual({status for _key, status in self.summary(case)}, {"done"})

    def test_cancelled_and_suspended_cases(self):
        case = self.authorise(self.make_case())
        case.with_user(self.sales).action_cancel()
        self.assertEqual(
            self.summary(case),
            [("requested", "done"), ("authorised", "done"), ("cancelled", "current")],
        )
        other = self.authorise(self.make_case(lots=self.lot_2))
        other.with_user(self.sales)._suspend("Waiting for the factory")
        steps = other._portal_steps()
        current = next(s for s in steps if s["current"])
        self.assertEqual(current["key"], "received", "where it was suspended")
        self.assertIn("On hold", current["note"])


class TestPortalUnitWords(CasePageCommon):
    """Each unit's progress and outcome in the customer's words (M4, M14)."""

    def words(self, unit):
        unit.invalidate_recordset()
        return unit.case_id._portal_unit_status(unit)[unit.id]

    def test_m14_rejected_unit_says_why(self):
        case = self.make_case(lots=self.lot | self.lot_2)
        reason = self.env["rma.unex.reject.reason"].search([], limit=1)
        case.unit_ids[:1].with_user(self.sales)._reject(reason, "bought elsewhere")
        words = self.words(case.unit_ids[:1])
        self.assertEqual(words["tone"], "danger")
        self.assertIn(reason.name, words["outcome"])
        self.assertIn("bought elsewhere", words["outcome"])
        self.assertEqual(self.words(case.unit_ids[1:])["progress"], "Under review")

    def test_outcomes_by_decision(self):
        case = self.quoted_case()
        unit = case.unit_ids
        self.assertIn("waiting for your approval", self.words(unit)["outcome"])
        replacement = self.stock_serials(1, "REPL")
        for vals, progress, outcome in (
            ({"disposition": "ntf"}, "Decided", "No trouble found"),
            (
                {
                    "disposition": "free_replacement",
                    "replacement_lot_id": replacement.id,
                },
                "Decided",
                f"Replaced with serial {replacement.name}",
            ),
            (
                {"disposition": "free_repair", "qc_result": "pass"},
                "Passed the quality check",
                "Repaired free of charge",
            ),
            ({"disposition": "scrap"}, "Decided", "Scrapped at your request"),
            ({"disposition": "credit_note"}, "Decided", "Credited"),
            (
                {
                    "disposition": "return_unrepaired",
                    "date_shipped": fields.Datetime.now(),
                },
                "Shipped back",
                "Returned unrepaired",
            ),
        ):
            with self.subTest(outcome=outcome):
                unit._rma_service_write(
                    dict(
                        {
                            "qc_result": False,
                            "replacement_lot_id": False,
                            "date_shipped": False,
                        },
                        **vals,
                    )
                )
                words = self.words(unit)
                self.assertEqual(
                    (words["progress"], words["outcome"]), (progress, outcome)
                )

    def test_p6_3_tracking_of_the_return_shipment(self):
        case = self.evaluated_case(covered=True)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "ntf")
        case.with_user(self.quality).action_release()
        shipment = self.pickings(case, "outgoing")
        self.assertFalse(self.words(case.unit_ids)["tracking"], "not shipped yet")
        shipment.carrier_tracking_ref = "1Z999AA10123456784"
        self.validate(shipment)
        self.assertIn("1Z999AA10123456784", self.words(case.unit_ids)["tracking"])


class TestPortalCasePage(CasePageCommon, HttpCase):
    """The page itself, as the customer, another customer and staff (X2)."""

    def page(self, case, login=None, status=200):
        if login:
            self.authenticate(login, login)
        response = self.url_open(f"/my/rmas/{case.id}")
        self.assertEqual(response.status_code, status)
        return html.fromstring(response.text) if status == 200 else response

    def card(self, tree):
        cards = tree.xpath('//*[@id="rma_next_action"]')
        self.assertLessEqual(len(cards), 1, "one action card at most")
        return cards[0] if cards else None

    def test_p4_4_sign_card_shows_number_amount_validity_and_button(self):
        case = self.quoted_case()
        order = case.sale_order_ids
        tree = self.page(case, self.portal_a.login)
        card = self.card(tree)
        self.assertEqual(card.get("data-kind"), "sign_quotation")
        text = card.text_content()
        self.assertIn(order.name, text)
        amount = card.xpath('.//*[contains(@class, "rma_action_amount")]')[0]
        self.assertIn(f"{order.amount_total:,.2f}", amount.text_content())
        self.assertIn(order.currency_id.symbol, amount.text_content())
        self.assertTrue(
            card.xpath('.//*[contains(@class, "rma_action_validity")]')[0]
            .text_content()
            .strip()
        )
        button = card.xpath(".//a[contains(@class, 'btn')]")[0]
        self.assertTrue(button.get("href").endswith("#modalaccept"))
        # the stepper: the quotation is the current step
        current = tree.xpath('//*[@id="rma_steps"]//li[@aria-current="step"]')
        self.assertEqual([li.get("data-step") for li in current], ["quotation"])
        # the documents: amount, validity and state in words
        row = tree.xpath('//tr[contains(@class, "rma_document_order")]')[0]
        self.assertIn(order.name, row.text_content())
        self.assertIn("Waiting for your signature", row.text_content())
        self.assertIn(f"{order.amount_total:,.2f}", row.text_content())

    def test_p3_2_ship_card_shows_address_number_expiry_and_label(self):
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        address = case._rma_receiving_partner()
        tree = self.page(case, self.portal_a.login)
        card = self.card(tree)
        self.assertEqual(card.get("data-kind"), "ship_box")
        text = card.text_content()
        self.assertIn(
            case.name,
            card.xpath('.//*[contains(@class, "rma_action_number")]')[0].text_content(),
        )
        self.assertIn(address.name, text)
        self.assertIn(address.city or address.name, text)
        self.assertTrue(card.xpath('.//*[contains(@class, "rma_action_validity")]'))
        label = card.xpath(".//a[contains(@class, 'btn')]")[0]
        self.assertIn(f"/my/rmas/{case.id}/report/authorisation", label.get("href"))
        self.assertEqual(self.url_open(label.get("href")).status_code, 200)

    def test_card_appears_exactly_when_the_customer_must_act(self):
        """No card during review, after the box arrived, or once the
        quotation is signed: the customer has nothing to do then."""
        self.authenticate(self.portal_a.login, self.portal_a.login)
        case = self.make_case(contact_id=self.contact_a.id)
        self.assertIsNone(self.card(self.page(case)), "sales review")
        self.authorise(case)
        self.assertEqual(self.card(self.page(case)).get("data-kind"), "ship_box")
        self.validate(self.pickings(case, "incoming"))
        self.assertIsNone(self.card(self.page(case)), "received")
        case.with_user(self.quality).action_start_evaluation()
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        self.assertIsNone(self.card(self.page(case)), "evaluation")
        case.with_user(self.sales).action_send_quotation()
        self.assertEqual(self.card(self.page(case)).get("data-kind"), "sign_quotation")
        case.sale_order_ids.client_order_ref = "PO-9"
        case.with_user(self.sales).action_confirm_quotation()
        self.assertIsNone(self.card(self.page(case)), "approved")

    def test_p4_5_m2_m6_the_other_cards_render(self):
        """The expired quotation (P4.5), the expired authorisation (M2) and
        the faulty unit to return (M6), each on its own page."""
        self.authenticate(self.portal_a.login, self.portal_a.login)
        quoted = self.quoted_case(self.lot_2)
        order = quoted.sale_order_ids
        with freeze_time(order.validity_date + timedelta(days=1)):
            card = self.card(self.page(quoted))
        self.assertEqual(card.get("data-kind"), "quotation_expired")
        self.assertIn(order.name, card.text_content())
        self.assertIn("new quotation", card.text_content())
        self.assertFalse(card.xpath(".//a[contains(@href, 'modalaccept')]"))
        expired = self.authorise(self.make_case(contact_id=self.contact_a.id))
        expired._expire_authorisation()
        card = self.card(self.page(expired))
        self.assertEqual(card.get("data-kind"), "authorisation_expired")
        self.assertIn(expired.name, card.text_content())
        self.assertFalse(card.xpath(".//a[contains(@href, '/report/')]"))
        self.stock_serials(1, "ADVC")
        self.customer_a.rma_advance_replacement = True
        advance = self.authorise(
            self.make_case(
                lots=self.stock_serials(1, "FLTY"), contact_id=self.contact_a.id
            )
        )
        advance.with_user(self.sales).action_advance_replacement()
        self.validate(self.pickings(advance, "outgoing"))
        tree = self.page(advance)
        card = self.card(tree)
        self.assertEqual(card.get("data-kind"), "return_faulty")
        due = advance.unit_ids.advance_due_date
        self.assertTrue(due)
        self.assertTrue(card.xpath('.//*[contains(@class, "rma_action_due")]'))
        self.assertIn(advance.name, card.text_content())
        replacement = advance.unit_ids.replacement_lot_id.name
        outcome = tree.xpath('//td[contains(@class, "rma_unit_outcome")]')[0]
        self.assertIn(replacement, outcome.text_content())

    def test_p6_3_documents_show_fee_order_and_invoice_in_words(self):
        case = self.evaluated_case()
        case.contact_id = self.contact_a
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "ntf")
        case.with_user(self.quality).action_release()
        fees = case.sale_order_ids
        self.assertEqual(fees.rma_order_kind, "fees")
        case.with_user(self.accountant).action_create_invoices()
        invoice = fees.invoice_ids
        invoice.action_post()
        tree = self.page(case, self.portal_a.login)
        order_row = tree.xpath('//tr[contains(@class, "rma_document_order")]')[0]
        self.assertIn(fees.name, order_row.text_content())
        self.assertIn("Fees", order_row.text_content())
        self.assertIn(f"{fees.amount_total:,.2f}", order_row.text_content())
        row = tree.xpath('//tr[contains(@class, "rma_document_invoice")]')[0]
        text = " ".join(row.text_content().split())
        self.assertIn(invoice.name, text)
        self.assertIn(f"{invoice.amount_total:,.2f}", text)
        self.assertIn("Not Paid", text)
        self.assertIsNone(self.card(tree), "nothing for the customer to do")

    def test_complete_request_card_links_the_completion_page(self):
        ticket = self.incomplete_ticket()
        case = self.make_case(ticket_id=ticket.id, contact_id=self.contact_a.id)
        card = self.card(self.page(case, self.portal_a.login))
        self.assertEqual(card.get("data-kind"), "complete_request")
        link = card.xpath(".//a[contains(@class, 'btn')]")[0].get("href")
        self.assertEqual(link, f"/my/ticket/{ticket.id}/complete")
        self.assertEqual(self.url_open(link).status_code, 200)

    def test_x2_another_customer_gets_a_404_staff_sees_the_page(self):
        case = self.quoted_case()
        response = self.page(case, self.portal_b.login, status=404)
        self.assertNotIn(case.name, response.text)
        self.assertNotIn(case.sale_order_ids.name, response.text)
        tree = self.page(case, self.sales.login)
        self.assertEqual(self.card(tree).get("data-kind"), "sign_quotation")
        self.assertTrue(tree.xpath('//*[@id="rma_steps"]//li[@aria-current="step"]'))

    def test_page_view_writes_nothing(self):
        warm = self.quoted_case(self.lot_2)
        case = self.quoted_case()
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.page(warm)
        with capture_writes() as writes:
            self.page(case)
        self.assertEqual(writes, [], "the case page wrote to the database")

    def _varied_case(self, count):
        """A case of ``count`` units in evaluation, decided in every way,
        replacements with their serials, the last unit rejected."""
        lots = self.stock_serials(count, f"Q{count}X")
        case = self.make_case(lots=lots, contact_id=self.contact_a.id)
        reason = self.env["rma.unex.reject.reason"].search([], limit=1)
        # the last unit (the only one of a case of one) is refused
        case.unit_ids[-1:].with_user(self.sales)._reject(reason, "not ours")
        self.put_in_state(case, "evaluation")
        choices = ["ntf", "free_replacement", "paid_repair", "scrap", "free_repair"]
        for index, unit in enumerate(case.unit_ids):
            unit._rma_service_write(
                {
                    "disposition": choices[index % len(choices)],
                    "replacement_lot_id": lots[index].id,
                    "date_received": fields.Datetime.now(),
                    "fa_date": fields.Datetime.now(),
                    "fa_category_id": self.env.ref(
                        "rma_unex.failure_category_component"
                    ).id,
                }
            )
        return case

    def test_query_count_flat_in_the_number_of_units(self):
        """The page of a case of 50 units costs the queries of a case of one."""
        one = self._varied_case(1)
        fifty = self._varied_case(50)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        for case in (one, fifty):
            self.page(case)  # warm the templates and assets

        def queries(case):
            tree = None

            def view():
                nonlocal tree
                tree = self.page(case)

            count = self.count_queries(view, cold=True)
            return count, tree

        few, tree_one = queries(one)
        many, tree_fifty = queries(fifty)
        self.assertEqual(len(tree_one.xpath('//table[@id="rma_units"]/tbody/tr')), 1)
        self.assertEqual(len(tree_fifty.xpath('//table[@id="rma_units"]/tbody/tr')), 50)
        self.assertEqual(many, few, f"{few} queries for 1 unit, {many} for 50")


@tagged("post_install", "-at_install")
class TestPortalCasePageTour(CasePageCommon, HttpCase):
    """The acceptance test (Chromium): the customer opens their case, sees
    what to sign, signs it on the quotation and comes back to a case that
    moved on (P4.4)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def test_tour_sign_the_quotation_from_the_case_page(self):
        case = self.quoted_case()
        order = case.sale_order_ids
        self.flush_tracking()
        self.start_tour(
            f"/my/rmas/{case.id}",
            "rma_unex_case_page_sign",
            login=self.portal_a.login,
        )
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.signature)
        self.assertEqual(order.signed_by, "Alice A")
        self.assertEqual(case.state, "approved")
        self.assertIsNone(case._portal_next_action())


class TestStepsWithoutLog(RmaUnexCommon):
    """Records loaded as data have no state log: the dates the case keeps."""

    def test_dates_from_the_case_without_log(self):
        case = self.authorise(self.make_case())
        self.env["rma.unex.state.log"]._of(case).unlink()
        steps = {s["key"]: s for s in case._portal_steps()}
        self.assertEqual(steps["authorised"]["date"], case.date_authorised)
        self.assertEqual(steps["authorised"]["status"], "done")
        self.assertEqual(steps["received"]["status"], "current")
