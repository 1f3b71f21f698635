import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_QUALITY, GROUP_SALES, GROUP_USER, Transition

_lt = LazyTranslate(__name__)

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


class RmaUnexJob(models.Model):
    """Work too large for a request (xlsx register, recall, batch warranty
    verification), run in batches by a triggered cron with visible progress;
    the user is notified with the result (download link) or the error."""

    _name = "rma.unex.job"
    _description = "RMA Background Job"
    _inherit = ["mail.thread", "rma.unex.guarded.mixin"]
    _order = "id desc"

    _TRANSITIONS = {
        # taken by the cron that runs the job
        "start": Transition(("queued",), "running", (), _lt("Start the job")),
        "finish": Transition(("running",), "done", (), _lt("Finish the job")),
        "fail": Transition(("queued", "running"), "failed", (), _lt("Fail the job")),
        # the requester's (or the RMA manager's) buttons
        "cancel": Transition(PENDING_STATES, "cancelled", (GROUP_USER,), _lt("Cancel")),
        "retry": Transition(("failed",), "queued", (GROUP_USER,), _lt("Retry")),
    }

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
        rma_protected=True,
    )
    state = fields.Selection(
        JOB_STATES,
        default="queued",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
        rma_protected=True,
    )
    progress_done = fields.Integer(
        string="Done", readonly=True, copy=False, rma_protected=True
    )
    progress_total = fields.Integer(
        string="Total", readonly=True, copy=False, rma_protected=True
    )
    progress = fields.Float(
        compute="_compute_progress", store=True, string="Progress (%)"
    )
    date_started = fields.Datetime(
        string="Started", readonly=True, copy=False, rma_protected=True
    )
    date_finished = fields.Datetime(
        string="Finished", readonly=True, copy=False, rma_protected=True
    )
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="Result File",
        readonly=True,
        copy=False,
        ondelete="set null",
        rma_protected=True,
    )
    result_message = fields.Char(
        string="Result", readonly=True, copy=False, rma_protected=True
    )
    error_message = fields.Text(
        string="Error", readonly=True, copy=False, rma_protected=True
    )
    attempts = fields.Integer(
        readonly=True,
        copy=False,
        help="Times the current batch was started without finishing.",
        rma_protected=True,
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
        self._check_rma_groups((GROUP_SALES,), _("Verify warranty"))
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
        self._check_rma_groups((GROUP_QUALITY,), _("Launch a recall"))
        # sudo: the recall's pending job may be another user's
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
        # sudo: waking the cron is the job's, not a right of the user
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
        self._check_transition("cancel")
        # sudo: users read their jobs but never write them
        self.sudo()._write_transition(
            "cancel", {"date_finished": fields.Datetime.now()}
        )
        return True

    def action_retry(self):
        """Queue a failed job again; it resumes after its last committed batch."""
        self.check_access("read")
        self._check_transition("retry")
        # sudo: as for cancelling
        self.sudo()._write_transition(
            "retry", {"error_message": False, "date_finished": False, "attempts": 0}
        )
        # sudo: waking the cron is the job's, not a right of the user
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
    # Outcome
    # ------------------------------------------------------------------

    def _rma_finish(self, message, attachment=None):
        self._apply_transition(
            "finish",
            {
                "date_finished": fields.Datetime.now(),
                "result_message": message,
                "attachment_id": attachment.id if attachment else False,
            },
            system=True,
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
        self._apply_transition(
            "fail",
            {"date_finished": fields.Datetime.now(), "error_message": message},
            system=True,
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
