"""The scheduled actions on 10,000 due records each, batch by batch.

Run through ``make bench`` (scripts/bench.sh):

    python bench/cron_batches.py --config CONF --database DB [--size 10000]
        [--json FILE]

For each kind of work of the crons (issue #16) one due record is made through
the real flows (ORM): an authorised case waiting for its goods, a quoted case
with its quotation, a case whose replacement shipped in advance, a submitted
support request; it is then cloned ``--size`` times with INSERT ... SELECT
(cases, units, serials with their stock in the RMA location, quotations,
tickets) and made due. The cron is then run as ir.cron runs it, one call
after the other while it reports records remaining: its server action with a
progress record in the context, then what a commit does (flush, the chatter
tracking, an empty cache) without committing. Reported per kind of work:
records, batches, seconds, SQL queries per record; each record is checked to
have been handled once (one message, activity or order each). Before each
measure the cron is run until nothing is due (demo data, earlier kinds).
Everything is rolled back.
"""

import json
import sys
import time

import common
from generator import table_columns

import odoo
from odoo import Command

CRONS = {
    "authorisation": "rma_unex.ir_cron_rma_authorisation_validity",
    "quotation": "rma_unex.ir_cron_rma_quotation_expiry",
    "custody": "rma_unex.ir_cron_rma_custody_limit",
    "advance": "rma_unex.ir_cron_rma_advance_replacements",
    "ticket_warning": "rma_unex.ir_cron_rma_response_warning_tickets",
    "case_warning": "rma_unex.ir_cron_rma_response_warning_cases",
}
# At most this many calls per measure (the largest batch size is 200).
MAX_CALLS = 1000


def clone_rows(cr, table, template_id, count, mapped=None, overrides=None):
    """``count`` copies of row ``template_id`` of ``table``; ``mapped``
    ({column: list of ``count`` ids}) gives the n-th copy the n-th id;
    ``overrides`` ({column: SQL}) may use the template row ``t`` and the
    copy's number ``m.g`` (1..count). Returns the new ids, in order."""
    mapped = mapped or {"_n": list(range(count))}
    overrides = overrides or {}
    columns = table_columns(cr, table)
    select = ", ".join(
        f'm."{c}"' if c in mapped else overrides.get(c, f't."{c}"') for c in columns
    )
    names = ", ".join(f'"{c}"' for c in columns)
    arrays = ", ".join("%s::int[]" for _c in mapped)
    aliases = ", ".join(f'"{c}"' for c in mapped)
    cr.execute(
        f'INSERT INTO "{table}" ({names}) '  # noqa: S608 - names from the catalog
        f'SELECT {select} FROM "{table}" t, unnest({arrays}) '
        f"WITH ORDINALITY AS m({aliases}, g) WHERE t.id = %s ORDER BY m.g "
        "RETURNING id",
        [*mapped.values(), template_id],
    )
    return [row[0] for row in cr.fetchall()]


