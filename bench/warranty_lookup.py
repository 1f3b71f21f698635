"""Warranty lookup at scale: 1k vs 100k delivered serials, in one run.

``make bench`` (suite.py) measures the lookup with the other benchmarks; on
its own, against a database with rma_unex installed (the data is rolled back):

    PYTHONPATH=$ODOO_SRC:bench python bench/warranty_lookup.py \
        --config CONF --database DB [--sizes 1000,100000]

The generator (generator.py) sells and delivers one serial through the real
flow (sale order, delivery, lot), then clones those rows with INSERT ...
SELECT so that 100k delivered serials take seconds, not hours. At each size
it measures, on warm caches, the lookup of 1 unit and of a batch of 50 units
(time: median of 7 runs; SQL queries of one run), and the search of a serial
by MAC.
"""

import argparse
import statistics
import sys
import time

from generator import Generator  # noqa: E402 - same folder

import odoo

BATCH = 50
RUNS = 7


def measure(env, units):
    """(median ms, queries) of looking up ``units``' warranty on warm caches."""
    Unit = env["rma.unex.unit"]
    timings, queries = [], None
    for _ in range(RUNS):
        env.flush_all()
        env.invalidate_all()
        batch = Unit.browse(units.ids)
        before = env.cr.sql_log_count
        t0 = time.perf_counter()
        batch._lookup_warranty()
        env.flush_all()
        timings.append((time.perf_counter() - t0) * 1000)
        queries = env.cr.sql_log_count - before
    return statistics.median(timings), queries


def measure_mac_search(env, lots):
    Lot = env["stock.lot"]
    timings = []
    for lot in lots[:RUNS]:
        typed = lot.mac_address.replace(":", "").lower()  # as a customer types it
        env.invalidate_all()
        t0 = time.perf_counter()
        found = Lot.search(Lot._mac_search_domain(typed))
        timings.append((time.perf_counter() - t0) * 1000)
        assert found == lot, (typed, found, lot)
    return statistics.median(timings)


def explain(env, lot):
    env.cr.execute(
        "EXPLAIN SELECT id FROM stock_move_line WHERE lot_id = %s AND state = 'done'",
        [lot.id],
    )
    return " ".join(row[0].strip() for row in env.cr.fetchall()[:2])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--sizes", default="1000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    registry = odoo.modules.registry.Registry(args.database)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        generator = Generator(env)
        for size in sizes:
            t0 = time.perf_counter()
            generator.grow_to(size)
            built = time.perf_counter() - t0
            lots = generator.sample_lots(BATCH, seed=size)
            with odoo.tools.misc.mute_logger("odoo.models.unlink"):
                case = env["rma.unex.case"].create(
                    {"partner_id": generator.customer.id}
                )
                env["rma.unex.unit"].create(
                    [
                        {
                            "case_id": case.id,
                            "product_id": generator.product.id,
                            "lot_id": lot.id,
                        }
                        for lot in lots
                    ]
                )
            units = case.unit_ids
            one_ms, one_q = measure(env, units[:1])
            many_ms, many_q = measure(env, units)
            mac_ms = measure_mac_search(env, lots)
            statuses = sorted(set(units.mapped("warranty_status")))
            rows.append(
                (
                    size,
                    built,
                    one_ms,
                    one_q,
                    many_ms,
                    many_q,
                    mac_ms,
                    explain(env, lots[0]),
                    statuses,
                )
            )
        cr.rollback()

    print()
    print(f"Warranty lookup, rma_unex (median of {RUNS} runs, warm caches)")
    header = (
        f"{'delivered serials':>17} | {'1 unit ms':>9} | {'queries':>7} | "
        f"{f'{BATCH} units ms':>12} | {'queries':>7} | {'MAC search ms':>13}"
    )
    print(header)
    print("-" * len(header))
    for size, _built, one_ms, one_q, many_ms, many_q, mac_ms, _plan, _s in rows:
        print(
            f"{size:>17,} | {one_ms:>9.1f} | {one_q:>7} | {many_ms:>12.1f} | "
            f"{many_q:>7} | {mac_ms:>13.2f}"
        )
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        print(
            f"{'ratio last/first':>17} | {last[2] / first[2]:>9.2f} | "
            f"{last[3] - first[3]:>+7} | {last[4] / first[4]:>12.2f} | "
            f"{last[5] - first[5]:>+7} | {last[6] / first[6]:>13.2f}"
        )
    for size, built, *_rest, plan, statuses in rows:
        print(
            f"{size:,} serials: generated in {built:.1f}s; statuses {statuses}; "
            f"plan: {plan}"
        )
    flat = len(rows) < 2 or rows[0][3] == rows[-1][3] and rows[0][5] == rows[-1][5]
    print("queries flat across sizes:", "yes" if flat else "NO")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
