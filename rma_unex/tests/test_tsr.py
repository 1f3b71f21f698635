from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .common import RmaUnexCommon


def tsr_snapshot(ticket):
    ticket.invalidate_recordset()
    return (
        ticket.tsr_state,
        ticket.tsr_submitted_date,
        ticket.response_deadline,
        ticket.stage_id.id,
        len(ticket.rma_case_ids),
        len(ticket.message_ids),
    )


class TestTechnicalSupportRequest(RmaUnexCommon):
    """P1 submission and P2 remote diagnosis on helpdesk tickets."""

    def test_p1_3_disclaimer_required_before_submission(self):
        ticket = self.make_ticket(submit=False, disclaimer_accepted=False)
        err = self.assertRefused(
            UserError,
            ticket.with_user(self.fae).action_submit_tsr,
            ticket,
            tsr_snapshot,
        )
        self.assertIn("data disclaimer", str(err))
        self.assertEqual(ticket.tsr_state, "draft")

    def test_p1_3_disclaimer_records_who_and_when(self):
        with freeze_time("2026-03-02 09:15:00"):
            ticket = self.make_ticket(submit=False, disclaimer_accepted=False)
            ticket.disclaimer_accepted = True
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_a)
        self.assertEqual(ticket.disclaimer_date, datetime(2026, 3, 2, 9, 15))

    def test_p1_3_disclaimer_cannot_be_withdrawn_after_submission(self):
        ticket = self.make_ticket()
        with self.assertRaises(UserError):
            ticket.disclaimer_accepted = False
        with self.assertRaises(UserError):
            ticket.write({"disclaimer_date": False})

    def test_p1_2_missing_device_identity_is_refused(self):
        ticket = self.make_ticket(
            submit=False,
            device={"lot_id": False, "firmware_version": False},
            steps_to_reproduce=" ",
        )
        err = self.assertRefused(
            UserError,
            ticket.with_user(self.fae).action_submit_tsr,
            ticket,
            tsr_snapshot,
        )
        for missing in (
            "device 1: MAC or serial",
            "firmware",
            "steps to reproduce",
        ):
            self.assertIn(missing, str(err))

    def test_p1_5_submission_starts_the_24_hour_clock(self):
        with freeze_time("2026-03-02 09:00:00"):
            ticket = self.make_ticket()
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.tsr_submitted_date, datetime(2026, 3, 2, 9, 0))
        self.assertEqual(ticket.response_deadline, datetime(2026, 3, 3, 9, 0))
        self.company.rma_response_hours = 8
        with freeze_time("2026-03-02 09:00:00"):
            other = self.make_ticket()
        self.assertEqual(other.response_deadline, datetime(2026, 3, 2, 17, 0))

    def test_p1_5_first_response_is_a_public_staff_reply(self):
        with freeze_time("2026-03-02 09:00:00"):
            ticket = self.make_ticket()
        Ticket = self.env["helpdesk.ticket"]
        with freeze_time("2026-03-02 10:00:00"):
            ticket.with_user(self.fae).message_post(
                body="Internal: check logs", subtype_xmlid="mail.mt_note"
            )
            self.assertFalse(
                ticket.first_response_date, "an internal note is no answer"
            )
            ticket.with_user(self.portal_a).message_post(
                body="Any news?",
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )
            self.assertFalse(
                ticket.first_response_date, "the customer's message is no answer"
            )
        with freeze_time("2026-03-03 10:00:00"):
            self.assertIn(ticket, Ticket.search([("response_overdue", "=", True)]))
            ticket.with_user(self.fae).message_post(
                body="Please send the radio log.",
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )
            self.assertEqual(ticket.first_response_date, datetime(2026, 3, 3, 10, 0))
            self.assertNotIn(ticket, Ticket.search([("response_overdue", "=", True)]))
            self.assertIn(ticket, Ticket.search([("response_overdue", "=", False)]))

    def test_p2_2_resolve_remotely_closes_without_rma(self):
        ticket = self.make_ticket()
        err = self.assertRefused(
            UserError,
            ticket.with_user(self.fae).action_resolve_remotely,
            ticket,
            tsr_snapshot,
        )
        self.assertIn("software update or configuration change", str(err))
        ticket.with_user(self.fae).write(
            {"remote_fix_type": "software_update", "remote_fix_note": "Firmware 7.1.4"}
        )
        ticket.with_user(self.fae).action_resolve_remotely()
        self.assertEqual(ticket.tsr_state, "resolved_remotely")
        self.assertTrue(ticket.stage_id.closed)
        self.assertFalse(ticket.rma_case_ids)
        self.assertTrue(ticket.first_response_date)

    def test_p2_3_escalation_creates_the_case_for_sales_review(self):
        ticket = self.make_ticket()
        ticket.with_user(self.fae).action_escalate()
        case = ticket.rma_case_ids
        self.assertEqual(len(case), 1)
        self.assertEqual(ticket.tsr_state, "escalated")
        self.assertEqual(ticket.rma_case_count, 1)
        self.assertEqual(case.ticket_id, ticket, "linked both ways")
        self.assertEqual(case.state, "sales_review")
        self.assertFalse(case.name, "no RMA number before authorisation")
        self.assertEqual(case.display_name, "New")
        self.assertEqual(case.partner_id, self.customer_a)
        self.assertEqual(case.contact_id, self.contact_a)
        self.assertEqual(case.user_id, self.sales, "goes to the customer's sales rep")
        unit = case.unit_ids
        self.assertEqual(len(unit), 1)
        self.assertEqual(unit.product_id, self.product)
        self.assertEqual(unit.lot_id, self.lot)
        self.assertEqual(unit.mac_address, "00:01:A7:00:00:01")
        self.assertIn("6 GHz SSID", unit.symptom)
        self.assertEqual(unit.warranty_status, "unknown", "preliminary look ran")
        activity = case.activity_ids
        self.assertEqual(activity.user_id, self.sales)
        self.assertIn(self.sales.partner_id, case.message_partner_ids)
        self.assertTrue(ticket.first_response_date)

    def test_p2_3_escalation_refusals(self):
        draft = self.make_ticket(submit=False)
        self.assertRefused(
            UserError, draft.with_user(self.fae).action_escalate, draft, tsr_snapshot
        )
        ticket = self.make_ticket()
        self.assertRefused(
            AccessError,
            ticket.with_user(self.stranger).action_escalate,
            ticket,
            tsr_snapshot,
        )
        ticket.with_user(self.fae).action_escalate()
        err = self.assertRefused(
            UserError, ticket.with_user(self.fae).action_escalate, ticket, tsr_snapshot
        )
        self.assertIn("Escalated to RMA", str(err))
        self.assertRefused(
            UserError,
            ticket.with_user(self.fae).action_resolve_remotely,
            ticket,
            tsr_snapshot,
        )

    def test_tsr_state_changes_only_through_actions(self):
        ticket = self.make_ticket(submit=False)
        with self.assertRaises(UserError):
            ticket.with_user(self.fae).write({"tsr_state": "escalated"})
        with self.assertRaises(UserError):
            ticket.write({"response_deadline": datetime.now() + timedelta(days=9)})
        self.assertEqual(ticket.tsr_state, "draft")