class Bench:
    def __init__(self, env, size):
        self.env = env
        self.size = size
        self.rows = []
        env.company.email = env.company.email or "service@bench.example"
        admin = env.ref("base.user_admin")
        admin.email = admin.email or "admin@bench.example"
        self.sales = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bench Sales",
                    "login": "bench_cron_sales",
                    "email": "sales@bench.example",
                    "groups_id": [
                        Command.link(env.ref("rma_unex.rma_unex_group_sales").id)
                    ],
                }
            )
        )
        self.customer = env["res.partner"].create(
            {
                "name": "Cron Customer",
                "is_company": True,
                "user_id": self.sales.id,
                "rma_advance_replacement": True,
            }
        )
        self.contact = env["res.partner"].create(
            {
                "name": "Cora Contact",
                "parent_id": self.customer.id,
                "email": "cora@customer.example",
            }
        )
        self.product = env["product.product"].create(
            {
                "name": "Cron Router",
                "default_code": "CRON-RTR",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 300.0,
            }
        )
        self.serial = 0
        env.company.rma_advance_cap = 10
        self.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )

    # Templates, through the real flows ----------------------------------

    def lots(self, count, stocked=False):
        lots = self.env["stock.lot"].create(
            [
                {"name": f"CRONB{self.serial + i:07d}", "product_id": self.product.id}
                for i in range(count)
            ]
        )
        self.serial += count
        for lot in lots if stocked else ():
            self.env["stock.quant"]._update_available_quantity(
                self.product, self.warehouse.lot_stock_id, 1, lot_id=lot
            )
        return lots

    def authorised_case(self):
        case = self.env["rma.unex.case"].create(
            {
                "partner_id": self.customer.id,
                "contact_id": self.contact.id,
                "unit_ids": [
                    Command.create(
                        {"product_id": self.product.id, "lot_id": self.lots(1).id}
                    )
                ],
            }
        )
        if case.needs_charge_agreement:
            case._record_charge_agreement(self.contact, "email")
        case.action_authorise()
        return case

    def validate(self, picking):
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        assert picking.state == "done", picking.state

    def quoted_case(self):
        case = self.authorised_case()
        self.validate(case.picking_ids)
        case.action_start_evaluation()
        category = self.env.ref("rma_unex.failure_category_component")
        case.unit_ids._record_fa("Shorted DC-DC converter", "U12", category)
        case.unit_ids._decide("paid_repair", "customer pays")
        case.action_send_quotation()
        return case

    def advance_case(self):
        self.lots(1, stocked=True)
        case = self.authorised_case()
        case.action_advance_replacement()
        self.validate(
            case.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        )
        assert case.unit_ids.advance_shipped_date
        return case

    # Clones ---------------------------------------------------------------

    def clone(self, table, template_id, mapped=None, overrides=None):
        """``size`` copies of a row made through the ORM (its writes flushed)."""
        self.env.flush_all()
        return clone_rows(self.env.cr, table, template_id, self.size, mapped, overrides)

    def clone_cases(self, template, tag, overrides, lots=None, unit_overrides=None):
        """``size`` copies of ``template`` and its unit (on ``lots`` if given)."""
        case_ids = self.clone(
            "rma_unex_case",
            template.id,
            overrides={
                "name": f"'BC{tag}' || lpad(m.g::text, 7, '0')",
                "access_token": "md5(m.g::text || random())",
                "response_deadline": "NULL",
                **overrides,
            },
        )
        mapped = {"case_id": case_ids}
        if lots:
            mapped.update(lot_id=lots, received_lot_id=lots)
        self.clone("rma_unex_unit", template.unit_ids.id, mapped, unit_overrides)
        return case_ids

    def clone_lots_in_rma_location(self, lot):
        """``size`` new serials, each with its unit in the RMA location."""
        lot_ids = self.clone(
            "stock_lot",
            lot.id,
            overrides={"name": "t.name || '-' || m.g"},
        )
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("quantity", ">", 0)]
        )
        assert quant.location_id == self.warehouse.rma_location_id, quant.location_id
        self.clone("stock_quant", quant.id, {"lot_id": lot_ids})
        return lot_ids

    def analyze(self):
        self.env.flush_all()
        self.env.invalidate_all()
        self.env.cr.execute(
            "ANALYZE rma_unex_case; ANALYZE rma_unex_unit; ANALYZE sale_order; "
            "ANALYZE helpdesk_ticket; ANALYZE stock_lot; ANALYZE stock_quant"
        )

    # Running a cron as ir.cron does ----------------------------------------

    def call(self, cron):
        """One call of the cron's server action, then what its commit does."""
        cron, progress = cron._add_progress()
        self.env["ir.actions.server"].with_context(cron.env.context).browse(
            cron.ir_actions_server_id.id
        ).run()
        self.env.cr.flush()  # the ORM's writes and the chatter tracking
        self.env.invalidate_all()
        return progress.done, progress.remaining

    def drain(self, key):
        cron = self.env.ref(CRONS[key])
        for _call in range(MAX_CALLS):
            if not self.call(cron)[1]:
                return
        raise AssertionError(f"{key}: never finished")

    def measure(self, key, label, expected):
        """Run the cron until nothing remains; one row of the table."""
        self.analyze()
        cron = self.env.ref(CRONS[key])
        cr = self.env.cr
        before, t0 = cr.sql_log_count, time.perf_counter()
        done = batches = 0
        for _call in range(MAX_CALLS):
            handled, remaining = self.call(cron)
            done += handled
            batches += bool(handled)
            if not remaining:
                break
        seconds = time.perf_counter() - t0
        queries = cr.sql_log_count - before
        assert done == expected, (label, done, expected)
        self.rows.append(
            {
                "measure": label,
                "records": done,
                "batches": batches,
                "seconds": seconds,
                "queries_per_record": queries / max(done, 1),
            }
        )
        print(f"  {label}: {done:,} in {batches} batches, {seconds:.1f} s", flush=True)

    def assert_once(self, model, ids, text):
        """Exactly one chatter message containing ``text`` on each record."""
        self.env.cr.execute(
            "SELECT count(*), count(DISTINCT res_id) FROM mail_message "
            "WHERE model = %s AND res_id = ANY(%s) "
            "AND (subject ILIKE %s OR body::text ILIKE %s)",
            [model, ids, f"%{text}%", f"%{text}%"],
        )
        assert self.env.cr.fetchone() == (len(ids), len(ids)), (model, text)

    # The kinds of work ----------------------------------------------------

    def authorisation(self):
        self.drain("authorisation")
        case_ids = self.clone_cases(
            self.authorised_case(),
            "A",
            {"date_authorised": "now() at time zone 'UTC' - interval '40 days'"},
        )
        self.measure("authorisation", "authorisation reminder (M2)", self.size)
        self.assert_once("rma.unex.case", case_ids, "not received your units")
        self.env.cr.execute(
            "UPDATE rma_unex_case SET authorisation_reminder_date = "
            "authorisation_reminder_date - interval '8 days' WHERE id = ANY(%s)",
            [case_ids],
        )
        self.measure("authorisation", "authorisation expiry (M2)", self.size)
        self.assert_once("rma.unex.case", case_ids, "Authorisation expired")

    def quotation_and_custody(self):
        self.drain("quotation")
        self.drain("custody")
        template = self.quoted_case()
        lot_ids = self.clone_lots_in_rma_location(template.unit_ids.lot_id)
        case_ids = self.clone_cases(template, "Q", {}, lots=lot_ids)
        order_ids = self.clone(
            "sale_order",
            template.sale_order_ids.id,
            {"rma_case_id": case_ids},
            {
                "name": "'BQ' || lpad(m.g::text, 7, '0')",
                "access_token": "md5(m.g::text || random())",
                "validity_date": "current_date - 1",
            },
        )
        self.measure("quotation", "quotation expiry (P4.5)", self.size)
        self.assert_once("sale.order", order_ids, "Quotation expired on")
        self.env.cr.execute(
            "UPDATE sale_order SET rma_lapsed_on = rma_lapsed_on - 31 "
            "WHERE id = ANY(%s);"
            "UPDATE rma_unex_case SET custody_limit_date = custody_limit_date - 31 "
            "WHERE id = ANY(%s)",
            [order_ids, case_ids],
        )
        self.measure("custody", "custody limit (M5)", self.size)
        self.assert_once("rma.unex.case", case_ids, "returned unrepaired")

    def advance(self):
        template = self.advance_case()
        self.drain("advance")  # the template's own reminder too
        case_ids = self.clone_cases(
            template, "V", {}, unit_overrides={"advance_reminder_date": "NULL"}
        )
        self.measure("advance", "advance replacement reminder (M6)", self.size)
        self.assert_once("rma.unex.case", case_ids, "Reminder: please send back")
        self.env.cr.execute(
            "UPDATE rma_unex_unit SET advance_due_date = current_date - 1 "
            "WHERE case_id = ANY(%s)",
            [case_ids],
        )
        self.measure("advance", "advance replacement invoice (M6)", self.size)
        self.assert_once("rma.unex.case", case_ids, "invoiced at list price on")

    def response_warnings(self):
        soon = "now() at time zone 'UTC' + interval '1 hour'"
        due = {
            "response_deadline": soon,
            "first_response_date": "NULL",
            "response_result": "NULL",
            "response_warning_sent": "false",
            "user_id": str(self.sales.id),
        }
        self.drain("ticket_warning")
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Radio dead",
                "description": "<p>The 6 GHz radio stopped.</p>",
                "partner_id": self.contact.id,
            }
        )
        self.clone(
            "helpdesk_ticket",
            ticket.id,
            overrides={"number": "'BW' || lpad(m.g::text, 7, '0')", **due},
        )
        self.measure(
            "ticket_warning", "first-response warning, tickets (P1.5)", self.size
        )
        self.drain("case_warning")
        self.clone_cases(self.authorised_case(), "W", due)
        self.measure("case_warning", "first-response warning, cases (P1.5)", self.size)


def print_table(rows, size, batch):
    print()
    print(f"Scheduled actions, {size:,} due records each, batches of {batch}")
    header = (
        f"{'kind of work':<42} | {'records':>7} | {'batches':>7} | "
        f"{'seconds':>7} | {'queries/record':>14}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['measure']:<42} | {row['records']:>7,} | {row['batches']:>7} | "
            f"{row['seconds']:>7.1f} | {row['queries_per_record']:>14.1f}"
        )


def main():
    args = common.arguments(__doc__, size={"type": int, "default": 10000}).parse_args()
    with common.registry(args).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        batch = env["rma.unex.cron.batch"]._batch_size()
        bench = Bench(env, args.size)
        print(f"Scheduled actions on {args.size:,} due records each:", flush=True)
        bench.authorisation()
        bench.quotation_and_custody()
        bench.advance()
        bench.response_warnings()
        cr.rollback()

    print_table(bench.rows, args.size, batch)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"size": args.size, "batch": batch, "rows": bench.rows}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
