"""The same returns through OCA ``rma``, through rma_unex and through bare
Odoo (the floor), step by step.

rma_unex: a case with one unit (the serial) -> authorise (RMA number, receipt
announced by serial, authorisation e-mail queued) -> the warehouse validates
the receipt (case received). The authorisation e-mail, whose PDF is rendered
by wkhtmltopdf, is sent by a background job: that job is measured apart
(``measure_mails``), once, not in the compared steps.
OCA rma: an ``rma`` record (partner, product, operation "Repair") -> confirm
(reception picking) -> the warehouse scans the serial and validates the
reception (rma received). OCA rma as installed sends no e-mail; its optional
confirmation e-mail is sent synchronously (force_send, SMTP) and is not
measured. OCA's core ``rma`` has no serial field on the return: the serial is
given where the goods arrive, on the move line.
The floor: what Odoo itself costs for the same receipts, without RMA code:
one incoming transfer per return, created and confirmed in batch, the
serials set and the transfers validated together.

Every flow runs inside a savepoint that is rolled back, so all see the same
customers, products and serials, and each run starts from the same data.
Steps end with the pending tracking written and the ORM flushed; time is
perf_counter, queries are the cursor's ``sql_log_count``.
"""

import statistics
import time

from odoo import Command

STEPS = ("create", "confirm", "receive")


