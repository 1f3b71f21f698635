import logging
import threading
from collections.abc import Callable
from typing import NamedTuple

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module
from odoo.osv import expression
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Due records handled per call of a cron (the system parameter below
# overrides it): one short transaction each, large enough for the batched
# work (one e-mail composer, one create of the activities) to pay off.
CRON_BATCH_SIZE = 200
BATCH_SIZE_PARAM = "rma_unex.cron_batch_size"
# Errors that come from the record at hand (a business rule refusing it,
# data a constraint rejects, data the code does not expect): the record is put
# aside. Anything else (psycopg2.OperationalError for locks and serialization
# conflicts, the worker's time or memory limit) ends the call instead.
RECORD_ERRORS = (
    UserError,
    psycopg2.IntegrityError,
    psycopg2.DataError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    ArithmeticError,
)
# Characters of an error kept on a failure row.
ERROR_LENGTH = 2000


class CronStep(NamedTuple):
    """One kind of work of a cron. The records of ``model`` matching
    ``domain`` are due; ``handler(records)`` does their work and marks them
    done, so that they match ``domain`` no more (a reminder date, a flag, a
    new state): a second run, or a run after a crash, never repeats it."""

    code: str
    model: str
    domain: list
    handler: Callable
    size: int = 0  # records a call; 0: the cron batch size (system parameter)


class RmaUnexCronBatch(models.AbstractModel):
    """How the scheduled actions of rma_unex work through thousands of due
    records: one bounded batch per call, committed with its progress, Odoo
    calling again while some remain (issue #16). The job runner does the
    same for background jobs."""

    _name = "rma.unex.cron.batch"
    _description = "Scheduled actions in committed batches"

    @api.model
    def _run(self, steps):
        """Handle one batch of ``steps`` (CronStep, in order): the due records
        of the first step that has any, up to the batch size. Then report done
        and remaining to ir.cron (Odoo runs the cron again at once while some
        remain) and, under the real cron, commit: a worker killed afterwards
        never repeats this batch, one killed during it leaves the whole batch
        due for the next run. Returns the number of records handled."""
        size = self._batch_size()
        done = 0
        for step in steps:
            records = self.env[step.model].search(
                self._due_domain(step), order="id", limit=step.size or size
            )
            if records:
                self._process(step, records)
                done = len(records)
                break
        remaining = sum(
            self.env[step.model].search_count(self._due_domain(step)) for step in steps
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if self._autocommit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    @api.model
    def _autocommit(self):
        """Commit each batch only when run by the cron (``cron_id`` in the
        context, as ir.cron sets it), never in tests: Odoo's test runner sets
        ``current_test``, both it and pytest-odoo mark the thread ``testing``."""
        return (
            bool(self.env.context.get("cron_id"))
            and not module.current_test
            and not getattr(threading.current_thread(), "testing", False)
        )

    @api.model
    def _batch_size(self):
        # sudo: the batch size is the administrator's setting, read by the cron
        value = self.env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
        try:
            size = int(value or 0)
        except ValueError:
            size = 0
        return size if size > 0 else CRON_BATCH_SIZE

    @api.model
    def _due_domain(self, step):
        """The step's domain, without the records it has put aside."""
        # sudo: the failures are the crons' own bookkeeping
        failures = self.env["rma.unex.cron.failure"].sudo()
        put_aside = failures._search(
            [("step", "=", step.code), ("res_model", "=", step.model)]
        ).subselect(SQL.identifier(failures._table, "res_id"))
        return expression.AND([step.domain, [("id", "not in", put_aside)]])

    @api.model
    def _process(self, step, records):
        """The step's work on ``records`` together; if it fails, record by
        record, so that a refused or broken record costs only itself: it is
        put aside (see _put_aside) and neither holds up the others nor fails
        again at every run. What is not the record's fault (a lock or a
        serialization conflict, a time or memory limit) ends the call: the
        batch, not committed, is due again at the next run."""
        try:
            with self.env.cr.savepoint():
                step.handler(records)
        except RECORD_ERRORS as error:
            if len(records) == 1:
                self._put_aside(step, records, error)
            else:
                for record in records:
                    self._process(step, record)
            return
        # A handler that leaves a record due would have it picked again and
        # again within the run: put it aside instead.
        still_due = self.env[step.model].search(
            expression.AND([self._due_domain(step), [("id", "in", records.ids)]])
        )
        if still_due:
            self._put_aside(step, still_due, "still due after its work")

    @api.model
    def _put_aside(self, step, records, error):
        """Log the failure and keep it in rma.unex.cron.failure: the step
        leaves these records out until an administrator deletes the row."""
        message = (
            error.args[0] if isinstance(error, UserError) else str(error) or repr(error)
        )
        _logger.warning(
            "RMA scheduled action %s: %s %s put aside: %s",
            step.code,
            step.model,
            records.ids,
            message,
            exc_info=None if isinstance(error, str | UserError) else error,
        )
        # sudo: the crons' own bookkeeping, whoever runs the cron
        self.env["rma.unex.cron.failure"].sudo().create(
            [
                {
                    "step": step.code,
                    "res_model": step.model,
                    "res_id": record.id,
                    "record_name": record.display_name,
                    "error": message[:ERROR_LENGTH],
                }
                for record in records
            ]
        )

    # Helpers for the steps' handlers ---------------------------------------

    @api.model
    def _by_company(self, model, domain, build):
        """``domain`` and, for the records of each company, ``build(company)``:
        for a due date that depends on a company setting. The companies are
        those of the records matching ``domain`` (one grouped query)."""
        groups = self.env[model]._read_group(domain, ["company_id"])
        return expression.AND(
            [
                domain,
                expression.OR(
                    [
                        [("company_id", "=", company.id), *build(company)]
                        for (company,) in groups
                    ]
                ),
            ]
        )

    @api.model
    def _schedule_activities(self, todo):
        """One to-do activity per ``(record, values)`` of ``todo`` (values:
        ``user_id``, ``summary``, optionally ``date_deadline``, ``note``),
        created together, as activity_schedule would one by one."""
        if not todo:
            return self.env["mail.activity"]
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        today = fields.Date.context_today(self)
        IrModel = self.env["ir.model"]
        return self.env["mail.activity"].create(
            [
                {
                    "activity_type_id": activity_type.id,
                    "automated": True,
                    "date_deadline": today,
                    "note": activity_type.default_note,
                    "res_model_id": IrModel._get_id(record._name),
                    "res_id": record.id,
                    **values,
                }
                for record, values in todo
            ]
        )
