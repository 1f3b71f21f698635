from datetime import timedelta

from odoo import api, fields, models


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
    )
    first_response_date = fields.Datetime(copy=False, readonly=True)
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

    def _search_response_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(f"Unsupported search: {operator} {value!r}")
        overdue = [
            ("first_response_date", "=", False),
            ("response_deadline", "<", fields.Datetime.now()),
        ]
        if (operator == "=") == value:
            return overdue
        return ["|", ("first_response_date", "!=", False), "|",
                ("response_deadline", "=", False),
                ("response_deadline", ">=", fields.Datetime.now())]

    def _start_response_clock(self, start=None):
        start = start or fields.Datetime.now()
        for record in self:
            hours = record.company_id.rma_response_hours or 24
            record._rma_service_write(
                {"response_deadline": start + timedelta(hours=hours)}
            )

    def _record_first_response(self):
        pending = self.filtered(lambda r: not r.first_response_date)
        if pending:
            pending._rma_service_write({"first_response_date": fields.Datetime.now()})

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
