"""A distributor's case of many units: 50 and 500 units, step by step.

Run through ``make bench`` (scripts/bench.sh), or on its own:

    python bench/large_case.py --config CONF --database DB [--sizes 50,500]
                               [--json FILE]

For each size a case with that many serials (not delivered: sales records
the customer's agreement to charges) is made for a portal customer and
committed, then measured:

- the backend case form's data load: ``web_read`` with the specification
  the web client sends (one page of 40 units in the units list), through
  ``call_kw`` over HTTP as the administrator;
- authorise (RMA number, one receipt with a move per unit, serials
  announced; the e-mail queued for the background job);
- receive: the warehouse validates the receipt;
- decide in bulk: the evaluation started, one decision for every unit;
- the portal case page ``/my/rmas/<id>`` (50 units a page) as the customer.

Time is the median of the HTTP requests (after warm-up) or the one run of an
ORM step; queries are those of one request or step. The cases stay in the
(throw-away) benchmark database.
"""

import json
import sys
import time
import uuid

import common
from suite import RUNS, form_load, form_specification, http_client, measure_http

import odoo
from odoo import Command

PORTAL_LOGIN = "bench_large_portal"


def web_client_spec(env):
    """The form's specification with the page size the web client asks for
    its lists of lines (``limit`` 40)."""
    spec = form_specification(env, "rma.unex.case")
    for name, field in env["rma.unex.case"]._fields.items():
        if field.type in ("one2many", "many2many") and name in spec:
            spec[name]["limit"] = 40
    return spec


def orm_step(env, func):
    """(ms, queries) of one ORM step, its writes flushed and tracked."""
    cr = env.cr
    before = cr.sql_log_count
    t0 = time.perf_counter()
    func()
    cr.precommit.run()
    env.flush_all()
    return (time.perf_counter() - t0) * 1000, cr.sql_log_count - before


class LargeCase:
    def __init__(self, env, database):
        self.env, self.database = env, database
        # serials of this run: the benchmark may run again on the database
        self.run = uuid.uuid4().hex[:6].upper()
        user = env["res.users"].search([("login", "=", PORTAL_LOGIN)])
        if user:
            self.customer = user.partner_id.parent_id
            self.product = env["product.product"].search(
                [("name", "=", "Bench Module (large returns)")], limit=1
            )
            return
        self.product = env["product.product"].create(
            {
                "name": "Bench Module (large returns)",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        self.customer = env["res.partner"].create(
            {"name": "Bench Distributor", "is_company": True}
        )
        contact = env["res.partner"].create(
            {
                "name": "Dora Distributor",
                "parent_id": self.customer.id,
                "email": "dora@distributor.example",
            }
        )
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "login": PORTAL_LOGIN,
                "password": PORTAL_LOGIN,
                "partner_id": contact.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
        env.cr.commit()

    def make_case(self, size, offset):
        env = self.env
        lots = env["stock.lot"].create(
            [
                {"name": f"L{self.run}{offset + i:05d}", "product_id": self.product.id}
                for i in range(size)
            ]
        )
        case = env["rma.unex.case"].create(
            {
                "partner_id": self.customer.id,
                "unit_ids": [
                    Command.create({"product_id": self.product.id, "lot_id": lot.id})
                    for lot in lots
                ],
            }
        )
        case._record_charge_agreement(self.customer, "signed_form")
        env.cr.commit()
        return case

    def measure(self, size, offset):
        env = self.env
        row = {"size": size}
        case = self.make_case(size, offset)
        admin = http_client(self.database, "admin", "admin")
        row["form"] = measure_http(form_load(admin, case.id, web_client_spec(env)))
        row["authorise"] = orm_step(env, case.action_authorise)
        receipt = case.picking_ids

        def receive():
            receipt.move_ids.picked = True
            receipt.with_context(skip_backorder=True).button_validate()

        row["receive"] = orm_step(env, receive)
        assert case.state == "received", case.state
        case.action_start_evaluation()
        env.cr.commit()
        row["decide"] = orm_step(
            env, lambda: case.unit_ids._decide("ntf", "No fault found in bulk test")
        )
        env.cr.commit()
        portal = http_client(self.database, PORTAL_LOGIN, PORTAL_LOGIN)
        row["portal"] = measure_http(lambda: portal.get(f"/my/rmas/{case.id}"))
        return row


LABELS = (
    ("form", "case form load (web_read, 40 units shown)"),
    ("authorise", "authorise (number, receipt, serials)"),
    ("receive", "receive (validate the receipt)"),
    ("decide", "decide in bulk (one decision, all units)"),
    ("portal", "portal case page (50 units a page)"),
)


def print_table(rows):
    print()
    print(f"A case of many units (HTTP: median of {RUNS}; ORM steps: one run)")
    header = f"{'measure':<44}" + "".join(
        f" | {r['size']:>4} units ms | {'q':>5}" for r in rows
    )
    print(header)
    print("-" * len(header))
    for key, label in LABELS:
        cells = "".join(f" | {row[key][0]:>13.0f} | {row[key][1]:>5}" for row in rows)
        print(f"{label:<44}{cells}")


def main():
    args = common.arguments(__doc__, sizes={"default": "50,500"}).parse_args()
    sizes = common.sizes(args.sizes)
    with common.registry(args, http=True).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin").id)
        bench = LargeCase(env, args.database)
        rows = []
        offset = 0
        for size in sizes:
            rows.append(bench.measure(size, offset))
            offset += size
    print_table(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"rows": rows}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
