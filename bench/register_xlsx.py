"""XLSX register at scale: time and peak memory for 10k and 100k rows.

Run through ``make bench`` (scripts/bench.sh):

    python bench/register_xlsx.py --config CONF --database DB [--sizes 10000,100000]

One case with one unit is made through the ORM, then its unit is cloned with
SQL into as many units (rows) as needed. Peak memory is the process's
resident-set high-water mark growth (``ru_maxrss``) while rendering.
"""

import json
import resource
import sys
import time

import common
from generator import clone  # noqa: E402 - same folder

import odoo
from odoo import Command


def main():
    args = common.arguments(__doc__, sizes={"default": "10000,100000"}).parse_args()
    sizes = common.sizes(args.sizes)
    rows = []
    with common.registry(args).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        product = env["product.product"].create(
            {"name": "Bench Module", "type": "consu"}
        )
        customer = env["res.partner"].create(
            {"name": "Register Customer", "is_company": True}
        )
        case = env["rma.unex.case"].create(
            {
                "partner_id": customer.id,
                "unit_ids": [Command.create({"product_id": product.id})],
            }
        )
        template = case.unit_ids
        env.flush_all()
        count = 1
        report = env["ir.actions.report"]._get_report_from_name(
            "rma_unex.rma_register_xlsx"
        )
        for size in sizes:
            clone(cr, "rma_unex_unit", template.id, size - count, count, {})
            count = size
            env.invalidate_all()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t0 = time.perf_counter()
            content, _kind = report.with_context(
                active_model="rma.unex.case"
            )._render_xlsx(report.report_name, case.ids, {})
            elapsed = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
            rows.append((size, elapsed, peak / 1024.0, len(content) / 1024.0 / 1024.0))
        cr.rollback()

    print()
    print("XLSX register, rma_unex (one render per size)")
    header = f"{'rows':>9} | {'seconds':>8} | {'RSS growth MB':>13} | {'file MB':>7}"
    print(header)
    print("-" * len(header))
    for size, elapsed, peak, mb in rows:
        print(f"{size:>9,} | {elapsed:>8.1f} | {peak:>13.1f} | {mb:>7.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"rows": rows}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
