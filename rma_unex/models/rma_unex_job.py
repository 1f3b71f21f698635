import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module

from .rma_unex_case import GROUP_QUALITY, GROUP_SALES

_logger = logging.getLogger(__name__)

JOB_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
JOB_TYPES = [
    ("register", "RMA Register (xlsx)"),
    ("recall", "Recall Campaign"),
    ("warranty", "Warranty Verification"),
]
PENDING_STATES = ("queued", "running")
# First key of the PostgreSQL advisory locks that keep two cron workers off
# the same job (the second key is the job id).
LOCK_NAMESPACE = 0x524D41
# Records handled per transaction; each batch commits its work and its
# progress together, so a crash never repeats a committed batch.
RECALL_BATCH = 50
WARRANTY_BATCH = 500
# A batch started this many times without finishing (its worker killed by a
# time or memory limit) fails the job instead of stalling the cron forever.
MAX_ATTEMPTS = 3


class RmaUnexJob(models.Model):
    """Work too large for a request (xlsx register, recall, batch warranty
    verification), run in batches by a triggered cron with visible progress;
    the user is notified with the result (download link) or the error."""

    _name = "rma.unex.job"
    _description = "RMA Background Job"
    _inherit = ["mail.thread", "rma.unex.guarded.mixin"]
    _order = "id desc"
    _rma_protected_fields = frozenset(
        {
            "state",
            "plan",
            "progress_done",
            "progress_total",
            "date_started",
            "date_finished",
            "attachment_id",
            "result_message",
            "error_message",
            "attempts",
        }
    )

    name = fields.Char(required=True, readonly=True)
    job_type = fields.Selection(JOB_TYPES, string="Type", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_ids = fields.Json(string="Records", readonly=True)
    record_count = fields.Integer(compute="_compute_record_count", string="Selected")
    plan = fields.Json(
        readonly=True,
        copy=False,
        help="Work list computed by the first batch (a recall: customer and serials).",
    )
    state = fields.Selection(
        JOB_STATES,
        default="queued",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    progress_done = fields.Integer(string="Done", readonly=True, copy=False)
    progress_total = fields.Integer(string="Total", readonly=True, copy=False)
    progress = fields.Float(
        compute="_compute_progress", store=True, string="Progress (%)"
    )
    date_started = fields.Datetime(string="Started", readonly=True, copy=False)
    date_finished = fields.Datetime(string="Finished", readonly=True, copy=False)
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="Result File",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    result_message = fields.Char(string="Result", readonly=True, copy=False)
    error_message = fields.Text(string="Error", readonly=True, copy=False)
    attempts = fields.Integer(
        readonly=True,
        copy=False,
        help="Times the current batch was started without finishing.",
    )

    @api.depends("res_ids")
    def _compute_record_count(self):
        for job in self:
            job.record_count = len(job.res_ids or [])

    @api.depends("progress_done", "progress_total")
    def _compute_progress(self):
        for job in self:
            job.progress = (
                100.0 * job.progress_done / job.progress_total
                if job.progress_total
                else 0.0
            )

    # ------------------------------------------------------------------
    # Entry points: inline under the company threshold, queued above it
    # ------------------------------------------------------------------

    @api.model
    def _rma_runs_inline(self, count):
        return count <= self.env.company.rma_job_threshold

    @api.model
    def _rma_export_register(self, cases):
        """The xlsx register of the cases: downloaded at once when small,
        else built in the background and offered as a download (X1)."""
        if not cases:
            raise UserError(_("Select at least one RMA case to export."))
        rows = self.env["rma.unex.unit"].search_count([("case_id", "in", cases.ids)])
        if self._rma_runs_inline(rows):
            return self.env.ref(
                "rma_unex.action_report_rma_unex_register_xlsx"
            ).report_action(cases)
        job = self._rma_queue(
            "register", cases, _("RMA Register (%(rows)s rows)", rows=rows)
        )
        return job._rma_queued_notification()

    @api.model
    def _rma_verify_warranty(self, units):
        """Sales verifies the warranty of many units (P4.1); the same checks
        as the inline verification, before anything is queued."""
        self.env["rma.unex.case"]._check_rma_groups(
            (GROUP_SALES,), _("Verify warranty")
        )
        if not units:
            raise UserError(_("Select at least one unit to verify."))
        if units.filtered(lambda u: u.case_state in ("closed", "cancelled")):
            raise UserError(
                _("The warranty of a closed or cancelled case is not verified again.")
            )
        if self._rma_runs_inline(len(units)):
            units.action_verify_warranty()
            return self._rma_notification(
                _("Warranty verified"),
                _("%(count)s units verified.", count=len(units)),
                "success",
            )
        job = self._rma_queue(
            "warranty",
            units,
            _("Warranty verification of %(count)s units", count=len(units)),
        )
        return job._rma_queued_notification()

    @api.model
    def _rma_launch_recall(self, recall, lots):
        """Queue the opening of a large recall's cases (P7.5, M11)."""
        self.env["rma.unex.case"]._check_rma_groups(
            (GROUP_QUALITY,), _("Launch a recall")
        )
        pending = (
            self.sudo()
            .search([("job_type", "=", "recall"), ("state", "in", PENDING_STATES)])
            .filtered(lambda job: job.res_ids == [recall.id])
        )
        if pending:
            raise UserError(
                _(
                    "%(recall)s is already being launched in the background.",
                    recall=recall.name,
                )
            )
        return self._rma_queue(
            "recall",
            recall,
            _(
                "Recall %(recall)s (%(count)s serials)",
                recall=recall.name,
                count=len(lots),
            ),
        )

    @api.model
    def _rma_queue(self, job_type, records, name):
        """Record the job and wake the cron; the work itself is not done here."""
        if not records:
            raise UserError(_("There is nothing to process: the selection is empty."))
        # sudo: users read their jobs but never write them; the owner is the
        # requesting user whatever the caller passes.
        job = self.sudo().create(
            {
                "name": name,
                "job_type": job_type,
                "user_id": self.env.user.id,
                "company_id": self.env.company.id,
                "res_model": records._name,
                "res_ids": records.ids,
            }
        )
        self.env.ref("rma_unex.ir_cron_rma_unex_job").sudo()._trigger()
        return self.browse(job.id)

    def _rma_queued_notification(self):
        self.ensure_one()
        action = self._rma_notification(
            _("Started in the background"),
            _(
                "%(job)s runs in the background; you will be notified when it is done. "
                "Follow it under After-Sales > Reporting > Background Jobs.",
                job=self.name,
            ),
            "info",
        )
        # reload the view, e.g. for the recall form to show its launch job
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    @api.model
    def _rma_notification(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------
    # User actions
    # ------------------------------------------------------------------

    def action_cancel(self):
        """Stop a queued or running job; the batches already done stay done."""
        self.check_access("read")
        finished = self.filtered(lambda j: j.state not in PENDING_STATES)
        if finished:
            raise UserError(
                _(
                    "Only queued or running jobs can be cancelled: "
                    "%(jobs)s is already over.",
                    jobs=", ".join(finished.mapped("name")),
                )
            )
        self.sudo()._rma_service_write(
            {"state": "cancelled", "date_finished": fields.Datetime.now()}
        )
        return True

    def action_retry(self):
        """Queue a failed job again; it resumes after its last committed batch."""
        self.check_access("read")
        if self.filtered(lambda j: j.state != "failed"):
            raise UserError(_("Only failed jobs can be retried."))
        self.sudo()._rma_service_write(
            {
                "state": "queued",
                "error_message": False,
                "date_finished": False,
                "attempts": 0,
            }
        )
        self.env.ref("rma_unex.ir_cron_rma_unex_job").sudo()._trigger()
        return True

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(_("This job has no result file."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }

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
            try:
                job._rma_run_batch(autocommit)
            finally:
                if autocommit:
                    # release the job only once its batch is committed
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.cr.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, job.id)
                )
        remaining = self.sudo().search_count([("state", "in", PENDING_STATES)])
        self.env["ir.cron"]._notify_progress(done=1 if job else 0, remaining=remaining)

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
            job = self.sudo().browse(job_id)
            job.invalidate_recordset()
            if job.state in PENDING_STATES:
                return job
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, job_id))
        return self.browse()

    def _rma_run_batch(self, autocommit):
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
            self._rma_service_write(
                {"state": "running", "date_started": fields.Datetime.now()}
            )
        self._rma_service_write({"attempts": self.attempts + 1})
        if autocommit:
            # counted even if this worker gets killed during the batch
            self.env.cr.commit()  # pylint: disable=invalid-commit
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
        units = (
            user_env["rma.unex.unit"].browse(ids[done : done + WARRANTY_BATCH]).exists()
        )
        # a case closed since the job was queued is left as it is
        units.filtered(
            lambda u: u.case_state not in ("closed", "cancelled")
        ).action_verify_warranty()
        done = min(done + WARRANTY_BATCH, len(ids))
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
        batch = self.plan[done : done + RECALL_BATCH]
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
            recall._rma_service_write({"state": "running"})
            self._rma_finish(_("%(count)s cases opened.", count=len(recall.case_ids)))

    # ------------------------------------------------------------------
    # Outcome
    # ------------------------------------------------------------------

    def _rma_finish(self, message, attachment=None):
        self._rma_service_write(
            {
                "state": "done",
                "date_finished": fields.Datetime.now(),
                "result_message": message,
                "attachment_id": attachment.id if attachment else False,
            }
        )
        body = Markup("<p>%s</p>") % _(
            "%(job)s is done: %(result)s", job=self.name, result=message
        )
        if attachment:
            body += Markup('<p><a href="/web/content/%s?download=true">%s</a></p>') % (
                attachment.id,
                attachment.name,
            )
        self._rma_notify(body, _("%(job)s is done", job=self.name), message, "success")

    def _rma_fail(self, error):
        message = (
            error.args[0]
            if isinstance(error, UserError)
            else _("Unexpected error: %(error)s", error=repr(error))
        )
        self._rma_service_write(
            {
                "state": "failed",
                "date_finished": fields.Datetime.now(),
                "error_message": message,
            }
        )
        body = Markup("<p>%s</p><p>%s</p>") % (
            _("%(job)s failed.", job=self.name),
            message,
        )
        self._rma_notify(body, _("%(job)s failed", job=self.name), message, "danger")

    def _rma_notify(self, body, title, message, kind):
        """A message in the user's inbox (with the download link), and a
        notification on their open screens."""
        partner = self.user_id.partner_id
        self.message_post(
            body=body,
            partner_ids=partner.ids,
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )
        partner._bus_send(
            "simple_notification",
            {"title": title, "message": message, "type": kind, "sticky": True},
        )
