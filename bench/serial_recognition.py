"""Serial recognition of the support request form at 1k vs 100k serials.

``make bench`` (suite.py) measures it with the other benchmarks; on its own,
against a database with rma_unex installed (the data is rolled back):

    PYTHONPATH=$ODOO_SRC:bench python bench/serial_recognition.py \
        --config CONF --database DB [--sizes 1000,100000]

The portal form asks the recognition service (rma.unex.device.recognition,
behind /my/support-requests/recognise) which device a typed serial or MAC
is. At each size (delivered serials, see generator.py) it measures, as a
portal user of the customer the serials went to, the whole call the route
makes (throttle check, lookup, warranty, bulletins, attempt record): the
customer's own serial, their own MAC as typed (bare, lower case), another
customer's serial (asked by the portal customer of the bench) and an unknown
serial. Time: median of 7 runs after a warm-up, ORM cache cleared before each
run; SQL queries of one run; the plan of the serial search.
"""

import json
import statistics
import sys
import time

import common
from generator import Generator

import odoo
from odoo import Command
from odoo.tools import SQL

RUNS = 7
CASES = (
    ("own_serial", "own serial"),
    ("own_mac", "own MAC"),
    ("other", "another customer's"),
    ("unknown", "unknown serial"),
)


def setup(env, generator):
    """(own user, other user): a portal user of the customer the serials were
    delivered to, and the bench's portal user (another customer); and one
    public bulletin of the product, so the answers carry one."""
    contact = env["res.partner"].create(
        {"name": "Rita Recognition", "parent_id": generator.customer.id}
    )
    own = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "login": "bench_recognition",
                "partner_id": contact.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
    )
    env["rma.unex.service.bulletin"].create(
        {
            "name": "Bench bulletin",
            "product_ids": [Command.set(generator.product.ids)],
            "firmware_from": "7.0",
            "issue": "<p>Radio drops</p>",
            "workaround": "<p>Upgrade</p>",
            "is_public": True,
        }
    )
    return own, generator.portal_user


def measure(env, user, identity, firmware="7.1.3"):
    """(median ms, queries, found) of ``user`` asking about ``identity``;
    their throttle records are cleared before each run (a bench asks more
    often than a customer may)."""
    Recognition = env["rma.unex.device.recognition"].with_user(user)
    timings, queries, found = [], None, None
    for index in range(RUNS + 1):
        env.cr.execute(
            "DELETE FROM rma_unex_status_lookup WHERE ip_address = %s",
            [f"user:{user.id}"],
        )
        env.flush_all()
        env.invalidate_all()
        before = env.cr.sql_log_count
        t0 = time.perf_counter()
        answer = Recognition._recognise_for_user(user, identity, firmware)
        elapsed = (time.perf_counter() - t0) * 1000
        queries = env.cr.sql_log_count - before
        found = answer["found"]
        if index:
            timings.append(elapsed)
    return statistics.median(timings), queries, found


def measure_cases(env, generator, own, other, seed):
    """{case: (ms, queries, found)} for one sampled serial of the customer."""
    lot = generator.sample_lots(1, seed=seed)[:1]
    figures = {
        "own_serial": measure(env, own, lot.name),
        "own_mac": measure(env, own, lot.mac_address.replace(":", "").lower()),
        "other": measure(env, other, lot.name),
        "unknown": measure(env, own, "NOPE0000000"),
    }
    expected = {"own_serial": True, "own_mac": True, "other": False, "unknown": False}
    for case, (_ms, _q, found) in figures.items():
        assert found == expected[case], (case, lot.name, found)
    return figures, lot


LABELS = (
    ("recognition_own", "serial recognition, own serial (ORM)"),
    ("recognition_other", "serial recognition, another's (ORM)"),
)


def suite_rows(env, generator, seed):
    """The rows suite.py shows (LABELS): {key: (ms, queries)}, rolled back."""
    env.cr.execute("SAVEPOINT bench_recognition")
    own, other = setup(env, generator)
    figures, _lot = measure_cases(env, generator, own, other, seed)
    env.invalidate_all()
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_recognition")
    return {
        "recognition_own": figures["own_serial"][:2],
        "recognition_other": figures["other"][:2],
    }


def explain(env, lot):
    """The plan of the serial search the service runs."""
    domain = env["rma.unex.device.recognition"]._lot_domain(lot.name, env.company)
    query = env["stock.lot"]._search(domain, limit=10, order="id")
    env.cr.execute(SQL("EXPLAIN %s", query.select()))
    plan = [row[0].strip() for row in env.cr.fetchall()]
    return " / ".join(line for line in plan if "Scan" in line or "Join" in line)


def main():
    args = common.arguments(__doc__, sizes={"default": "1000,100000"}).parse_args()
    sizes = common.sizes(args.sizes)
    rows = []
    with common.registry(args).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        generator = Generator(env)
        own, other = setup(env, generator)
        for size in sizes:
            generator.grow_to(size)
            figures, lot = measure_cases(env, generator, own, other, seed=size)
            rows.append((size, figures, explain(env, lot)))
        cr.rollback()

    print()
    print(f"Serial recognition, rma_unex (median of {RUNS} runs, warm caches)")
    header = f"{'delivered serials':>17}" + "".join(
        f" | {label + ' ms':>22} | {'q':>3}" for _key, label in CASES
    )
    print(header)
    print("-" * len(header))
    for size, figures, _plan in rows:
        cells = "".join(
            f" | {figures[key][0]:>22.2f} | {figures[key][1]:>3}" for key, _l in CASES
        )
        print(f"{size:>17,}" + cells)
    for size, _figures, plan in rows:
        print(f"{size:,} serials, serial search plan: {plan}")
    flat = all(rows[0][1][key][1] == rows[-1][1][key][1] for key, _label in CASES)
    print("queries flat across sizes:", "yes" if flat else "NO")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([{"size": s, **f} for s, f, _p in rows], out)
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
