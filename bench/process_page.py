"""The public RMA process page (/rma) and the portal home's counters.

``make bench`` (suite.py) measures them at each size with the other
benchmarks; on its own, against a database with rma_unex installed, as it is
(nothing is generated; one customer with a sales representative is added
and committed the first time):

    PYTHONPATH=$ODOO_SRC:bench python bench/process_page.py \
        --config CONF --database DB [--login PORTAL_LOGIN] [--json FILE]

Through the WSGI application (``odoo.http.root``), as suite.py measures the
portal: routing, controller, QWeb rendering, all queries of the request.

- ``/rma`` as a visitor (the public user, the main company's figures);
- ``/rma`` as a portal customer whose company has a sales representative
  (the page names them);
- ``/my/counters`` with the four counters of the RMA cards (all and open
  RMAs, RMAs waiting for the customer, support requests to complete), as
  the customer of ``--login`` (suite.py: the bench's portal customer, whose
  cases grow with the size).

Time is the median of the requests after two warm-up ones; queries are
those of the last request.
"""

import json
import sys

import common
import suite
from werkzeug.test import Client

import odoo
from odoo import Command

PROCESS_LOGIN = "bench_process_portal"
COUNTERS = [
    "rma_count",
    "rma_open_count",
    "rma_waiting_count",
    "support_incomplete_count",
]
LABELS = (
    ("process_public", "process page /rma, visitor (HTTP)"),
    ("process_portal", "process page /rma, customer (HTTP)"),
    ("home_counters", "portal home counters, RMA cards (HTTP)"),
)


def ensure_customer(env):
    """The portal user of a customer whose salesperson is the administrator,
    created and committed once: the HTTP requests read it from their own
    cursors."""
    if env["res.users"].search_count([("login", "=", PROCESS_LOGIN)]):
        return
    admin = env.ref("base.user_admin")
    customer = env["res.partner"].create(
        {"name": "Bench Process Customer", "is_company": True, "user_id": admin.id}
    )
    contact = env["res.partner"].create(
        {"name": "Petra Process", "parent_id": customer.id, "email": "petra@p.example"}
    )
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "login": PROCESS_LOGIN,
            "password": PROCESS_LOGIN,
            "partner_id": contact.id,
            "groups_id": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    env.cr.commit()


def counters_call(client):
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"counters": COUNTERS},
    }

    def call():
        response = client.post("/my/counters", json=body)
        assert "error" not in response.json, response.json["error"]
        return response

    return call


def suite_rows(env, database, counters_login):
    """{key: (median ms, queries)} of the process page (visitor, customer)
    and, when ``counters_login`` is given, of the home's counters."""
    ensure_customer(env)
    visitor = Client(suite.wsgi_app)
    customer = suite.http_client(database, PROCESS_LOGIN, PROCESS_LOGIN)
    rows = {
        "process_public": suite.measure_http(lambda: visitor.get("/rma")),
        "process_portal": suite.measure_http(lambda: customer.get("/rma")),
    }
    if counters_login:
        home = suite.http_client(database, counters_login, counters_login)
        rows["home_counters"] = suite.measure_http(counters_call(home))
    return rows


def main():
    args = common.arguments(
        __doc__,
        login={"help": "portal user (password = login) whose counters to measure"},
    ).parse_args()
    with common.registry(args, http=True).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        rows = suite_rows(env, args.database, args.login)
    print()
    print(f"RMA process page and home counters (median of {suite.RUNS} runs)")
    print(f"{'measure':<42} | {'ms':>8} | {'q':>4}")
    for key, label in LABELS:
        if key in rows:
            ms, queries = rows[key]
            print(f"{label:<42} | {ms:>8.1f} | {queries:>4}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
