"""Where the queries of a return go: one run of a flow of returns.py with
every SQL statement recorded, grouped by step, by the statement's kind and
table, and by the code that asked for it.

    python bench/profile_returns.py --config CONF --database DB
                                    [--flow rma_unex|rma|floor] [--returns 100]

Run on a database with rma_unex (and, for ``--flow rma``, OCA ``rma``)
installed without demo data, as ``make bench`` makes one: the data of
generator.py is grown to ``--serials`` delivered serials first, and
everything is rolled back at the end. For each step it
prints the queries per return of each (statement, table) and the addon
method that issued them: the innermost frame in an addon's ``models/``,
``wizards/`` or ``report/`` folder, rma_unex's first.
"""

import argparse
import collections
import functools
import re
import sys
import traceback
import types

import returns
from generator import Generator

import odoo
from odoo import sql_db

_STATEMENT = re.compile(
    r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH|SAVEPOINT|RELEASE|ROLLBACK"
    r"|LOCK|ALTER)\b",
    re.I,
)
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?([a-z_0-9]+)"?', re.I)


def statement(query):
    text = getattr(query, "code", query)  # odoo.tools.SQL
    text = text.decode() if isinstance(text, bytes) else str(text)
    kind = _STATEMENT.match(text)
    table = _TABLE.search(text)
    kind = kind.group(1).upper() if kind else text[:12]
    return f"{kind} {table.group(1) if table else ''}"


def caller():
    """The addon method that asked for the query."""
    frames = traceback.extract_stack()[:-3]
    fallback = None
    for frame in reversed(frames):
        path = frame.filename
        if "/rma_unex/" in path and "/bench/" not in path:
            return f"rma_unex/{path.split('/rma_unex/')[-1]}:{frame.name}"
        if fallback is None and re.search(
            r"/addons/[a-z_]+/(models|wizard|report)", path
        ):
            addon = re.search(r"/addons/([a-z_]+)/", path).group(1)
            fallback = f"{addon}:{frame.name}"
    return fallback or "odoo"


class Recorder:
    def __init__(self):
        self.step = None
        self.counts = collections.defaultdict(collections.Counter)
        self._execute = sql_db.Cursor.execute

    def __enter__(self):
        recorder = self

        def execute(cursor, query, params=None, log_exceptions=True):
            if recorder.step:
                key = (statement(query), caller())
                recorder.counts[recorder.step][key] += 1
            return recorder._execute(cursor, query, params, log_exceptions)

        sql_db.Cursor.execute = execute
        return self

    def __exit__(self, *exc):
        sql_db.Cursor.execute = self._execute


class ProfiledFlow:
    """Wraps a flow's _step to tell the recorder which step runs."""

    def __init__(self, flow, recorder):
        self.flow, self.recorder = flow, recorder
        step = flow._step

        def profiled_step(figures, name, func):
            recorder.step = name
            try:
                return step(figures, name, func)
            finally:
                recorder.step = None

        flow._step = profiled_step


def load_or_generate(env, serials):
    """The generator's data: made (and committed) on the first run, found
    again by name on the next ones, so that profiles compare."""
    product = env["product.product"].search([("name", "=", "Bench Router")], limit=1)
    if not product:
        generator = Generator(env)
        generator.grow_to(serials)
        generator.grow_world()
        env.cr.commit()
        return generator
    customers = env["res.partner"].search(
        [("name", "=like", "Bench Customer%"), ("is_company", "=", True)], order="id"
    )
    found = types.SimpleNamespace(env=env, product=product, customer_ids=customers.ids)
    found.lots = functools.partial(Generator.lots, found)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--flow", default="rma_unex", choices=["rma_unex", "rma", "floor"]
    )
    parser.add_argument("--returns", type=int, default=100)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--serials", type=int, default=1000)
    args = parser.parse_args()
    flow_class = {
        "rma_unex": returns.RmaUnexFlow,
        "rma": returns.OcaRmaFlow,
        "floor": returns.FloorFlow,
    }[args.flow]

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        generator = load_or_generate(env, args.serials)
        admin_env = env(user=env.ref("base.user_admin").id)
        n = args.returns
        lots = generator.lots(n).with_env(admin_env)
        # the customer the serials were delivered to (see suite.py)
        customers = env["res.partner"].browse([generator.customer_ids[0]] * n)
        flow = flow_class(
            admin_env,
            customers.with_env(admin_env),
            generator.product.with_env(admin_env),
        )
        flow.run(lots)  # warm-up
        recorder = Recorder()
        ProfiledFlow(flow, recorder)
        with recorder:
            figures = flow.run(lots)
        cr.rollback()
    for step in returns.STEPS:
        ms, queries = figures[step]
        print(
            f"\n== {args.flow} {step}: {queries / n:.1f} queries per return, "
            f"{ms:.0f} ms"
        )
        print(f"{'q/return':>8} | {'statement':<40} | code")
        for (stmt, code), count in recorder.counts[step].most_common(args.top):
            print(f"{count / n:>8.2f} | {stmt:<40} | {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
