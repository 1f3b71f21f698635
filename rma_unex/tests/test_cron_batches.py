"""The scheduled actions work through many due records in committed batches
(issue #16): one bounded batch per call with its progress reported to
ir.cron, each reminder sent once even when a run is killed after a batch, a
query cost per record that does not grow with the batch, and a record that
fails put aside instead of holding up the others (M2, P4.5, M5, M6, P1.5)."""

import threading
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.modules import module

from ..models.rma_unex_cron_batch import BATCH_SIZE_PARAM, CronStep
from .common import WorkshopCommon

BATCH = 3
AUTHORISATION = "rma_unex.ir_cron_rma_authorisation_validity"
QUOTATION = "rma_unex.ir_cron_rma_quotation_expiry"
CUSTODY = "rma_unex.ir_cron_rma_custody_limit"
ADVANCE = "rma_unex.ir_cron_rma_advance_replacements"
TICKET_WARNING = "rma_unex.ir_cron_rma_response_warning_tickets"
CASE_WARNING = "rma_unex.ir_cron_rma_response_warning_cases"
# Queries one more due record may add to a call of a cron: its messages (with
# the e-mail to the customer), its activity (with the e-mail to the assignee)
# and its own documents; the fixed cost of a batch is not counted. Measured:
# 20.5, 13.5, 50, 62.5 (an order created and confirmed), 10.
MARGINAL_BUDGET = {
    AUTHORISATION: 24,
    QUOTATION: 16,
    CUSTODY: 60,
    ADVANCE: 75,
    TICKET_WARNING: 12,
}


class Refused(UserError):
    """A business rule refusing a step (X3), as a guard raises it."""


class Killed(BaseException):
    """The worker dies (as SystemExit, not an Exception a handler could
    catch): what the call did since its last commit is lost."""


