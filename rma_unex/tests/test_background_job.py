import io
import json
import logging
from datetime import date, timedelta
from unittest.mock import patch

from openpyxl import load_workbook

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError

from .common import RmaUnexCommon

JOB_MODULE = "odoo.addons.rma_unex.models.rma_unex_job_runner"


class TestBackgroundJob(RmaUnexCommon):
    """Large register exports, recalls and warranty verifications run as
    background jobs with visible progress (X1, P4.1, P7.5, M11)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Job = cls.env["rma.unex.job"]
        cls.cron = cls.env.ref("rma_unex.ir_cron_rma_unex_job")
        # every selection of two records or more goes to the background
        cls.company.rma_job_threshold = 1
        # jobs already in the database (a dev database) are left out
        cls.old_jobs = cls.Job.sudo().search([]).ids

    def new_jobs(self, domain=(), user=None):
        Job = self.Job.with_user(user) if user else self.Job.sudo()
        return Job.search([("id", "not in", self.old_jobs), *domain])

    def run_jobs(self, max_calls=20):
        """Call the cron method as the cron would, until no job is pending."""
        for _call in range(max_calls):
            if not self.Job.search_count([("state", "in", ("queued", "running"))]):
                return
            self.Job._cron_process_jobs()
        self.fail("jobs still pending")

    def job_snapshot(self, job):
        job.invalidate_recordset()
        job = job.sudo()
        return (
            job.state,
            job.progress_done,
            job.progress_total,
            job.error_message,
            job.attachment_id.id,
            len(job.message_ids),
        )

    def bus_notifications(self, partner):
        """The simple notifications sent to the partner's screens."""
        self.env.cr.precommit.run()
        channel = json.dumps(
            [self.env.cr.dbname, "res.partner", partner.id], separators=(",", ":")
        )
        notes = (
            self.env["bus.bus"].sudo().search([("channel", "=", channel)], order="id")
        )
        return [
            json.loads(note.message)["payload"]
            for note in notes
            if json.loads(note.message)["type"] == "simple_notification"
        ]

    def make_register_job(self, user=None):
        user = user or self.fae
        cases = self.make_case(lots=self.lot | self.lot_2) | self.make_case(
            partner=self.customer_b
        )
        action = self.Job.with_user(user)._rma_export_register(cases.with_user(user))
        job = self.new_jobs([("user_id", "=", user.id)])[:1]
        return cases, action, job

    # Register ------------------------------------------------------------

    def test_x1_register_small_selection_downloads_at_once(self):
        self.company.rma_job_threshold = 500
        case = self.make_case()
        action = self.Job.with_user(self.fae)._rma_export_register(
            case.with_user(self.fae)
        )
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "rma_unex.rma_register_xlsx")
        self.assertFalse(len(self.new_jobs()), "no job for a small selection")

    def test_x1_register_request_returns_without_doing_the_work(self):
        triggers_before = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )
        cases, action, job = self.make_register_job()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(job.name, action["params"]["message"])
        self.assertEqual(job.state, "queued")
        self.assertEqual((job.progress_done, job.progress_total), (0, 0))
        self.assertFalse(job.attachment_id)
        self.assertEqual(job.res_ids, cases.ids)
        self.assertEqual(job.user_id, self.fae)
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers_before + 1,
            "queueing wakes the cron",
        )

    def test_x1_register_job_produces_the_file(self):
        cases, _action, job = self.make_register_job()
        self.run_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(
            (job.progress_done, job.progress_total, job.progress), (3, 3, 100.0)
        )
        self.assertTrue(job.date_started and job.date_finished)
        self.assertEqual(job.result_message, "3 rows exported.")
        attachment = job.attachment_id
        self.assertEqual((attachment.res_model, attachment.res_id), (job._name, job.id))
        sheet = load_workbook(io.BytesIO(attachment.raw)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][0], "RMA Number")
        self.assertEqual(len(rows) - 1, 3, "one row per unit of the selected cases")
        serial = rows[0].index("Serial")
        self.assertEqual(
            sorted(r[serial] for r in rows[1:]),
            sorted([self.lot.name, self.lot_2.name, self.lot.name]),
        )
        fees = rows[0].index("Case Fees")
        self.assertEqual(
            {r[fees] for r in rows[1:]},
            {None},
            "the file is built with the requester's rights: no fees for an FAE",
        )
        # the requester is told, with the download link
        message = job.message_ids.filtered(
            lambda m: self.fae.partner_id in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn(f"/web/content/{attachment.id}?download=true", message.body)
        notes = self.bus_notifications(self.fae.partner_id)
        self.assertEqual([n["type"] for n in notes], ["success"])
        download = job.with_user(self.fae).action_download()
        self.assertEqual(download["url"], f"/web/content/{attachment.id}?download=true")

    def test_x1_register_progress_is_reported_per_batch(self):
        _cases, _action, job = self.make_register_job()
        seen = []
        original = type(job)._rma_report_progress

        def spy(record, done, total=None):
            seen.append((done, total))
            return original(record, done, total)

        with (
            patch("odoo.addons.rma_unex.reports.rma_unex_register_xlsx.BATCH", 2),
            patch.object(type(job), "_rma_report_progress", spy),
        ):
            self.run_jobs()
        self.assertEqual(seen, [(0, 3), (2, None), (3, None)])
        self.assertEqual(job.state, "done")

    def test_x1_register_failure_is_stored_and_notified(self):
        _cases, _action, job = self.make_register_job()
        with patch(
            "odoo.addons.rma_unex.reports.rma_unex_register_xlsx."
            "RmaUnexRegisterXlsx.generate_xlsx_report",
            side_effect=ValueError("disk full"),
        ):
            self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("disk full", job.error_message)
        self.assertFalse(job.attachment_id)
        self.assertTrue(job.date_finished)
        message = job.message_ids.filtered(
            lambda m: self.fae.partner_id in m.partner_ids
        )
        self.assertIn("disk full", message.body)
        self.assertEqual(
            [n["type"] for n in self.bus_notifications(self.fae.partner_id)], ["danger"]
        )
        # retried, it resumes and completes
        job.with_user(self.fae).action_retry()
        self.assertEqual((job.state, job.error_message), ("queued", False))
        self.run_jobs()
        self.assertEqual(job.state, "done")
        self.assertTrue(job.attachment_id)

    def test_x1_refusals_change_nothing(self):
        self.assertRefused(
            UserError,
            lambda: self.Job.with_user(self.fae)._rma_export_register(
                self.env["rma.unex.case"]
            ),
            self.Job,
            lambda _j: len(self.new_jobs()),
        )
        _cases, _action, job = self.make_register_job()
        self.run_jobs()
        err = self.assertRefused(
            UserError, job.with_user(self.fae).action_cancel, job, self.job_snapshot
        )
        self.assertIn("only possible when it is Queued or Running", str(err))
        self.assertRefused(
            UserError, job.with_user(self.fae).action_retry, job, self.job_snapshot
        )

    def test_x1_cancel_a_queued_job(self):
        _cases, _action, job = self.make_register_job()
        job.with_user(self.fae).action_cancel()
        self.assertEqual(job.state, "cancelled")
        self.run_jobs()
        self.assertFalse(job.attachment_id, "a cancelled job is not run")

    # Access --------------------------------------------------------------

    def test_x1_jobs_and_files_are_their_owners(self):
        _cases, _action, job = self.make_register_job()
        self.run_jobs()
        attachment = job.attachment_id
        self.assertEqual(self.new_jobs(user=self.fae), job)
        self.assertFalse(self.new_jobs(user=self.sales), "another user's job is hidden")
        self.assertEqual(self.new_jobs(user=self.manager), job, "the manager sees all")
        for user in (self.sales, self.stranger, self.portal_a):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    job.with_user(user).read(["name"])
                with self.assertRaises(AccessError):
                    attachment.with_user(user).read(["raw"])
        self.assertTrue(attachment.with_user(self.fae).raw)
        self.assertTrue(attachment.with_user(self.manager).raw)
        with self.assertRaises(AccessError):
            self.Job.with_user(self.portal_a).search([])
        # the owner reads, but neither writes nor deletes, the job
        self.assertRefused(
            AccessError,
            lambda: job.with_user(self.fae).write({"state": "queued"}),
            job,
            self.job_snapshot,
        )
        with self.assertRaises(AccessError):
            job.with_user(self.fae).unlink()
        self.assertTrue(job.exists())

    def test_x1_only_the_owner_or_manager_cancels(self):
        _cases, _action, job = self.make_register_job()
        self.assertRefused(
            AccessError, job.with_user(self.sales).action_cancel, job, self.job_snapshot
        )
        job.with_user(self.manager).action_cancel()
        self.assertEqual(job.state, "cancelled")

    # Cron mechanics --------------------------------------------------------

    def test_x1_cron_reports_its_progress(self):
        self.make_register_job()
        self.make_register_job(user=self.sales)
        cron, progress = self.cron._add_progress()
        self.Job.with_context(ir_cron_progress_id=progress.id)._cron_process_jobs()
        self.assertEqual(
            (progress.done, progress.remaining),
            (1, 1),
            "one job done, one left: Odoo calls the cron again",
        )
        cron, progress = self.cron._add_progress()
        self.Job.with_context(ir_cron_progress_id=progress.id)._cron_process_jobs()
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        cron, progress = self.cron._add_progress()
        self.Job.with_context(ir_cron_progress_id=progress.id)._cron_process_jobs()
        self.assertEqual((progress.done, progress.remaining), (0, 0))

    def test_x1_a_job_locked_by_another_worker_is_skipped(self):
        _cases, _action, first = self.make_register_job()
        _cases, _action, second = self.make_register_job(user=self.sales)
        with self.registry.cursor() as other_worker:
            other_worker.execute(
                "SELECT pg_advisory_lock(%s, %s)", (0x524D41, first.id)
            )
            self.Job._cron_process_jobs()
            self.assertEqual((first.state, second.state), ("queued", "done"))
            other_worker.execute(
                "SELECT pg_advisory_unlock(%s, %s)", (0x524D41, first.id)
            )
        # once the other worker is gone (crashed or done), the job is taken up
        self.Job._cron_process_jobs()
        self.assertEqual(first.state, "done")

    def cron_triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def test_x1_a_job_with_work_left_wakes_the_cron_again(self):
        """Odoo calls a cron that reports work left at most 10 times in a row
        and wakes no worker after that: each batch that leaves work triggers
        the cron, so the next batches do not wait for a worker's next poll."""
        self.make_register_job()
        self.make_register_job(user=self.sales)
        before = self.cron_triggers()
        self.Job._cron_process_jobs()
        woken = self.cron_triggers() - before
        self.assertEqual(len(woken), 1, "one job left: the cron is woken again")
        self.assertLessEqual(woken.call_at, fields.Datetime.now(), "at once")
        self.Job._cron_process_jobs()
        self.assertEqual(self.cron_triggers() - before, woken, "none left: no wake")
        # every pending job held by another worker: no batch, no trigger (the
        # cron must not spin while the other worker runs it)
        _cases, _action, held = self.make_register_job()
        before = self.cron_triggers()
        with self.registry.cursor() as other_worker:
            other_worker.execute("SELECT pg_advisory_lock(%s, %s)", (0x524D41, held.id))
            self.Job._cron_process_jobs()
            other_worker.execute(
                "SELECT pg_advisory_unlock(%s, %s)", (0x524D41, held.id)
            )
        self.assertEqual(held.state, "queued")
        self.assertEqual(self.cron_triggers(), before)

    def test_x1_batch_sizes_from_system_parameters_and_logged_batches(self):
        units = (
            self.make_case(lots=self.lot | self.lot_2)
            | self.make_case(partner=self.customer_b)
        ).unit_ids
        self.Job.with_user(self.sales)._rma_verify_warranty(units.with_user(self.sales))
        job = self.new_jobs([("job_type", "=", "warranty")])
        params = self.env["ir.config_parameter"].sudo()
        for wrong in ("0", "-2", "two", ""):
            params.set_param("rma_unex.job_batch_warranty", wrong)
            self.assertEqual(job._rma_batch_size(), 500, wrong)
        params.set_param("rma_unex.job_batch_warranty", "2")
        # the level as a number: Odoo names its level 25 "INFO" too
        with self.assertLogs(JOB_MODULE, logging.INFO) as logs:
            self.Job._cron_process_jobs()
            self.assertEqual((job.progress_done, job.progress_total), (2, 3))
            self.Job._cron_process_jobs()
        self.assertEqual((job.state, job.progress_done), ("done", 3))
        self.assertEqual(
            [line.split(":", 2)[2] for line in logs.output],
            [
                f"RMA job {job.id} (warranty): batch 1 started, attempt 1, 0 of 0 done",
                f"RMA job {job.id} (warranty): batch 1 done, 2 of 3 done, job running",
                f"RMA job {job.id} (warranty): batch 2 started, attempt 1, 2 of 3 done",
                f"RMA job {job.id} (warranty): batch 2 done, 3 of 3 done, job done",
            ],
        )

    def test_x1_a_batch_that_keeps_killing_its_worker_fails_the_job(self):
        _cases, _action, job = self.make_register_job()
        # three workers died in this batch (e.g. killed on the time limit)
        job._rma_service_write({"state": "running", "attempts": 3})
        self.Job._cron_process_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("stopped 3 times in the same batch", job.error_message)
        self.assertFalse(job.attachment_id, "the batch is not tried a fourth time")
        job.with_user(self.fae).action_retry()
        self.assertEqual((job.state, job.attempts), ("queued", 0))
        self.run_jobs()
        self.assertEqual((job.state, job.attempts), ("done", 0))

    # Warranty verification ---------------------------------------------------

    def test_p4_1_warranty_verification_in_batches(self):
        delivered = date.today() - timedelta(days=40)
        self.deliver(self.lot, date=delivered)
        units = (
            self.make_case(lots=self.lot | self.lot_2)
            | self.make_case(partner=self.customer_b)
        ).unit_ids
        Job = self.Job.with_user(self.sales)
        action = Job._rma_verify_warranty(units.with_user(self.sales))
        self.assertEqual(action["tag"], "display_notification")
        job = self.new_jobs([("job_type", "=", "warranty")])
        self.assertEqual((job.state, job.res_ids), ("queued", units.ids))
        self.assertFalse(
            units.warranty_verified_user_id, "nothing verified by the request"
        )
        with patch(f"{JOB_MODULE}.WARRANTY_BATCH", 2):
            self.Job._cron_process_jobs()
            self.assertEqual(
                (job.state, job.progress_done, job.progress_total), ("running", 2, 3)
            )
            self.assertAlmostEqual(job.progress, 66.67, places=2)
            self.assertEqual(units[:2].warranty_verified_user_id, self.sales)
            self.assertFalse(units[2].warranty_verified_user_id)
            self.Job._cron_process_jobs()
        self.assertEqual((job.state, job.progress_done), ("done", 3))
        self.assertEqual(units.warranty_verified_user_id, self.sales)
        self.assertEqual(units[0].warranty_status, "in_warranty")
        self.assertEqual(job.result_message, "3 units verified.")

    def test_p4_1_warranty_verification_refusals(self):
        units = self.make_case(lots=self.lot | self.lot_2).unit_ids
        jobs = lambda _u: len(self.new_jobs())  # noqa: E731
        self.assertRefused(
            AccessError,
            lambda: self.Job.with_user(self.fae)._rma_verify_warranty(
                units.with_user(self.fae)
            ),
            units,
            jobs,
        )
        self.assertRefused(
            UserError,
            lambda: self.Job.with_user(self.sales)._rma_verify_warranty(
                self.env["rma.unex.unit"]
            ),
            units,
            jobs,
        )
        self.put_in_state(units.case_id, "cancelled")
        self.assertRefused(
            UserError,
            lambda: self.Job.with_user(self.sales)._rma_verify_warranty(
                units.with_user(self.sales)
            ),
            units,
            jobs,
        )

    def test_p4_1_small_warranty_verification_runs_inline(self):
        self.company.rma_job_threshold = 500
        units = self.make_case(lots=self.lot | self.lot_2).unit_ids
        action = self.Job.with_user(self.sales)._rma_verify_warranty(
            units.with_user(self.sales)
        )
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(units.warranty_verified_user_id, self.sales)
        self.assertFalse(len(self.new_jobs()))

    # Recall ----------------------------------------------------------------

    def make_recall(self, delivered=True):
        lots = self.env["stock.lot"].create(
            [{"name": f"BJ{i:03d}", "product_id": self.product.id} for i in range(4)]
        )
        if delivered:
            for lot, customer in zip(
                lots,
                (self.customer_a, self.customer_a, self.customer_b, self.customer_b),
                strict=True,
            ):
                self.deliver(
                    lot, partner=customer, date=date.today() - timedelta(days=100)
                )
        recall = (
            self.env["rma.unex.recall"]
            .with_user(self.quality)
            .create(
                {
                    "name": "Background recall",
                    "product_ids": [Command.set(self.product.ids)],
                    "lot_ids": [Command.set(lots.ids)],
                    "reason": "<p>PA drift</p>",
                }
            )
        )
        return recall, lots

    def test_m11_recall_opens_its_cases_in_the_background(self):
        recall, lots = self.make_recall()
        action = recall.action_launch()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            (recall.state, len(recall.case_ids)),
            ("draft", 0),
            "the request opens no case",
        )
        job = self.new_jobs([("job_type", "=", "recall")])
        self.assertEqual((job.user_id, job.state), (self.quality, "queued"))
        err = self.assertRefused(
            UserError,
            recall.action_launch,
            recall,
            lambda r: (r.state, len(self.new_jobs())),
        )
        self.assertIn("already being launched", str(err))
        with patch(f"{JOB_MODULE}.RECALL_BATCH", 1):
            self.Job._cron_process_jobs()  # who gets a case
            self.assertEqual(
                (job.state, job.progress_done, job.progress_total), ("running", 0, 2)
            )
            self.Job._cron_process_jobs()
            self.assertEqual((job.progress_done, job.progress), (1, 50.0))
            recall.invalidate_recordset()
            self.assertEqual(
                (
                    recall.launch_job_id,
                    recall.launch_job_state,
                    recall.launch_job_progress,
                ),
                (job, "running", 50.0),
                "the recall form shows its launch in progress",
            )
            self.assertFalse(
                recall.with_user(self.sales).launch_job_id, "nor another user's job"
            )
            self.assertEqual(recall.case_ids.partner_id, self.customer_a)
            # a worker died after opening customer B's case, before its
            # progress was committed: the next run must not open it twice
            recall._open_cases({self.customer_b: lots[2:]})
            self.Job._cron_process_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(recall.state, "running")
        cases = recall.case_ids
        self.assertEqual(len(cases), 2, "one case per customer, none duplicated")
        self.assertEqual(cases.unit_ids.lot_id, lots)
        self.assertTrue(all(cases.mapped("is_recall")))
        self.assertEqual(job.result_message, "2 cases opened.")
        self.assertTrue(
            job.message_ids.filtered(lambda m: self.quality.partner_id in m.partner_ids)
        )

    def test_m11_recall_job_failure_leaves_the_recall_in_draft(self):
        recall, _lots = self.make_recall(delivered=False)
        recall.action_launch()
        job = self.new_jobs([("job_type", "=", "recall")])
        self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertEqual(
            job.error_message, "None of these serials was delivered to a customer."
        )
        self.assertEqual((recall.state, len(recall.case_ids)), ("draft", 0))
        self.assertEqual(
            [n["type"] for n in self.bus_notifications(self.quality.partner_id)],
            ["danger"],
        )

    def test_m11_small_recall_runs_inline(self):
        self.company.rma_job_threshold = 500
        recall, _lots = self.make_recall()
        self.assertIs(recall.action_launch(), True)
        self.assertEqual((recall.state, len(recall.case_ids)), ("running", 2))
        self.assertFalse(len(self.new_jobs()))
