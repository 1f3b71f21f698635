"""The same returns through OCA ``rma`` and through rma_unex, step by step.

rma_unex: a case with one unit (the serial) -> authorise (RMA number, receipt
announced by serial, authorisation e-mail) -> the warehouse validates the
receipt (case received).
OCA rma: an ``rma`` record (partner, product, operation "Repair") -> confirm
(reception picking) -> the warehouse scans the serial and validates the
reception (rma received). OCA rma as installed sends no e-mail; its optional
confirmation e-mail is sent synchronously (force_send, SMTP) and is not
measured. rma_unex's authorise step includes queuing its authorisation e-mail
(P3.1): about 20 of its queries per return. OCA's core ``rma`` has no serial
field on the return: the serial is given where the goods arrive, on the move
line.

Every flow runs inside a savepoint that is rolled back, so both addons see the
same customers, products and serials, and each run starts from the same data.
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
