from datetime import timedelta

from odoo import api, fields, models
from odoo.osv.expression import AND

from .rma_unex_cron_batch import CronStep


class RmaUnexResponseMixin(models.AbstractModel):
    """The first-response clock of P1.5 / P7.3, shared by TSRs and RMA cases.

    The clock starts when the request is submitted (TSR) or the RMA application
    is created; the first public answer or countermeasure by staff stops it.
    """

    _name = "rma.unex.response.mixin"
    _inherit = ["rma.unex.guarded.mixin"]
    _description = "First-response commitment"

    response_deadline = fields.Datetime(
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="A first response or countermeasure is due by this time.",
        rma_protected=True,
    )
    first_response_date = fields.Datetime(copy=False, readonly=True, rma_protected=True)
    response_result = fields.Selection(
        [("met", "Met"), ("missed", "Missed")],
        copy=False,
        readonly=True,
        index=True,
        help="Whether the first response came before the deadline.",
        rma_protected=True,
    )
    response_status = fields.Selection(
        [
            ("met", "Met"),
            ("missed", "Missed"),
            ("overdue", "Overdue"),
            ("open", "Open"),
        ],
        compute="_compute_response_status",
    )
    response_warning_sent = fields.Boolean(
        copy=False, readonly=True, rma_protected=True
    )
    response_overdue = fields.Boolean(
        compute="_compute_response_overdue",
        search="_search_response_overdue",
    )

    @api.depends("response_deadline", "first_response_date")
    def _compute_response_overdue(self):
        now = fields.Datetime.now()
        for record in self:
            record.response_overdue = bool(
                record.response_deadline
                and not record.first_response_date
                and record.response_deadline < now
            )

    @api.depends("response_result", "response_deadline")
    def _compute_response_status(self):
        now = fields.Datetime.now()
        for record in self:
            if record.response_result:
                record.response_status = record.response_result
            elif record.response_deadline and record.response_deadline < now:
                record.response_status = "overdue"
            else:
                record.response_status = "open"

    def _search_response_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(f"Unsupported search: {operator} {value!r}")
        overdue = [
            ("first_response_date", "=", False),
            ("response_deadline", "<", fields.Datetime.now()),
        ]
        if (operator == "=") == value:
            return overdue
        return [
            "|",
            ("first_response_date", "!=", False),
            "|",
            ("response_deadline", "=", False),
            ("response_deadline", ">=", fields.Datetime.now()),
        ]

    def _start_response_clock(self, start=None):
        start = start or fields.Datetime.now()
        for company, records in self.grouped("company_id").items():
            records._rma_service_write(
                {"response_deadline": company._rma_response_deadline(start)}
            )

    def _record_first_response(self):
        now = fields.Datetime.now()
        pending = self.filtered(lambda r: not r.first_response_date)
        met = pending.filtered(
            lambda r: not r.response_deadline or now <= r.response_deadline
        )
        for records, result in ((met, "met"), (pending - met, "missed")):
            if records:
                records._rma_service_write(
                    {"first_response_date": now, "response_result": result}
                )

    def _response_assignee(self):
        """Who is warned before the deadline; overridden per model, with
        _response_assignee_domain."""
        self.ensure_one()
        return self.user_id

    @api.model
    def _response_assignee_domain(self):
        """The records that have someone to warn (see _response_assignee)."""
        return [("user_id", "!=", False)]

    @api.model
    def _cron_response_warnings(self):
        """Warn assignees before a first response falls due (P1.5): one
        committed batch per call (rma.unex.cron.batch), marked done by
        ``response_warning_sent``. Records without an assignee wait for one."""
        now = fields.Datetime.now()
        Batch = self.env["rma.unex.cron.batch"]
        domain = Batch._by_company(
            self._name,
            AND(
                [
                    [
                        ("first_response_date", "=", False),
                        ("response_warning_sent", "=", False),
                        ("response_deadline", "!=", False),
                    ],
                    self._response_assignee_domain(),
                ]
            ),
            lambda company: [
                (
                    "response_deadline",
                    "<=",
                    now + timedelta(hours=company.rma_response_warning_hours),
                )
            ],
        )
        return Batch._run(
            [
                CronStep(
                    "response_warning",
                    self._name,
                    domain,
                    lambda records: records._warn_response_due(),
                )
            ]
        )

    def _warn_response_due(self):
        """One activity per record for its assignee, created together."""
        self.env["rma.unex.cron.batch"]._schedule_activities(
            [
                (
                    record,
                    {
                        "user_id": record._response_assignee().id,
                        "date_deadline": record.response_deadline.date(),
                        "summary": self.env._(
                            "First response due %(deadline)s",
                            deadline=record.response_deadline,
                        ),
                    },
                )
                for record in self
            ]
        )
        self._rma_service_write({"response_warning_sent": True})

    def _record_first_response_from_message(self, message):
        """Called from _message_post_after_hook of the models using the mixin.

        A public reply by staff is a first response; internal notes and the
        customer's own messages are not.
        """
        if (
            message.message_type == "comment"
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and self.env.user._is_internal()
        ):
            self._record_first_response()