class CronBatchCommon(WorkshopCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(BATCH_SIZE_PARAM, BATCH)
        cls.company.rma_advance_cap = 50
        cls.customer_a.rma_advance_replacement = True
        cls._serial = 0

    # Running a cron as ir.cron does ------------------------------------

    def run_cron(self, xmlid):
        """One call of the cron as ir.cron makes it (its server action, with
        ``cron_id`` and a progress record in the context): (done, remaining)
        as reported through _notify_progress."""
        cron = self.env.ref(xmlid)
        cron, progress = cron.with_context(cron_id=cron.id)._add_progress()
        self.env["ir.actions.server"].with_context(**cron.env.context).browse(
            cron.ir_actions_server_id.id
        ).run()
        self.flush_tracking()
        return progress.done, progress.remaining

    def run_killed(self, xmlid):
        """A call of the cron whose worker is killed once its batch is done,
        before the commit: all it did is rolled back."""
        with (
            self.assertRaises(Killed),
            self.env.cr.savepoint(),
            patch.object(
                type(self.env["ir.cron"]), "_notify_progress", side_effect=Killed
            ),
        ):
            self.run_cron(xmlid)
        self.env.invalidate_all()

    def drain(self, xmlid):
        """Run the cron until nothing is due (what demo data may hold)."""
        for _call in range(100):
            if not self.run_cron(xmlid)[1]:
                return
        self.fail(f"{xmlid} never finished")

    def assertBatches(self, xmlid, total, killed=True):
        """``total`` due records: a first call handles one batch, a killed
        call changes nothing, the next call handles the rest, then none."""
        self.assertEqual(self.run_cron(xmlid), (BATCH, total - BATCH))
        if killed:
            self.run_killed(xmlid)
        self.assertEqual(self.run_cron(xmlid), (total - BATCH, 0))
        self.assertEqual(self.run_cron(xmlid), (0, 0))

    def marginal_queries(self, xmlid, warm, one, many):
        """Queries per extra record of a call: (q(many) - q(1)) / (many - 1),
        after a warm-up; ``warm``, ``one``, ``many``: the frozen times at
        which the cron finds 1, 1 and ``many`` records due."""
        with freeze_time(warm):
            self.assertEqual(self.run_cron(xmlid)[0], 1)
        counts = []
        for when in (one, many[0]):
            with freeze_time(when):
                done = []
                counts.append(
                    self.count_queries(
                        lambda d=done: d.append(self.run_cron(xmlid)[0]), cold=True
                    )
                )
                self.assertEqual(done, [1 if when == one else many[1]])
        return (counts[1] - counts[0]) / (many[1] - 1)

    # What was sent ------------------------------------------------------

    def messages(self, record, text):
        return record.message_ids.filtered(
            lambda m: text in (m.subject or "") or text in str(m.body or "")
        )

    def activities(self, record, text):
        return record.activity_ids.filtered(lambda a: text in (a.summary or ""))

    def assertOnce(self, records, text, activity=None, mailed=False):
        """Each record has exactly one message with ``text`` (e-mailed to the
        customer's contact if ``mailed``) and one activity ``activity``."""
        for record in records:
            messages = self.messages(record, text)
            self.assertEqual(len(messages), 1, f"{record.display_name}: {text}")
            if mailed:
                self.assertIn(
                    self.contact_a,
                    messages.notification_ids.filtered(
                        lambda n: n.notification_type == "email"
                    ).res_partner_id,
                )
            if activity:
                self.assertEqual(len(self.activities(record, activity)), 1)

    # Builders -----------------------------------------------------------

    def serials(self, count, stocked=False):
        lots = self.env["stock.lot"].create(
            [
                {"name": f"CRON{self._serial + i:04d}", "product_id": self.product.id}
                for i in range(count)
            ]
        )
        type(self)._serial += count
        if stocked:
            stock = self.env.ref("stock.stock_location_stock")
            for lot in lots:
                self.env["stock.quant"]._update_available_quantity(
                    self.product, stock, 1, lot_id=lot
                )
        return lots

    def authorised_cases(self, count):
        cases = self.env["rma.unex.case"]
        for lot in self.serials(count):
            cases |= self.make_case(lots=lot, contact_id=self.contact_a.id)
        for case in cases:
            case.with_user(self.sales)._record_charge_agreement(self.contact_a, "email")
        cases.with_user(self.sales).action_authorise()
        # sent a moment later by the background job: the contact follows the
        # case from its authorisation e-mail on
        self.send_authorisation_mails()
        return cases

    def quoted_cases(self, count):
        cases = self.authorised_cases(count)
        for case in cases:
            self.validate(self.pickings(case, "incoming"))
        cases.with_user(self.quality).action_start_evaluation()
        self.analyse(cases.unit_ids)
        self.decide(cases.unit_ids, "paid_repair")
        cases.with_user(self.sales).action_send_quotation()
        return cases


class TestAuthorisationBatches(CronBatchCommon):
    """M2 reminders and expiries in committed batches."""

    def test_m2_reminders_and_expiries_in_batches_each_once(self):
        with freeze_time("2026-03-31 09:00:00"):
            self.drain(AUTHORISATION)
        with freeze_time("2026-03-01 09:00:00"):
            cases = self.authorised_cases(5)
        with freeze_time("2026-03-31 09:00:00"):
            self.assertEqual(self.run_cron(AUTHORISATION), (BATCH, 2))
            self.assertEqual(
                cases.filtered("authorisation_reminder_date"), cases[:BATCH]
            )
            self.run_killed(AUTHORISATION)
            self.assertEqual(
                cases.filtered("authorisation_reminder_date"), cases[:BATCH]
            )
            self.assertEqual(self.run_cron(AUTHORISATION), (2, 0))
            self.assertEqual(self.run_cron(AUTHORISATION), (0, 0))
        self.assertOnce(
            cases, "not received your units", "RMA goods not received", mailed=True
        )
        with freeze_time("2026-04-07 09:00:00"):
            self.assertBatches(AUTHORISATION, 5)
        self.assertEqual(set(cases.mapped("authorisation_expired")), {True})
        self.assertOnce(cases, "Authorisation expired")
        self.assertOnce(cases, "not received your units", mailed=True)

    def test_m2_queries_per_case_are_flat(self):
        with freeze_time("2026-04-01 09:00:00"):
            self.drain(AUTHORISATION)
        for day, count in ((1, 1), (2, 1), (3, 3)):
            with freeze_time(f"2026-03-0{day} 09:00:00"):
                self.authorised_cases(count)
        per_case = self.marginal_queries(
            AUTHORISATION,
            "2026-03-31 09:00:00",
            "2026-04-01 09:00:00",
            ("2026-04-02 09:00:00", 3),
        )
        self.assertLessEqual(per_case, MARGINAL_BUDGET[AUTHORISATION])


class TestQuotationAndCustodyBatches(CronBatchCommon):
    """P4.5 expired quotations and the M5 custody limit in committed batches."""

    def test_p4_5_m5_expiry_then_custody_in_batches_each_once(self):
        for when in ("2026-07-02", "2026-08-01"):
            with freeze_time(when):
                self.drain(QUOTATION)
                self.drain(CUSTODY)
        with freeze_time("2026-06-01"):
            cases = self.quoted_cases(5)
        orders = cases.sale_order_ids
        with freeze_time("2026-07-02"):
            self.assertBatches(QUOTATION, 5)
        self.assertEqual(set(cases.mapped("state")), {"evaluation"})
        self.assertTrue(all(orders.mapped("rma_lapse_notified")))
        self.assertOnce(orders, "Quotation expired on")
        for case in cases:
            order = case.sale_order_ids
            self.assertOnce(case, f"Quotation {order.name} expired", order.name)
        with freeze_time("2026-07-31"):
            self.assertEqual(self.run_cron(CUSTODY), (0, 0), "30 days not over")
        with freeze_time("2026-08-01"):
            self.assertBatches(CUSTODY, 5)
        self.assertEqual(set(cases.mapped("state")), {"ready"})
        self.assertEqual(
            set(cases.unit_ids.mapped("disposition")), {"return_unrepaired"}
        )
        self.assertOnce(cases, "the units are returned unrepaired", mailed=True)
        for case in cases:
            self.assertEqual(len(self.pickings(case, "outgoing")), 1)

    def test_m5_a_refused_case_is_put_aside_not_retried(self):
        """A case the release refuses (X3) does not hold up the others, is
        listed as a failure and left out of later runs until its row is
        deleted."""
        with freeze_time("2026-06-01"):
            cases = self.quoted_cases(4)
        with freeze_time("2026-07-02"):
            self.drain(QUOTATION)
        refused = cases[1]

        def check(cases):
            if refused in cases:
                raise Refused("Missing customs papers.")

        with (
            freeze_time("2026-08-01"),
            patch.object(type(refused), "_check_can_release", check),
        ):
            self.drain(CUSTODY)
            self.assertEqual(self.run_cron(CUSTODY), (0, 0))
        self.assertEqual((cases - refused).mapped("state"), ["ready"] * 3)
        self.assertEqual(refused.state, "evaluation")
        self.assertEqual(refused.unit_ids.disposition, "paid_repair", "rolled back")
        self.assertFalse(self.messages(refused, "returned unrepaired"))
        failure = self.env["rma.unex.cron.failure"].search(
            [("res_model", "=", "rma.unex.case"), ("res_id", "=", refused.id)]
        )
        self.assertEqual(failure.step, "custody_limit")
        self.assertIn("Missing customs papers", failure.error)
        failure.with_user(self.manager).unlink()
        with freeze_time("2026-08-02"):
            self.assertEqual(self.run_cron(CUSTODY), (1, 0), "tried again")
        self.assertEqual(refused.state, "ready")

    def test_p4_5_m5_queries_per_case_are_flat(self):
        for when in ("2026-07-02", "2026-07-03", "2026-07-04"):
            with freeze_time(when):
                self.drain(QUOTATION)
        for when in ("2026-08-01", "2026-08-02", "2026-08-03"):
            with freeze_time(when):
                self.drain(CUSTODY)
        for day, count in ((1, 1), (2, 1), (3, 3)):
            with freeze_time(f"2026-06-0{day}"):
                self.quoted_cases(count)
        per_case = self.marginal_queries(
            QUOTATION, "2026-07-02", "2026-07-03", ("2026-07-04", 3)
        )
        self.assertLessEqual(per_case, MARGINAL_BUDGET[QUOTATION])
        per_case = self.marginal_queries(
            CUSTODY, "2026-08-01", "2026-08-02", ("2026-08-03", 3)
        )
        self.assertLessEqual(per_case, MARGINAL_BUDGET[CUSTODY])


class TestAdvanceBatches(CronBatchCommon):
    """M6 reminders and invoices of unreturned units in committed batches."""

    def advance_units(self, count):
        self.serials(count, stocked=True)
        cases = self.authorised_cases(count)
        cases.with_user(self.sales).action_advance_replacement()
        for case in cases:
            self.validate(self.pickings(case, "outgoing"))
        return cases.unit_ids

    def test_m6_reminders_and_invoices_in_batches_each_once(self):
        for when in ("2026-03-02 09:00:00", "2026-04-01 09:00:00"):
            with freeze_time(when):
                self.drain(ADVANCE)
        with freeze_time("2026-03-01 09:00:00"):
            units = self.advance_units(5)
        cases = units.case_id
        with freeze_time("2026-03-02 09:00:00"):
            self.assertBatches(ADVANCE, 5)
        self.assertTrue(all(units.mapped("advance_reminder_date")))
        self.assertOnce(
            cases, "Reminder: please send back", "Faulty unit outstanding", True
        )
        with freeze_time("2026-03-08 09:00:00"):
            self.assertEqual(self.run_cron(ADVANCE), (0, 0), "weekly")
        with freeze_time("2026-04-01 09:00:00"):
            self.assertBatches(ADVANCE, 5)
        self.assertEqual(set(units.advance_order_id.mapped("state")), {"sale"})
        self.assertEqual(len(units.advance_order_id), 5)
        self.assertOnce(cases, "invoiced at list price on", mailed=True)

    def test_m6_queries_per_unit_are_flat(self):
        with freeze_time("2026-04-01 09:00:00"):
            self.drain(ADVANCE)
        for day, count in ((1, 1), (2, 1), (3, 3)):
            with freeze_time(f"2026-03-0{day} 09:00:00"):
                self.advance_units(count)
        with freeze_time("2026-03-04 09:00:00"):
            self.drain(ADVANCE)  # the weekly reminders
        per_unit = self.marginal_queries(
            ADVANCE,
            "2026-04-01 09:00:00",
            "2026-04-02 09:00:00",
            ("2026-04-03 09:00:00", 3),
        )
        self.assertLessEqual(per_unit, MARGINAL_BUDGET[ADVANCE])


class TestResponseWarningBatches(CronBatchCommon):
    """P1.5 warnings before the first response falls due, in committed batches."""

    def test_p1_5_ticket_warnings_in_batches_each_once(self):
        with freeze_time("2026-03-03 05:30:00"):
            self.drain(TICKET_WARNING)
        with freeze_time("2026-03-02 09:00:00"):
            tickets = self.env["helpdesk.ticket"].union(
                *(self.make_ticket(user_id=self.fae.id) for _i in range(5))
            )
            unassigned = self.make_ticket()
            unassigned.user_id = False
        with freeze_time("2026-03-03 05:30:00"):
            self.assertBatches(TICKET_WARNING, 5)
        self.assertTrue(all(tickets.mapped("response_warning_sent")))
        for ticket in tickets:
            self.assertEqual(len(self.activities(ticket, "First response due")), 1)
        self.assertFalse(unassigned.response_warning_sent, "nobody to warn yet")
        unassigned.user_id = self.fae
        with freeze_time("2026-03-03 06:00:00"):
            self.assertEqual(self.run_cron(TICKET_WARNING), (1, 0))

    def test_p1_5_case_warnings_in_batches_each_once(self):
        with freeze_time("2026-03-03 05:30:00"):
            self.drain(CASE_WARNING)
        with freeze_time("2026-03-02 09:00:00"):
            cases = self.env["rma.unex.case"].union(
                *(self.make_case(lots=lot) for lot in self.serials(4))
            )
        self.assertEqual(set(cases.user_id), {self.sales})
        with freeze_time("2026-03-03 05:30:00"):
            self.assertBatches(CASE_WARNING, 4, killed=False)
        for case in cases:
            self.assertEqual(len(self.activities(case, "First response due")), 1)

    def test_p1_5_queries_per_ticket_are_flat(self):
        with freeze_time("2026-03-04 06:00:00"):
            self.drain(TICKET_WARNING)
        for hour, count in ((9, 1), (10, 1), (11, 3)):
            with freeze_time(f"2026-03-02 {hour}:00:00"):
                for _i in range(count):
                    self.make_ticket(user_id=self.fae.id)
        per_ticket = self.marginal_queries(
            TICKET_WARNING,
            "2026-03-03 05:00:00",
            "2026-03-03 06:00:00",
            ("2026-03-03 07:00:00", 3),
        )
        self.assertLessEqual(per_ticket, MARGINAL_BUDGET[TICKET_WARNING])


class TestCronBatchRunner(CronBatchCommon):
    """The runner itself: batch size, failures, errors that are nobody's."""

    def step(self, handler, domain=None):
        return CronStep(
            "response_warning",
            "res.partner",
            domain or [("id", "in", (self.customer_a | self.customer_b).ids)],
            handler,
        )

    def test_batch_size_setting(self):
        Batch = self.env["rma.unex.cron.batch"]
        self.assertEqual(Batch._batch_size(), BATCH)
        for value in ("0", "-4", "many"):
            self.env["ir.config_parameter"].set_param(BATCH_SIZE_PARAM, value)
            self.assertEqual(Batch._batch_size(), 200)

    def test_a_handler_that_leaves_records_due_does_not_loop(self):
        Batch = self.env["rma.unex.cron.batch"]
        self.assertEqual(Batch._run([self.step(lambda records: None)]), 2)
        failures = self.env["rma.unex.cron.failure"].search(
            [("res_model", "=", "res.partner")]
        )
        self.assertEqual(failures.mapped("error"), ["still due after its work"] * 2)
        self.assertEqual(Batch._run([self.step(lambda records: None)]), 0)

    def test_a_lock_conflict_ends_the_call_and_puts_nothing_aside(self):
        def conflict(records):
            raise psycopg2.errors.SerializationFailure("could not serialize")

        Batch = self.env["rma.unex.cron.batch"]
        with self.assertRaises(psycopg2.OperationalError), self.env.cr.savepoint():
            Batch._run([self.step(conflict)])
        self.assertFalse(
            self.env["rma.unex.cron.failure"].search(
                [("res_model", "=", "res.partner")]
            )
        )

    def test_a_failing_record_costs_only_itself(self):
        done = []

        def handler(records):
            if self.customer_b in records:
                raise ValueError("no such date")
            records.write({"comment": "done"})
            done.extend(records.ids)

        domain = [
            ("id", "in", (self.customer_a | self.customer_b).ids),
            ("comment", "=", False),
        ]
        Batch = self.env["rma.unex.cron.batch"]
        self.assertEqual(Batch._run([self.step(handler, domain)]), 2)
        self.assertEqual(done, self.customer_a.ids)
        self.assertEqual(Batch._run([self.step(handler, domain)]), 0)
        failure = self.env["rma.unex.cron.failure"].search(
            [("res_model", "=", "res.partner")]
        )
        self.assertEqual(failure.res_id, self.customer_b.id)
        self.assertEqual(failure.record_name, "Customer B")
        self.assertEqual(failure.error, "no such date")

    def test_commits_each_batch_only_as_the_real_cron(self):
        """Under ir.cron (``cron_id`` in the context) each call commits its
        batch; called from code, or in a test, it never does."""
        step = self.step(
            lambda records: records.write({"comment": "done"}),
            [("id", "=", self.customer_a.id), ("comment", "=", False)],
        )
        Batch = self.env["rma.unex.cron.batch"]
        with patch.object(self.env.cr, "commit") as commit:
            Batch.with_context(cron_id=1)._run([step])
            commit.assert_not_called()
            with (
                patch.object(module, "current_test", None),
                patch.object(threading.current_thread(), "testing", False, create=True),
            ):
                Batch._run([step])
                commit.assert_not_called()
                Batch.with_context(cron_id=1)._run([step])
                commit.assert_called_once()
