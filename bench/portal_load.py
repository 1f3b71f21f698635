"""Portal under load (#16): many portal sessions at once on a multi-worker
server.

Run through ``make bench`` (scripts/bench.sh), or alone on a throw-away
database with rma_unex installed::

    python bench/portal_load.py --config CONF --database DB [--sessions 50]
        [--seconds 60] [--workers 4] [--cases 100] [--json FILE]

1. Prepares the database once: ``--sessions`` portal customers, each with a
   portal user ``portal_load_<n>`` and about ``--cases`` RMA cases in every
   state (one case per state made through the ORM, then copied with
   ``INSERT ... SELECT`` as ``generator.py`` does, one unit each). Their own
   references ``PL<n>-<g>`` tell whose a page shows.
2. Starts ``odoo-bin`` with ``--workers`` HTTP workers (no cron) on a free
   loopback port (``tests/conftest.py``'s ``OdooServer``) and logs the
   sessions in through the login form. A prefork worker drops a connection
   whose request has not arrived ``ODOO_HTTP_SOCKET_TIMEOUT`` (2 s) after it
   took it; the reverse proxy Odoo needs in front of its workers hands them
   whole requests, but here the clients share the cores with the workers,
   and 3 to 4 of about 5,000 requests came in later than that. The server
   runs with ``--socket-timeout`` (10 s) for it; ``--socket-timeout 2``
   measures without.
3. Every session loops for ``--seconds`` over its RMA list (``/my/rmas``),
   the list's second page (``/my/rmas/page/2``) and its case pages
   (``/my/rmas/<id>``), one request after the other, all sessions at once.

An error is any answer other than 200, a failed request, a list or case page
that shows another customer's case (a link to a case that is not the
session's, another customer's reference, a case page without its own
reference, pages 1 and 2 not listing exactly the customer's cases) and an
ERROR in the server's log. Prints the requests per second and the p50/p95
latency (per page kind too), writes them to ``--json`` and exits 1 on any
error.
"""

import json
import math
import os
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import common

import odoo
from odoo import Command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import HTTP_TIMEOUT, OdooServer, WebSession  # noqa: E402
from generator import clone, table_columns  # noqa: E402

LOGIN = "portal_load_{:02d}"
REF = re.compile(r"PL(\d\d)-\d+")
CASE_LINK = re.compile(r'href="/my/rmas/(\d+)[?"]')
MAX_REQUESTS = 100_000  # per session: the loop is bounded by time and count


# Data ------------------------------------------------------------------


def prepare(env, sessions, cases):
    """{login: (customer index, {case id: reference})}, made once."""
    logins = [LOGIN.format(i) for i in range(sessions)]
    users = env["res.users"].search([("login", "in", logins)])
    if len(users) < sessions:
        make_customers(env, sessions, cases, users)
        env.cr.commit()
    users = env["res.users"].search([("login", "in", logins)])
    result = {}
    for user in users:
        index = int(user.login.rsplit("_", 1)[1])
        env.cr.execute(
            "SELECT id, customer_ref FROM rma_unex_case WHERE partner_id = %s",
            [user.partner_id.commercial_partner_id.id],
        )
        result[user.login] = (index, dict(env.cr.fetchall()))
    return result


