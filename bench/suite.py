"""rma_unex at two sizes, and side by side with OCA rma, in one run.

Run through ``make bench`` (scripts/bench.sh):

    python bench/suite.py --config CONF --database DB [--sizes 1000,100000]
                          [--returns 10,100] [--json FILE]

At each size (delivered serials; customers, tickets and cases in every state
grow with them, see generator.py) it measures on warm caches:

- warranty lookup of 1 and of 50 units (ORM, as warranty_lookup.py);
- the support request form's recognition of a serial, the customer's own and
  another customer's (ORM, as serial_recognition.py);
- the portal list ``/my/rmas`` and the portal case page ``/my/rmas/<id>`` as
  the portal customer, through the WSGI application (``odoo.http.root``) with
  a real session cookie: routing, controller, QWeb rendering, all queries of
  the request (the thread's ``query_count``);
- the public RMA process page ``/rma`` (as a visitor and as a customer) and
  the portal home's RMA counters (process_page.py);
- the backend case form's data load: ``web_read`` with the fields of the
  form view (one level of sub-fields for relations), through ``call_kw`` as
  the administrator (the view itself is cached by the web client);
- authorise + receive of 10 and 100 returns with rma_unex and, when OCA
  ``rma`` is installed in the database, the same flow with it (returns.py).

The data is committed to the (throw-away) database: the HTTP requests read it
through their own cursors.
"""

import argparse
import json
import statistics
import sys
import threading
import time

import process_page
import returns
import serial_recognition
import warranty_lookup
from generator import PORTAL_LOGIN, Generator
from werkzeug.test import Client

import odoo

RUNS = 7


# HTTP ------------------------------------------------------------------


