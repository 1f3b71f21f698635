"""One table of the figures written by suite.py and register_xlsx.py.

    python bench/table.py SUITE_JSON [REGISTER_JSON]

Prints, for the smallest and the largest size, the time and the SQL queries
of each measure with their ratio, the side-by-side returns with OCA rma and
the floor (bare Odoo), and the xlsx register; then checks the targets of the
benchmarks (issues #7 and #16) and exits non-zero if one is missed.
"""

import json
import sys

MEASURES = (
    ("warranty_1", "warranty lookup, 1 unit"),
    ("warranty_50", "warranty lookup, 50 units"),
    ("portal_list", "portal list /my/rmas"),
    ("portal_list_p5", "portal list, page 5"),
    ("portal_case", "portal case page"),
    ("case_form", "case form load (web_read)"),
    ("recognition_own", "serial recognition, own serial"),
    ("recognition_other", "serial recognition, another's"),
    ("process_public", "process page /rma, visitor"),
    ("process_portal", "process page /rma, customer"),
    ("home_counters", "portal home RMA counters"),
)


def figures(row, key):
    value = row[key]
    return tuple(value["total"]) if isinstance(value, dict) else tuple(value)


def target(unex, oca, floor):
    """The bound on rma_unex's figure: half of OCA rma's, or 1.25 times the
    floor's when the floor itself costs more than half of OCA's (issue #16)."""
    if floor > 0.5 * oca:
        return 1.25 * floor, "1.25x floor"
    return 0.5 * oca, "0.5x OCA"


def side_by_side(row, addons, ns):
    """The returns table of one size, with the floor; the targets it misses."""
    missed = []
    print()
    print(
        f"Returns side by side at {row['size']:,} serials: create + confirm/authorise"
        " + receive, same customers, product and serials"
    )
    header = (
        f"{'returns':>7} | {'rma_unex ms':>11} | {'q/ret':>5} | {'OCA rma ms':>10} | "
        f"{'q/ret':>5} | {'floor ms':>8} | {'q/ret':>5} | {'time/OCA':>8} | "
        f"{'q/OCA':>5} | {'time/floor':>10} | {'q/floor':>7}"
    )
    print(header)
    print("-" * len(header))
    for n in ns:
        unex, oca, floor = (figures(row, f"{addon}_{n}") for addon in addons)
        print(
            f"{n:>7} | {unex[0]:>11.0f} | {unex[1] / n:>5.1f} | {oca[0]:>10.0f} | "
            f"{oca[1] / n:>5.1f} | {floor[0]:>8.0f} | {floor[1] / n:>5.1f} | "
            f"{unex[0] / oca[0]:>8.2f} | {unex[1] / oca[1]:>5.2f} | "
            f"{unex[0] / floor[0]:>10.2f} | {unex[1] / floor[1]:>7.2f}"
        )
        for index, what in ((0, "time"), (1, "queries")):
            bound, rule = target(unex[index], oca[index], floor[index])
            if unex[index] > bound:
                missed.append(
                    f"{row['size']:,} serials, {n} returns: rma_unex {what} "
                    f"{unex[index]:.0f} above {rule} ({bound:.0f})"
                )
    mails = row.get("mails")
    if mails:
        n = row["mails_n"]
        print(
            f"authorisation e-mails with their PDF, sent by the background job: "
            f"{n} cases in {mails[0]:.0f} ms, {mails[1] / n:.1f} queries per case"
        )
    return missed


def main(argv):
    suite = json.load(open(argv[0], encoding="utf-8"))
    register = (
        json.load(open(argv[1], encoding="utf-8")) if argv[1:] and argv[1] else None
    )
    rows, addons, ns = suite["rows"], suite["addons"], suite["returns"]
    small, large = rows[0], rows[-1]
    missed = []

    print()
    print("=" * 96)
    print(
        f"rma_unex benchmarks: {small['size']:,} vs {large['size']:,} "
        "delivered serials "
        f"({small['cases']:,} vs {large['cases']:,} cases)"
    )
    print("=" * 96)
    header = (
        f"{'measure':<34} | {'ms small':>9} | {'ms large':>9} | {'x time':>6} | "
        f"{'q small':>7} | {'q large':>7} | {'per case':>8}"
    )
    print(header)
    print("-" * len(header))
    for key, label in MEASURES:
        (ms_s, q_s), (ms_l, q_l) = figures(small, key), figures(large, key)
        print(
            f"{label:<34} | {ms_s:>9.1f} | {ms_l:>9.1f} | {ms_l / ms_s:>6.2f} | "
            f"{q_s:>7} | {q_l:>7} |"
        )
        if q_s != q_l:
            missed.append(
                f"{label}: {q_s} queries at the small size, {q_l} at the large"
            )
    for n in ns:
        key = f"rma_unex_{n}"
        (ms_s, q_s), (ms_l, q_l) = figures(small, key), figures(large, key)
        print(
            f"{f'authorise + receive, {n} cases':<34} | {ms_s:>9.1f} | {ms_l:>9.1f} | "
            f"{ms_l / ms_s:>6.2f} | {q_s:>7} | {q_l:>7} | {q_l / n:>8.1f}"
        )
    per_case = {n: figures(large, f"rma_unex_{n}")[1] / n for n in ns}
    if len(ns) > 1 and per_case[ns[-1]] > per_case[ns[0]]:
        missed.append(
            f"queries per case grow from {per_case[ns[0]]:.1f} ({ns[0]} cases) "
            f"to {per_case[ns[-1]]:.1f} ({ns[-1]} cases)"
        )

    if addons == ["rma_unex", "rma", "floor"]:
        for row in (small, large) if small is not large else (large,):
            missed += side_by_side(row, addons, ns)

    if register:
        print()
        print(
            f"{'xlsx register rows':>18} | {'seconds':>7} | "
            f"{'peak RSS growth MB':>18} | "
            f"{'file MB':>7}"
        )
        for size, elapsed, peak, mb in register["rows"]:
            print(f"{size:>18,} | {elapsed:>7.1f} | {peak:>18.1f} | {mb:>7.1f}")

    print()
    if missed:
        print("Targets missed:")
        for line in missed:
            print(f"- {line}")
        return 1
    print(
        "Targets met: lookup and page queries equal at both sizes; queries per case "
        "flat; rma_unex within half of OCA rma (or 1.25x the floor where the "
        "floor costs more than half of OCA rma)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