def make_customers(env, sessions, cases, existing):
    """The customers, their portal users and their cases (a first run)."""
    assert not existing, "a partial portal_load data set: use a fresh database"
    env.company.email = env.company.email or "service@bench.example"
    customers = env["res.partner"].create(
        [{"name": f"Portal Load {i:02d}", "is_company": True} for i in range(sessions)]
    )
    contacts = env["res.partner"].create(
        [
            {
                "name": f"Buyer {i:02d}",
                "parent_id": customer.id,
                "email": f"buyer{i:02d}@portal-load.example",
            }
            for i, customer in enumerate(customers)
        ]
    )
    env["res.users"].with_context(no_reset_password=True).create(
        [
            {
                "login": LOGIN.format(i),
                "password": LOGIN.format(i),
                "partner_id": contact.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
            for i, contact in enumerate(contacts)
        ]
    )
    templates = make_templates(env)
    copies = math.ceil(cases / len(templates))
    for template in templates:
        clone_cases(env, template, customers, contacts, copies)
    env.cr.execute("ANALYZE rma_unex_case; ANALYZE rma_unex_unit")


def make_templates(env):
    """One case per state, with one unit, through the ORM, for a customer
    of their own (no session's)."""
    customer = env["res.partner"].create(
        {"name": "Portal Load Templates", "is_company": True}
    )
    contact = env["res.partner"].create(
        {"name": "Template Buyer", "parent_id": customer.id, "email": "t@pl.example"}
    )
    product = env["product.product"].create(
        {"name": "Portal Load Router", "type": "consu", "list_price": 300.0}
    )
    Case = env["rma.unex.case"]
    states = [state for state, _label in Case._fields["state"].selection]
    cases = Case.create(
        [
            {
                "partner_id": customer.id,
                "contact_id": contact.id,
                "customer_ref": f"T-{state}",
                "unit_ids": [
                    Command.create({"product_id": product.id, "symptom": "No link"})
                ],
            }
            for state in states
        ]
    )
    for case, state in zip(cases, states, strict=True):
        if state == "sales_review":
            continue
        values = {"state": state}
        if state != "cancelled":
            values["name"] = f"PLT-{state}"  # a number; the copies get their own
        if state == "suspended":
            values["suspended_from_state"] = "repair"
        case._rma_service_write(values)
    env.flush_all()
    return cases


def clone_cases(env, template, customers, contacts, copies):
    """``copies`` copies of ``template`` for every customer, with its unit."""
    cr = env.cr
    count = copies * len(customers)
    cr.execute("SELECT coalesce(max(id), 0) FROM rma_unex_case")
    start = cr.fetchone()[0] + 1
    n = len(customers)
    index = f"mod(g, {n})"
    case_ids = clone(
        cr,
        "rma_unex_case",
        template.id,
        count,
        start,
        {
            "partner_id": f"(ARRAY{customers.ids})[1 + {index}]",
            "contact_id": f"(ARRAY{contacts.ids})[1 + {index}]",
            "name": "NULL" if not template.name else "'PLRMA' || lpad(g::text, 8, '0')",
            "customer_ref": f"'PL' || lpad({index}::text, 2, '0') || '-' || g",
            "access_token": "md5(g::text || random())",
            "date_applied": "now() - mod(g, 700) * interval '1 day'",
        },
        returning=True,
    )
    columns = table_columns(cr, "rma_unex_unit")
    overrides = {"case_id": "c.id", "partner_id": "c.partner_id"}
    cr.execute(
        f"""INSERT INTO rma_unex_unit ({", ".join(f'"{c}"' for c in columns)})
            SELECT {", ".join(overrides.get(c, f't."{c}"') for c in columns)}
            FROM rma_unex_unit t, rma_unex_case c
            WHERE t.case_id = %s AND c.id = ANY(%s)""",  # noqa: S608 - catalog names
        [template.id, case_ids],
    )


# Load ------------------------------------------------------------------


def check(kind, response, index, own, expected_ref=None):
    """The error a user would see on this answer, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code} on {response.url}"
    text = response.text
    foreign = {ref for ref in REF.findall(text) if int(ref) != index}
    if foreign:
        return f"{response.url} shows the references of customers {sorted(foreign)}"
    if kind == "case":
        if expected_ref not in text:
            return f"{response.url} does not show its case {expected_ref}"
        return None
    linked = {int(i) for i in CASE_LINK.findall(text)}
    if not linked <= set(own):
        return f"{response.url} links to cases of another customer"
    return None


class Session(threading.Thread):
    """One portal user browsing their own cases until the deadline."""

    def __init__(self, server, login, index, own, deadline):
        super().__init__(name=login)
        self.web = WebSession(server).login(login)
        # One connection a request, as a reverse proxy in front of Odoo's
        # workers opens them: a prefork worker serves one connection at a
        # time and drops one left idle 2 s (ODOO_HTTP_SOCKET_TIMEOUT), so a
        # client keeping connections alive on a busy machine sends into
        # closed sockets, which a browser would retry and this bench counts.
        self.web.http.headers["Connection"] = "close"
        self.index, self.own, self.deadline = index, own, deadline
        self.timings = {"list": [], "page2": [], "case": []}
        self.errors = []
        self.pages = {}

    def get(self, kind, path, expected_ref=None):
        t0 = time.perf_counter()
        try:
            response = self.web.http.get(
                self.web.base + path, timeout=HTTP_TIMEOUT, allow_redirects=False
            )
            error = check(kind, response, self.index, self.own, expected_ref)
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            response, error = None, f"{path}: {exc!r}"
        self.timings[kind].append(time.perf_counter() - t0)
        if error:
            self.errors.append(error)
        elif kind != "case":
            self.pages[kind] = {int(i) for i in CASE_LINK.findall(response.text)}

    def run(self):
        case_ids = sorted(self.own)
        for step in range(MAX_REQUESTS):
            if time.monotonic() >= self.deadline:
                break
            if step % 4 == 0:
                self.get("list", "/my/rmas")
            elif step % 4 == 1:
                self.get("page2", "/my/rmas/page/2")
            else:
                case_id = case_ids[(step // 4 * 2 + step % 4 - 2) % len(case_ids)]
                self.get("case", f"/my/rmas/{case_id}", self.own[case_id])

    def check_pages(self):
        """Pages 1 and 2 list exactly the customer's cases, each once."""
        first, second = self.pages.get("list", set()), self.pages.get("page2", set())
        if first | second != set(self.own) or first & second:
            self.errors.append(
                f"{self.name}: pages 1 and 2 list {len(first | second)} cases, "
                f"the customer has {len(self.own)}"
            )


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def run_load(server, data, seconds):
    logins = sorted(data)
    with ThreadPoolExecutor(4) as pool:  # logins hash passwords: a few at once
        sessions = list(
            pool.map(
                lambda login: Session(server, login, *data[login], deadline=None),
                logins,
            )
        )
    t0 = time.monotonic()
    for session in sessions:
        session.deadline = t0 + seconds
        session.start()
    for session in sessions:
        session.join(seconds + HTTP_TIMEOUT + 30)
    elapsed = time.monotonic() - t0
    for session in sessions:
        if session.is_alive():
            session.errors.append(f"{session.name} did not stop")
        elif not session.errors:
            session.check_pages()
    return sessions, elapsed


def summary(sessions, elapsed, server_errors, args):
    timings = {kind: [] for kind in ("list", "page2", "case")}
    for session in sessions:
        for kind, values in session.timings.items():
            timings[kind] += values
    every = [t for values in timings.values() for t in values]
    errors = [e for s in sessions for e in s.errors] + server_errors
    return {
        "sessions": len(sessions),
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "socket_timeout": args.socket_timeout,
        "cases_per_customer": min(len(s.own) for s in sessions),
        "requests": len(every),
        "rps": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 0.50), 1),
        "p95_ms": round(percentile(every, 0.95), 1),
        "mean_ms": round(statistics.fmean(every) * 1000, 1),
        "pages": {
            kind: {
                "requests": len(values),
                "p50_ms": round(percentile(values, 0.50), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
            }
            for kind, values in timings.items()
        },
        "errors": len(errors),
        "first_errors": errors[:10],
    }


