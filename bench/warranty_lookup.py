"""Warranty lookup at scale: 1k vs 100k delivered serials, in one run.

Run through ``make bench`` (scripts/bench.sh), which creates a throw-away
database with rma_unex installed and calls:

    python bench/warranty_lookup.py --config CONF --database DB [--sizes 1000,100000]

The generator sells and delivers one serial through the real flow (sale order,
delivery, lot), then clones those rows with INSERT ... SELECT so that 100k
delivered serials take seconds, not hours. At each size it measures, on warm
caches, the lookup of 1 unit and of a batch of 50 units (time: median of 7
runs; SQL queries of one run), and the search of a serial by MAC.
"""

import argparse
import random
import statistics
import sys
import time

import odoo
from odoo import Command

BATCH = 50
RUNS = 7


def clone(cr, table, template_id, count, start, overrides):
    """Copy row ``template_id`` of ``table`` ``count`` times; ``g`` runs from
    ``start``. ``overrides`` maps column -> SQL expression of g."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    columns = [row[0] for row in cr.fetchall()]
    select = ", ".join(overrides.get(c, f'"{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    cr.execute(
        f'INSERT INTO "{table}" ({names}) '  # noqa: S608 - names from the catalog
        f"SELECT {select} FROM \"{table}\", "
        f"generate_series(%s, %s) AS g WHERE \"{table}\".id = %s",
        [start, start + count - 1, template_id],
    )


class Generator:
    """Delivered serials of one product to one customer, grown in place."""

    def __init__(self, env):
        self.env = env
        self.count = 0
        self.product = env["product.product"].create(
            {"name": "Bench Router", "type": "consu", "is_storable": True,
             "tracking": "serial"}
        )
        self.customer = env["res.partner"].create({"name": "Bench Customer", "is_company": True})
        lot = env["stock.lot"].create(
            {"name": "BENCH0000000", "product_id": self.product.id,
             "mac_address": "00:10:A7:00:00:00"}
        )
        stock = env.ref("stock.stock_location_stock")
        env["stock.quant"]._update_available_quantity(self.product, stock, 1, lot_id=lot)
        order = env["sale.order"].create(
            {"partner_id": self.customer.id,
             "order_line": [Command.create({"product_id": self.product.id})]}
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.move_line_ids.lot_id = lot
        picking.move_ids.picked = True
        picking.button_validate()
        self.template_move_line = picking.move_ids.move_line_ids
        self.template_move = picking.move_ids
        self.template_lot = lot
        self.count = 1
        env.flush_all()

    def grow_to(self, total):
        cr = self.env.cr
        start, count = self.count, total - self.count
        if count <= 0:
            return
        mac = (
            "'00:10:A7:' || substr(lpad(upper(to_hex(g)), 6, '0'), 1, 2) || ':' || "
            "substr(lpad(upper(to_hex(g)), 6, '0'), 3, 2) || ':' || "
            "substr(lpad(upper(to_hex(g)), 6, '0'), 5, 2)"
        )
        name = "'BENCH' || lpad(g::text, 7, '0')"
        # Deliveries spread over the last three years.
        when = "now() - mod(g, 1095) * interval '1 day'"
        clone(cr, "stock_lot", self.template_lot.id, count, start,
              {"name": name, "mac_address": mac})
        clone(cr, "stock_move", self.template_move.id, count, start,
              {"reference": name, "date": when})
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_map (g int, lot_id int, move_id int)"
        )
        cr.execute("TRUNCATE bench_map")
        cr.execute(
            "INSERT INTO bench_map SELECT substr(l.name, 6)::int, l.id, m.id "
            "FROM stock_lot l JOIN stock_move m ON m.reference = l.name "
            "WHERE l.name LIKE 'BENCH%%' AND substr(l.name, 6)::int >= %s",
            [start],
        )
        cr.execute(
            f"""INSERT INTO stock_move_line ({self._columns('stock_move_line')})
                SELECT {self._columns('stock_move_line', prefix='t.', overrides={
                    'lot_id': 'b.lot_id', 'move_id': 'b.move_id',
                    'date': "now() - mod(b.g, 1095) * interval '1 day'"})}
                FROM stock_move_line t, bench_map b WHERE t.id = %s""",
            [self.template_move_line.id],
        )
        self.count = total
        self.env.invalidate_all()
        cr.execute("ANALYZE stock_lot; ANALYZE stock_move; ANALYZE stock_move_line")

    def _columns(self, table, prefix="", overrides=None):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
            [table],
        )
        overrides = overrides or {}
        return ", ".join(
            overrides.get(c, f'{prefix}"{c}"') if prefix else f'"{c}"'
            for (c,) in self.env.cr.fetchall()
        )

    def sample_lots(self, k, seed):
        rng = random.Random(seed)
        names = [f"BENCH{rng.randrange(1, self.count):07d}" for _ in range(k)]
        return self.env["stock.lot"].search([("name", "in", names)])


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
                case = env["rma.unex.case"].create({"partner_id": generator.customer.id})
                env["rma.unex.unit"].create(
                    [{"case_id": case.id, "product_id": generator.product.id,
                      "lot_id": lot.id} for lot in lots]
                )
            units = case.unit_ids
            one_ms, one_q = measure(env, units[:1])
            many_ms, many_q = measure(env, units)
            mac_ms = measure_mac_search(env, lots)
            statuses = sorted(set(units.mapped("warranty_status")))
            rows.append((size, built, one_ms, one_q, many_ms, many_q, mac_ms,
                         explain(env, lots[0]), statuses))
        cr.rollback()

    print()
    print(f"Warranty lookup, rma_unex (median of {RUNS} runs, warm caches)")
    header = (f"{'delivered serials':>17} | {'1 unit ms':>9} | {'queries':>7} | "
              f"{f'{BATCH} units ms':>12} | {'queries':>7} | {'MAC search ms':>13}")
    print(header)
    print("-" * len(header))
    for size, _built, one_ms, one_q, many_ms, many_q, mac_ms, _plan, _s in rows:
        print(f"{size:>17,} | {one_ms:>9.1f} | {one_q:>7} | {many_ms:>12.1f} | "
              f"{many_q:>7} | {mac_ms:>13.2f}")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        print(f"{'ratio last/first':>17} | {last[2] / first[2]:>9.2f} | "
              f"{last[3] - first[3]:>+7} | {last[4] / first[4]:>12.2f} | "
              f"{last[5] - first[5]:>+7} | {last[6] / first[6]:>13.2f}")
    for size, built, *_rest, plan, statuses in rows:
        print(f"{size:,} serials: generated in {built:.1f}s; statuses {statuses}; "
              f"plan: {plan}")
    flat = len(rows) < 2 or rows[0][3] == rows[-1][3] and rows[0][5] == rows[-1][5]
    print("queries flat across sizes:", "yes" if flat else "NO")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