def wsgi_app(environ, start_response):
    """Odoo's WSGI application, as behind a local server (it logs the address)."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    return odoo.http.root(environ, start_response)


def http_client(database, login, password):
    client = Client(wsgi_app)
    response = client.post(
        "/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"db": database, "login": login, "password": password},
        },
    )
    assert response.status_code == 200 and "error" not in response.json, response.text
    return client


def measure_http(call, runs=RUNS):
    """(median ms, queries of the last request) after two warm-up requests."""
    timings, queries = [], 0
    for index in range(runs + 2):
        thread = threading.current_thread()
        t0 = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - t0) * 1000
        queries = thread.query_count
        assert response.status_code == 200, (response.status_code, response.text[:500])
        if index >= 2:
            timings.append(elapsed)
    return statistics.median(timings), queries


def form_specification(env, model):
    """The web client's ``web_read`` specification of ``model``'s form view:
    its fields, relations with the sub-fields their views show."""
    views = env[model].get_views([(False, "form")])
    described = views["models"]

    def spec(model_name, depth):
        result = {}
        for name, field in described.get(model_name, {}).get("fields", {}).items():
            if field["type"] == "many2one":
                result[name] = {"fields": {"display_name": {}}}
            elif field["type"] in ("one2many", "many2many"):
                sub = spec(field["relation"], depth + 1) if depth < 1 else {}
                result[name] = {"fields": sub or {"display_name": {}}}
            else:
                result[name] = {}
        return result

    return spec(model, 0)


def form_load(client, case_id, spec):
    """The request of the case form's data load, as the web client sends it
    through ``call_kw``: a function for measure_http."""
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "model": "rma.unex.case",
            "method": "web_read",
            "args": [[case_id]],
            "kwargs": {"specification": spec, "context": {"lang": "en_US"}},
        },
    }

    def load():
        response = client.post("/web/dataset/call_kw/rma.unex.case/web_read", json=body)
        assert "error" not in response.json, response.json["error"]
        return response

    return load


# One size --------------------------------------------------------------


def measure_size(env, generator, database, size, flows, returns_sizes):
    cr = env.cr
    row = {"size": size}
    t0 = time.perf_counter()
    generator.grow_to(size)
    generator.grow_world()
    cr.commit()
    row["generated_s"] = time.perf_counter() - t0
    cr.execute("SELECT count(*) FROM rma_unex_case")
    row["cases"] = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM helpdesk_ticket")
    row["tickets"] = cr.fetchone()[0]
    row["customers"] = len(generator.customer_ids)

    # Warranty lookup (ORM), rolled back.
    cr.execute("SAVEPOINT bench_warranty")
    lots = generator.sample_lots(warranty_lookup.BATCH, seed=size)
    case = env["rma.unex.case"].create({"partner_id": generator.customer.id})
    env["rma.unex.unit"].create(
        [
            {"case_id": case.id, "product_id": generator.product.id, "lot_id": lot.id}
            for lot in lots
        ]
    )
    row["warranty_1"] = warranty_lookup.measure(env, case.unit_ids[:1])
    row["warranty_50"] = warranty_lookup.measure(env, case.unit_ids)
    env.invalidate_all()
    cr.execute("ROLLBACK TO SAVEPOINT bench_warranty")
    # The support request form's serial recognition (ORM), rolled back.
    row.update(serial_recognition.suite_rows(env, generator, seed=size))

    # Portal and backend pages, through HTTP.
    portal = http_client(database, PORTAL_LOGIN, PORTAL_LOGIN)
    cr.execute(
        "SELECT count(*) FROM rma_unex_case WHERE partner_id = %s",
        [generator.portal_customer.id],
    )
    row["portal_cases"] = cr.fetchone()[0]
    row["portal_list"] = measure_http(lambda: portal.get("/my/rmas"))
    row["portal_list_p5"] = measure_http(lambda: portal.get("/my/rmas/page/5"))
    case_id = generator.portal_case.id
    # A session of its own: after the list, the page would add previous/next
    # links when the case happens to be on the list's first page.
    reader = http_client(database, PORTAL_LOGIN, PORTAL_LOGIN)
    row["portal_case"] = measure_http(lambda: reader.get(f"/my/rmas/{case_id}"))
    admin = http_client(database, "admin", "admin")
    spec = form_specification(env, "rma.unex.case")
    row["case_form"] = measure_http(form_load(admin, case_id, spec))
    # The public process page, and the home's counters of the portal customer.
    row.update(process_page.suite_rows(env, database, PORTAL_LOGIN))

    # The same returns through each installed addon, rolled back; as the
    # administrator (record rules and access rights apply, as for staff).
    admin_env = env(user=env.ref("base.user_admin").id)
    for n in returns_sizes:
        lots = generator.lots(n)
        # the customer the serials were delivered to: a serial delivered to
        # another customer gives no warranty and would need a charge agreement
        customers = env["res.partner"].browse([generator.customer.id] * n)
        runs = 5 if n <= 10 else 2
        for flow_class in flows:
            flow = flow_class(
                admin_env,
                customers.with_env(admin_env),
                generator.product.with_env(admin_env),
            )
            row[f"{flow.addon}_{n}"] = returns.measure(
                flow, lots.with_env(admin_env), runs
            )
    n = min(returns_sizes)
    flow = returns.RmaUnexFlow(
        admin_env,
        env["res.partner"].browse([generator.customer.id] * n).with_env(admin_env),
        generator.product.with_env(admin_env),
    )
    row["mails"] = flow.measure_mails(generator.lots(n).with_env(admin_env))
    row["mails_n"] = n
    return row


# Output ----------------------------------------------------------------


def print_detail(rows, flows, returns_sizes):
    print()
    print(
        f"rma_unex at each size (median of {RUNS} runs after warm-up; "
        "queries of one run)"
    )
    for row in rows:
        print(
            f"- {row['size']:,} delivered serials: {row['customers']:,} customers, "
            f"{row['cases']:,} cases in 13 states ({row['portal_cases']:,} of the "
            f"portal customer), {row['tickets']:,} tickets; generated in "
            f"{row['generated_s']:.0f}s"
        )
    header = f"{'measure':<42}" + "".join(
        f" | {r['size']:>9,} ms | {'q':>4}" for r in rows
    )
    print(header)
    print("-" * len(header))
    labels = [
        ("warranty_1", "warranty lookup, 1 unit (ORM)"),
        ("warranty_50", "warranty lookup, 50 units (ORM)"),
        *serial_recognition.LABELS,
        ("portal_list", "portal /my/rmas, page 1 (HTTP)"),
        ("portal_list_p5", "portal /my/rmas/page/5 (HTTP)"),
        ("portal_case", "portal /my/rmas/<id> (HTTP)"),
        ("case_form", "case form web_read, admin (HTTP)"),
        *process_page.LABELS,
    ]
    for n in returns_sizes:
        for flow in flows:
            labels.append((f"{flow.addon}_{n}", f"{flow.addon}: {n} returns, total"))
    for key, label in labels:
        cells = []
        for row in rows:
            value = row[key]
            ms, queries = value["total"] if isinstance(value, dict) else value
            cells.append(f" | {ms:>12.1f} | {queries:>4}")
        print(f"{label:<42}" + "".join(cells))

    print()
    print("Returns, step by step: ms (median) / queries per return")
    header = f"{'size':>9} | {'addon':<8} | {'n':>3}" + "".join(
        f" | {step:>17}" for step in returns.STEPS + ("total",)
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        for n in returns_sizes:
            for flow in flows:
                figures = row[f"{flow.addon}_{n}"]
                cells = "".join(
                    f" | {figures[s][0]:>8.0f} / {figures[s][1] / n:>6.1f}"
                    for s in returns.STEPS + ("total",)
                )
                print(f"{row['size']:>9,} | {flow.addon:<8} | {n:>3}" + cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--returns", default="10,100")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    returns_sizes = [int(s) for s in args.returns.split(",")]

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.service.server.load_server_wide_modules()
    registry = odoo.modules.registry.Registry(args.database)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        flows = [returns.RmaUnexFlow]
        if "rma" in env:
            flows.append(returns.OcaRmaFlow)
        flows.append(returns.FloorFlow)
        generator = Generator(env)
        for size in sizes:
            rows.append(
                measure_size(env, generator, args.database, size, flows, returns_sizes)
            )
            cr.commit()
    print_detail(rows, flows, returns_sizes)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "rows": rows,
                    "addons": [f.addon for f in flows],
                    "returns": returns_sizes,
                },
                out,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
