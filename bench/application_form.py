"""RMA application form at 100 and 1,000 device rows: build, fill, read.

Run through ``make bench`` (scripts/bench.sh):

    python bench/application_form.py --config CONF --database DB [--sizes 100,1000]

A customer and as many serials (with MACs) as rows are made through the ORM,
sold and delivered to the customer on one sale order (so every row finds its
delivery and warranty); the customer's form is built, filled in with
openpyxl (one serial and MAC per row, as a customer would in Excel) and read
back with ``_read``, which checks the file and every row. Reported: build
time and file size, read time (median of 5 after a warm-up) and the SQL
queries of one read, from a cold cache.
Everything is rolled back.
"""

import io
import json
import statistics
import sys
import time

import common
from openpyxl import load_workbook

import odoo
from odoo import Command

RUNS = 5


def fill(content, size, lots):
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for number, lot in enumerate(lots[:size], start=7):
        sheet.cell(number, 1, lot.product_id.display_name)
        sheet.cell(number, 2, lot.name)
        sheet.cell(number, 3, lot.mac_address)
        sheet.cell(number, 4, "7.1.3")
        sheet.cell(number, 7, "No link after a firmware update")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def deliver(env, customer, lots):
    """Sell and deliver ``lots`` to ``customer`` on one order and transfer."""
    product = lots.product_id
    stock = env.ref("stock.stock_location_stock")
    for lot in lots:
        env["stock.quant"]._update_available_quantity(product, stock, 1, lot_id=lot)
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": len(lots)})
            ],
        }
    )
    order.action_confirm()
    picking = order.picking_ids
    move = picking.move_ids
    move.move_line_ids.unlink()
    move.write(
        {
            "move_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "quantity": 1,
                        "location_id": picking.location_id.id,
                        "location_dest_id": picking.location_dest_id.id,
                    }
                )
                for lot in lots
            ]
        }
    )
    move.picked = True
    picking.button_validate()
    assert picking.state == "done", picking.state


def measure(env, contact, content):
    Form = env["rma.unex.application.form"]
    timings = []
    for index in range(RUNS + 1):
        env.invalidate_all()
        before = env.cr.sql_log_count
        t0 = time.perf_counter()
        reading = Form._read(contact, "form.xlsx", content)
        elapsed = (time.perf_counter() - t0) * 1000
        queries = env.cr.sql_log_count - before
        assert not Form._error_text(reading), Form._error_text(reading)[:500]
        assert all(row.warranty for row in reading.rows), "a row without delivery"
        if index:
            timings.append(elapsed)
    return statistics.median(timings), queries, len(reading.rows)


def main():
    args = common.arguments(__doc__, sizes={"default": "100,1000"}).parse_args()
    sizes = common.sizes(args.sizes)
    rows = []
    with common.registry(args).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        product = env["product.product"].create(
            {
                "name": "Bench Form Router",
                "default_code": "BENCH-FORM",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        customer = env["res.partner"].create(
            {"name": "Form Customer", "is_company": True}
        )
        contact = env["res.partner"].create(
            {"name": "Form Contact", "parent_id": customer.id}
        )
        lots = env["stock.lot"].create(
            [
                {
                    "name": f"BENCHFORM{i:05d}",
                    "product_id": product.id,
                    "mac_address": f"00:01:A7:F0:{i // 256:02X}:{i % 256:02X}",
                }
                for i in range(max(sizes))
            ]
        )
        deliver(env, customer, lots)
        env.flush_all()
        Form = env["rma.unex.application.form"]
        for size in sizes:
            t0 = time.perf_counter()
            form = Form._build(contact)
            built = (time.perf_counter() - t0) * 1000
            content = fill(form, size, lots)
            ms, queries, read_rows = measure(env, contact, content)
            assert read_rows == size, (read_rows, size)
            rows.append((size, built, len(content) / 1024.0, ms, queries))
        cr.rollback()

    print()
    print(f"RMA application form, rma_unex (read: median of {RUNS}, cold cache)")
    header = (
        f"{'rows':>6} | {'build ms':>8} | {'file KB':>7} | {'read ms':>8} | "
        f"{'read queries':>12}"
    )
    print(header)
    print("-" * len(header))
    for size, built, kb, ms, queries in rows:
        print(f"{size:>6,} | {built:>8.0f} | {kb:>7.0f} | {ms:>8.0f} | {queries:>12}")
    flat = len({queries for *_rest, queries in rows}) == 1
    print("read queries equal at every size" if flat else "read queries GROW with rows")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"rows": rows}, out)
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
