"""Quotations and their approval (P4.4, P4.5), on the portal too, and the
custody limit (M5)."""

import base64
import json
import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase

from .common import WorkshopCommon

# A 1x1 PNG: the portal wants a signature image.
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


class TestQuotation(WorkshopCommon):
    """P4.4 quotation as a sale order, P4.5 validity, P5.2 revision."""

    def quoted_case(self, **kwargs):
        case = self.evaluated_case(**kwargs)
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        return case

    def test_p4_4_quotation_lines_and_validity(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        paid, ntf = case.unit_ids
        self.analyse(case.unit_ids)
        self.decide(paid, "paid_repair")
        self.decide(ntf, "ntf")
        with freeze_time("2026-06-01"):
            case.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.rma_case_id, case)
        self.assertEqual(order.partner_id, self.customer_a)
        self.assertEqual(order.validity_date, date(2026, 7, 1))
        products = order.order_line.mapped("product_id")
        self.assertEqual(
            sorted(products.mapped("default_code")),
            ["RMA-NTF", "RMA-REPAIR", "RMA-SHIP"],
        )
        self.assertIn(
            paid.display_name,
            order.order_line.filtered(
                lambda ln: ln.product_id.default_code == "RMA-REPAIR"
            ).name,
        )
        self.assertEqual(case.quotation_count, 1)

    def test_p4_4_only_chargeable_units_are_quoted(self):
        case = self.evaluated_case(lots=self.lot | self.lot_2)
        paid, free = case.unit_ids
        self.deliver(self.lot_2, date=date.today() - timedelta(days=200))
        self.assertEqual(free.warranty_status, "unknown", "looked up at creation")
        self.analyse(case.unit_ids)
        self.decide(paid, "paid_repair")
        self.decide(free, "return_unrepaired")
        case.with_user(self.sales).action_send_quotation()
        lines = case.sale_order_ids.order_line
        repair = lines.filtered(lambda ln: ln.product_id.default_code == "RMA-REPAIR")
        # the product, then the unit on its own line (Odoo's description layout)
        self.assertEqual(
            repair.name, f"{repair.product_id.display_name}\n{paid.display_name}"
        )
        self.assertNotIn(free.display_name, " ".join(lines.mapped("name")))

    def test_p4_4_staff_confirm_needs_the_po_number(self):
        case = self.quoted_case()
        order = case.sale_order_ids
        err = self.assertRefused(
            UserError, case.with_user(self.sales).action_confirm_quotation, case
        )
        self.assertIn("purchase order number", str(err))
        self.assertRefused(UserError, case.with_user(self.sales).action_approve, case)
        order.client_order_ref = "PO-1"
        case.with_user(self.sales).action_confirm_quotation()
        self.assertEqual(order.state, "sale")
        self.assertEqual(case.state, "approved")

    def test_p4_5_expired_quotation_cannot_be_confirmed(self):
        with freeze_time("2026-06-01"):
            case = self.quoted_case()
        order = case.sale_order_ids
        order.client_order_ref = "PO-2"
        with freeze_time("2026-07-02"):
            err = self.assertRefused(
                UserError, case.with_user(self.sales).action_confirm_quotation, case
            )
            self.assertIn("expired", str(err))
            with self.assertRaisesRegex(UserError, "expired"):
                order.action_confirm()
        self.assertEqual(order.state, "sent")  # issued, not confirmed

    def test_p4_5_cron_sends_the_case_back_with_an_activity(self):
        with freeze_time("2026-06-01"):
            case = self.quoted_case()
        order = case.sale_order_ids
        with freeze_time("2026-07-01"):
            self.env["sale.order"]._cron_rma_quotation_expiry()
        self.assertEqual(case.state, "quoted", "still valid on its last day")
        with freeze_time("2026-07-02"):
            self.env["sale.order"]._cron_rma_quotation_expiry()
        self.assertEqual(case.state, "evaluation")
        self.assertTrue(order.rma_lapse_notified)
        activity = case.activity_ids.filtered(lambda a: order.name in (a.summary or ""))
        self.assertEqual(activity.user_id, self.sales)

    def test_declined_quotation_reopens_the_decision(self):
        case = self.quoted_case()
        case.sale_order_ids._action_cancel()
        self.assertEqual(case.state, "evaluation")
        self.decide(case.unit_ids, "return_unrepaired")
        case.with_user(self.quality).action_release()
        self.assertEqual(case.state, "ready")

    def test_p5_2_revise_quotation_supersedes(self):
        case = self.quoted_case()
        first = case.sale_order_ids
        first.client_order_ref = "PO-3"
        case.with_user(self.sales).action_confirm_quotation()
        case.with_user(self.quality).action_start_repair()
        self.assertRefused(
            AccessError, case.with_user(self.quality).action_revise_quotation, case
        )
        case.with_user(self.sales).action_revise_quotation()
        second = case.sale_order_ids - first
        self.assertEqual(case.state, "quoted")
        self.assertEqual(first.state, "cancel")
        self.assertEqual(first.rma_superseded_by_id, second)
        self.assertEqual(case._current_quotation(), second)
        with self.assertRaisesRegex(UserError, "superseded"):
            first.action_draft()
            first.action_confirm()

    def test_p5_2_suspend_and_resume_during_repair(self):
        case = self.quoted_case()
        case.sale_order_ids.client_order_ref = "PO-4"
        case.with_user(self.sales).action_confirm_quotation()
        case.with_user(self.quality).action_start_repair()
        case.with_user(self.quality)._suspend("Hidden corrosion under the shield")
        self.assertEqual(case.state, "suspended")
        case.with_user(self.quality).action_resume()
        self.assertEqual(case.state, "repair")


