from datetime import timedelta

from odoo import _, api, fields, models


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
        for record in self:
            record._rma_service_write(
                {"response_deadline": record.company_id._rma_response_deadline(start)}
            )

    def _record_first_response(self):
        now = fields.Datetime.now()
        for record in self.filtered(lambda r: not r.first_response_date):
            met = not record.response_deadline or now <= record.response_deadline
            record._rma_service_write(
                {
                    "first_response_date": now,
                    "response_result": "met" if met else "missed",
                }
            )

    def _response_assignee(self):
        """Who is warned before the deadline; overridden per model."""
        self.ensure_one()
        return self.user_id

    @api.model
    def _cron_response_warnings(self):
        """Warn assignees before a first response falls due (P1.5)."""
        now = fields.Datetime.now()
        candidates = self.search(
            [
                ("first_response_date", "=", False),
                ("response_deadline", "!=", False),
                ("response_warning_sent", "=", False),
            ]
        )
        for record in candidates:
            warn_from = record.response_deadline - timedelta(
                hours=record.company_id.rma_response_warning_hours
            )
            assignee = record._response_assignee()
            if now < warn_from or not assignee:
                continue
            record.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=assignee.id,
                date_deadline=record.response_deadline.date(),
                summary=_(
                    "First response due %(deadline)s", deadline=record.response_deadline
                ),
            )
            record._rma_service_write({"response_warning_sent": True})

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