class Flow:
    """Runs one addon's flow for ``n`` returns and measures each step."""

    addon = None

    def __init__(self, env, customers, product):
        self.env = env
        self.customers = customers
        self.product = product

    def _step(self, figures, name, func):
        env = self.env
        before = env.cr.sql_log_count
        t0 = time.perf_counter()
        result = func()
        env.cr.precommit.run()  # the chatter tracking of the step
        env.flush_all()
        figures[name] = (
            (time.perf_counter() - t0) * 1000,
            env.cr.sql_log_count - before,
        )
        return result

    def run(self, lots):
        """{step: (ms, queries)} of one run, rolled back afterwards."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("SAVEPOINT bench_returns")
        figures = {}
        try:
            self._run(figures, lots)
        finally:
            self.env.invalidate_all(flush=False)
            self.env.transaction.clear()
            cr.precommit.clear()
            cr.postcommit.clear()
            cr.execute("ROLLBACK TO SAVEPOINT bench_returns")
        return figures

    def _run(self, figures, lots):
        raise NotImplementedError


class RmaUnexFlow(Flow):
    addon = "rma_unex"

    def _run(self, figures, lots):
        Case = self.env["rma.unex.case"]
        cases = self._step(
            figures,
            "create",
            lambda: Case.create(
                [
                    {
                        "partner_id": partner.id,
                        "unit_ids": [
                            Command.create(
                                {"product_id": self.product.id, "lot_id": lot.id}
                            )
                        ],
                    }
                    for partner, lot in zip(self.customers, lots, strict=True)
                ]
            ),
        )
        assert not cases.filtered("needs_charge_agreement"), "serials out of warranty"
        self._step(figures, "confirm", cases.action_authorise)
        receipts = cases.picking_ids
        assert len(receipts) == len(cases) and all(
            receipts.move_ids.move_line_ids.lot_id
        )

        def receive():
            receipts.move_ids.picked = True
            receipts.with_context(skip_backorder=True).button_validate()

        self._step(figures, "receive", receive)
        assert set(cases.mapped("state")) == {"received"}, cases.mapped("state")
        if self.send_mails:
            Case = self.env["rma.unex.case"]
            self._step(
                figures,
                "mails",
                lambda: Case._cron_send_authorisation_mails(batch_size=len(cases)),
            )
            assert not any(cases.mapped("authorisation_mail_queued"))

    send_mails = False

    def measure_mails(self, lots):
        """(ms, queries) of the background job that sends the authorisation
        e-mails (with their PDF) of ``lots``' returns: one run, not part of
        the steps compared with OCA rma, which sends no e-mail."""
        self.send_mails = True
        try:
            return self.run(lots)["mails"]
        finally:
            self.send_mails = False


class OcaRmaFlow(Flow):
    addon = "rma"

    def _run(self, figures, lots):
        env = self.env
        operation = env.ref("rma.rma_operation_return")
        rmas = self._step(
            figures,
            "create",
            lambda: env["rma"].create(
                [
                    {
                        "partner_id": partner.id,
                        "product_id": self.product.id,
                        "product_uom_qty": 1,
                        "operation_id": operation.id,
                    }
                    for partner in self.customers
                ]
            ),
        )
        self._step(figures, "confirm", rmas.action_confirm)
        receipts = rmas.reception_move_id.picking_id
        assert len(rmas.reception_move_id) == len(rmas)

        def receive():
            for rma, lot in zip(rmas, lots, strict=True):
                move = rma.reception_move_id
                if move.move_line_ids:
                    move.move_line_ids[:1].write({"lot_id": lot.id, "quantity": 1})
                else:
                    move.write(
                        {
                            "move_line_ids": [
                                Command.create(
                                    {
                                        "product_id": self.product.id,
                                        "lot_id": lot.id,
                                        "quantity": 1,
                                        "location_id": move.location_id.id,
                                        "location_dest_id": move.location_dest_id.id,
                                        "picking_id": move.picking_id.id,
                                    }
                                )
                            ]
                        }
                    )
            receipts.move_ids.picked = True
            receipts.with_context(skip_backorder=True).button_validate()

        self._step(figures, "receive", receive)
        assert set(rmas.mapped("state")) == {"received"}, rmas.mapped("state")


class FloorFlow(Flow):
    """The platform's own cost of the same receipts, without any RMA code:
    one incoming transfer per return, for its customer, with the product,
    created and confirmed in batch; the serials set on the move lines and
    the transfers validated together."""

    addon = "floor"

    def _run(self, figures, lots):
        env = self.env
        picking_type = env.ref("stock.picking_type_in")
        pickings = self._step(
            figures,
            "create",
            lambda: env["stock.picking"].create(
                [
                    {
                        "partner_id": partner.id,
                        "picking_type_id": picking_type.id,
                        "location_id": picking_type.default_location_src_id.id,
                        "location_dest_id": picking_type.default_location_dest_id.id,
                        "move_ids": [
                            Command.create(
                                {
                                    "name": self.product.display_name,
                                    "product_id": self.product.id,
                                    "product_uom_qty": 1,
                                    "location_id": (
                                        picking_type.default_location_src_id.id
                                    ),
                                    "location_dest_id": (
                                        picking_type.default_location_dest_id.id
                                    ),
                                }
                            )
                        ],
                    }
                    for partner in self.customers
                ]
            ),
        )
        self._step(figures, "confirm", pickings.action_confirm)

        def receive():
            # the lines reserved at confirmation get their serials (written
            # one by one, flushed as one query), missing ones are created
            new_lines = []
            for move, lot in zip(pickings.move_ids, lots, strict=True):
                if move.move_line_ids:
                    move.move_line_ids[:1].write({"lot_id": lot.id, "quantity": 1})
                    continue
                new_lines.append(
                    {
                        "move_id": move.id,
                        "picking_id": move.picking_id.id,
                        "product_id": self.product.id,
                        "lot_id": lot.id,
                        "quantity": 1,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )
            env["stock.move.line"].create(new_lines)
            pickings.move_ids.picked = True
            pickings.with_context(skip_backorder=True).button_validate()

        self._step(figures, "receive", receive)
        assert set(pickings.mapped("state")) == {"done"}, pickings.mapped("state")


def measure(flow, lots, runs):
    """{step: (median ms, queries of the last run)} after one warm-up run."""
    flow.run(lots)
    results = [flow.run(lots) for _ in range(runs)]
    figures = {}
    for step in STEPS + ("total",):
        if step == "total":
            times = [sum(r[s][0] for s in STEPS) for r in results]
            queries = sum(results[-1][s][1] for s in STEPS)
        else:
            times = [r[step][0] for r in results]
            queries = results[-1][step][1]
        figures[step] = (statistics.median(times), queries)
    return figures