class TestPortalQuotation(WorkshopCommon, HttpCase):
    """The customer accepts the RMA quotation on the standard sale portal."""

    def _accept(self, order):
        response = self.url_open(
            f"/my/orders/{order.id}/accept",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "access_token": order._portal_ensure_token(),
                        "name": "Alice A",
                        "signature": SIGNATURE,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json().get("result", {})

    def _csrf(self, url):
        page = self.url_open(url)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _quote(self):
        case = self.evaluated_case()
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        return case

    def test_p4_4_portal_acceptance_approves_the_case(self):
        case = self._quote()
        self.authenticate(self.portal_a.login, self.portal_a.login)
        result = self._accept(case.sale_order_ids)
        self.assertNotIn("error", result, result)
        case.invalidate_recordset()
        self.assertEqual(case.sale_order_ids.state, "sale")
        self.assertEqual(case.state, "approved")

    def test_p4_4_customer_gives_the_po_number_on_the_portal(self):
        case = self._quote()
        order = case.sale_order_ids
        self.authenticate(self.portal_a.login, self.portal_a.login)
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("rma_unex_po", page.text)
        self.assertIn(case.name, page.text)
        response = self.url_open(
            f"/my/orders/{order.id}/rma_po",
            data={
                "access_token": order.access_token,
                "client_order_ref": "PO-ACME-7",
                "csrf_token": re.search(
                    r'name="csrf_token" value="([^"]+)"', page.text
                ).group(1),
            },
        )
        self.assertEqual(response.status_code, 200)
        order.invalidate_recordset()
        self.assertEqual(order.client_order_ref, "PO-ACME-7")
        # another customer cannot touch it, even with the id
        self.authenticate(self.portal_b.login, self.portal_b.login)
        self.url_open(
            f"/my/orders/{order.id}/rma_po",
            data={"client_order_ref": "HACK", "csrf_token": self._csrf("/my/account")},
        )
        order.invalidate_recordset()
        self.assertEqual(order.client_order_ref, "PO-ACME-7")

    def test_p4_5_expired_quotation_refused_on_the_portal(self):
        case = self._quote()
        order = case.sale_order_ids
        order.validity_date = date.today() - timedelta(days=1)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        result = self._accept(order)
        self.assertIn("expired", result.get("error", ""))
        order.invalidate_recordset()
        self.assertEqual(order.state, "sent")  # issued, not confirmed
        self.assertEqual(case.state, "quoted")


class TestCustodyLimit(WorkshopCommon):
    """M5: the custody limit of a lapsed quotation."""

    def test_m5_custody_limit_returns_or_scraps_as_chosen(self):
        with freeze_time("2026-06-01"):
            back = self.evaluated_case(lots=self.lot)
            scrapped = self.evaluated_case(lots=self.lot_2)
            scrapped.custody_choice = "scrap"
            for case in (back, scrapped):
                self.analyse(case.unit_ids)
                self.decide(case.unit_ids, "paid_repair")
                case.with_user(self.sales).action_send_quotation()
        Case = self.env["rma.unex.case"]
        with freeze_time("2026-07-02"):
            self.env["sale.order"]._cron_rma_quotation_expiry()  # lapsed on 2 July
        with freeze_time("2026-07-31"):
            Case._cron_custody_limit()
        self.assertEqual(back.state, "evaluation", "30 days not over yet")
        with freeze_time("2026-08-01"):
            Case._cron_custody_limit()
        self.assertEqual(back.state, "ready")
        self.assertEqual(back.unit_ids.disposition, "return_unrepaired")
        self.assertTrue(self.pickings(back, "outgoing"))
        self.assertEqual(scrapped.unit_ids.disposition, "scrap")
        self.assertTrue(
            scrapped.unit_ids.disposal_move_id.location_dest_id.scrap_location
        )
        notice = back.message_ids.filtered(
            lambda m: "returned unrepaired" in (m.body or "")
        )
        self.assertEqual(notice.subtype_id, self.env.ref("mail.mt_comment"))
