import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module

from .rma_unex_job import PENDING_STATES

_logger = logging.getLogger(__name__)

# First key of the PostgreSQL advisory locks that keep two cron workers off
# the same job (the second key is the job id).
LOCK_NAMESPACE = 0x524D41
# Records handled per transaction; each batch commits its work and its
# progress together, so a crash never repeats a committed batch. A system
# parameter rma_unex.job_batch_<type> (recall, warranty) overrides them, e.g.
# smaller batches where limit_time_real_cron is short.
RECALL_BATCH = 50
WARRANTY_BATCH = 500
# A batch started this many times without finishing (its worker killed by a
# time or memory limit) fails the job instead of stalling the cron forever.
MAX_ATTEMPTS = 3


class RmaUnexJob(models.Model):
    """How jobs run: the cron takes the oldest pending job nobody else holds
    and runs one batch of it, committing the work and the progress together."""

    _inherit = "rma.unex.job"

    # ------------------------------------------------------------------
    # Processing (ir.cron, one batch per call)
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_jobs(self):
        """Run one batch of the oldest pending job nobody else is running.

        The cron reports its progress, so Odoo calls it again at once while
        jobs remain. A job left running by a dead worker has lost its lock and
        is picked up again, after its last committed batch.
        """
        autocommit = bool(self.env.context.get("cron_id")) and not module.current_test
        job = self._rma_lock_next_job(autocommit)
        if job:
            batch = job._rma_batch_number()
            try:
                job._rma_run_batch(autocommit, batch)
            finally:
                if autocommit:
                    # release the job only once its batch is committed
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.cr.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, job.id)
                )
            _logger.info(
                "RMA job %s (%s): batch %s %s, %s of %s done, job %s",
                job.id,
                job.job_type,
                batch,
                "committed" if autocommit else "done",
                job.progress_done,
                job.progress_total,
                job.state,
            )
        # sudo: the cron counts the pending jobs of every user
        remaining = self.sudo().search_count([("state", "in", PENDING_STATES)])
        self.env["ir.cron"]._notify_progress(done=1 if job else 0, remaining=remaining)
        if job and remaining:
            # Odoo calls a cron that reports work left up to 10 times in a
            # row, then leaves it ready but wakes no cron worker: without a
            # trigger the next batches would wait for the next poll of a
            # worker (a minute). Only after a batch: jobs all held by others
            # must not keep the cron spinning.
            self.env.ref("rma_unex.ir_cron_rma_unex_job")._trigger()

    @api.model
    def _rma_lock_next_job(self, autocommit):
        cr = self.env.cr
        self.flush_model(["state"])
        cr.execute(
            "SELECT id FROM rma_unex_job WHERE state IN %s ORDER BY id",
            (PENDING_STATES,),
        )
        for (job_id,) in cr.fetchall():
            cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, job_id))
            if not cr.fetchone()[0]:
                continue
            if autocommit:
                # a fresh snapshot, taken after the lock: what the previous
                # holder committed is visible
                cr.commit()  # pylint: disable=invalid-commit
            # sudo: the cron runs every user's jobs (each batch with its
            # owner's rights, see _rma_run_batch)
            job = self.sudo().browse(job_id)
            job.invalidate_recordset()
            if job.state in PENDING_STATES:
                return job
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, job_id))
        return self.browse()

    def _rma_batch_size(self):
        """Records per batch of this job's type: the system parameter
        ``rma_unex.job_batch_<type>`` if it is a positive number, else the
        default of the module."""
        self.ensure_one()
        default = {"recall": RECALL_BATCH, "warranty": WARRANTY_BATCH}[self.job_type]
        # sudo: a setting of the administrator, read by the cron for any user
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"rma_unex.job_batch_{self.job_type}", "")
        )
        return int(value) if value.strip().isdigit() and int(value) > 0 else default

    def _rma_batch_number(self):
        """Which batch of the job runs next (1 = the first), for the log: a
        register is one batch, a recall's first batch plans its customers."""
        self.ensure_one()
        if self.job_type == "register":
            return 1
        batches_done = -(-self.progress_done // self._rma_batch_size())
        if self.job_type == "recall":
            return 1 + (1 + batches_done if self.plan else 0)
        return 1 + batches_done

    def _rma_run_batch(self, autocommit, batch):
        self.ensure_one()
        if self.attempts >= MAX_ATTEMPTS:
            self._rma_fail(
                UserError(
                    _(
                        "The job stopped %(count)s times in the same batch, "
                        "probably on a time or memory limit of the server; retry "
                        "it, or ask an administrator to raise the limits.",
                        count=self.attempts,
                    )
                )
            )
            return
        if self.state == "queued":
            self._apply_transition(
                "start", {"date_started": fields.Datetime.now()}, system=True
            )
        self._rma_service_write({"attempts": self.attempts + 1})
        if autocommit:
            # counted even if this worker gets killed during the batch
            self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.info(
            "RMA job %s (%s): batch %s started, attempt %s, %s of %s done",
            self.id,
            self.job_type,
            batch,
            self.attempts,
            self.progress_done,
            self.progress_total,
        )
        # the work runs with the requester's rights, in the job's company
        user_env = self.env(
            user=self.user_id.id,
            su=False,
            context=dict(
                self.env.context,
                allowed_company_ids=[self.company_id.id],
                rma_job_autocommit=autocommit,
            ),
        )
        handler = getattr(self, f"_rma_run_{self.job_type}")
        try:
            if autocommit:
                handler(user_env)
            else:
                with self.env.cr.savepoint():
                    handler(user_env)
            self._rma_service_write({"attempts": 0})
        except Exception as error:  # noqa: BLE001 - any failure is reported on the job
            if autocommit:
                self.env.cr.rollback()
            self.env.invalidate_all()
            if self.state == "cancelled":
                return
            _logger.exception("RMA background job %s failed", self.id)
            self._rma_fail(error)
        finally:
            self.env.invalidate_all()

    def _rma_report_progress(self, done, total=None):
        """Store the progress; under the cron, commit it so the user sees it."""
        values = {"progress_done": done}
        if total is not None:
            values["progress_total"] = total
        self._rma_service_write(values)
        if self.env.context.get("rma_job_autocommit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _rma_run_register(self, user_env):
        # A register has no side effects: after a crash it is simply rebuilt.
        cases = user_env["rma.unex.case"].browse(self.res_ids).exists()
        rows = user_env["rma.unex.unit"].search_count([("case_id", "in", cases.ids)])
        self._rma_report_progress(0, rows)
        report = user_env.ref("rma_unex.action_report_rma_unex_register_xlsx")
        content, _kind = report._render_xlsx(
            report.report_name, cases.ids, {"rma_job_id": self.id}
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.name}.xlsx",
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet",
            }
        )
        self._rma_finish(_("%(rows)s rows exported.", rows=rows), attachment=attachment)

    def _rma_run_warranty(self, user_env):
        ids = self.res_ids or []
        done = self.progress_done
        size = self._rma_batch_size()
        units = user_env["rma.unex.unit"].browse(ids[done : done + size]).exists()
        # a case closed since the job was queued is left as it is
        units.filtered(
            lambda u: u.case_state not in ("closed", "cancelled")
        ).action_verify_warranty()
        done = min(done + size, len(ids))
        self._rma_report_progress(done, len(ids))
        if done >= len(ids):
            self._rma_finish(_("%(count)s units verified.", count=len(ids)))

    def _rma_run_recall(self, user_env):
        recall = user_env["rma.unex.recall"].browse(self.res_ids[0])
        if not self.plan:
            by_customer = recall._delivered_customers(recall._affected_lots())
            if not by_customer:
                raise UserError(_("None of these serials was delivered to a customer."))
            plan = sorted(
                [customer.id, lots.ids] for customer, lots in by_customer.items()
            )
            self._rma_service_write({"plan": plan})
            self._rma_report_progress(0, len(plan))
            return
        done = self.progress_done
        batch = self.plan[done : done + self._rma_batch_size()]
        # after a crash the batch may be partly done already: skip its cases
        opened = set(
            user_env["rma.unex.case"]
            .search([("recall_id", "=", recall.id)])
            .partner_id.ids
        )
        recall._open_cases(
            {
                user_env["res.partner"].browse(customer_id): user_env[
                    "stock.lot"
                ].browse(lot_ids)
                for customer_id, lot_ids in batch
                if customer_id not in opened
            }
        )
        done += len(batch)
        self._rma_report_progress(done)
        if done >= len(self.plan):
            recall._apply_transition("launch", system=True)
            self._rma_finish(_("%(count)s cases opened.", count=len(recall.case_ids)))