def print_summary(result):
    print()
    print(
        f"Portal under load: {result['sessions']} portal sessions for "
        f"{result['seconds']:.0f}s on {result['workers']} workers (loopback, "
        f"socket timeout {result['socket_timeout']:g} s), "
        f"{result['cases_per_customer']} cases per customer"
    )
    print(
        f"requests {result['requests']:,} | {result['rps']:.1f} req/s | "
        f"p50 {result['p50_ms']:.0f} ms | p95 {result['p95_ms']:.0f} ms | "
        f"errors {result['errors']}"
    )
    labels = {
        "list": "/my/rmas",
        "page2": "/my/rmas/page/2",
        "case": "/my/rmas/<id>",
    }
    for kind, figures in result["pages"].items():
        print(
            f"  {labels[kind]:<16} {figures['requests']:>7,} requests | "
            f"p50 {figures['p50_ms']:>6.0f} ms | p95 {figures['p95_ms']:>6.0f} ms"
        )
    for error in result["first_errors"]:
        print(f"  error: {error[:300]}")


def main():
    args = common.arguments(
        __doc__,
        sessions={"type": int, "default": 50},
        seconds={"type": float, "default": 60},
        workers={"type": int, "default": 4},
        cases={"type": int, "default": 100},
        socket_timeout={"type": float, "default": 10},
    ).parse_args()
    assert 0 < args.sessions <= 100 and 0 < args.seconds <= 600
    registry = common.registry(args, http=True)
    t0 = time.monotonic()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        data = prepare(env, args.sessions, args.cases)
    print(
        f"portal_load: {len(data)} portal customers ready in "
        f"{time.monotonic() - t0:.0f}s"
    )
    odoo.sql_db.close_all()

    os.environ["ODOO_HTTP_SOCKET_TIMEOUT"] = str(args.socket_timeout)
    server = OdooServer(args.config, args.database, "portal-load", args.workers)
    server.start()
    since = server.log_offset()
    try:
        sessions, elapsed = run_load(server, data, args.seconds)
    finally:
        server.stop()
    result = summary(sessions, elapsed, server.errors(since), args)
    print_summary(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=1)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
