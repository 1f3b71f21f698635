#!/usr/bin/env python3
"""Plain file checks for pre-commit's local hooks, in the spirit of
pre-commit-hooks (check-xml, end-of-file-fixer, trailing-whitespace, ...)
without fetching it from the network at hook time. Report only: nothing is
rewritten unless --fix is given (the lint runs in a checkout others edit).

    python scripts/file_checks.py CHECK [--fix] FILE...

Checks: xml (well-formed), csv (header, same number of fields on every row),
eof (ends with exactly one newline), whitespace (no trailing blanks, no CRLF),
conflict (no merge conflict markers), debug (no pdb / breakpoint() left in
Python), shebang (executable files start with #!).
"""

import argparse
import ast
import csv
import os
import re
import sys
import xml.etree.ElementTree as ET

CONFLICT_RE = re.compile(rb"^(<<<<<<< |=======$|>>>>>>> )", re.MULTILINE)
DEBUG_MODULES = {"pdb", "ipdb", "pudb", "pdbpp", "wdb", "rpdb"}


def check_xml(path, data, fix):
    try:
        ET.fromstring(data)
    except ET.ParseError as error:
        return [f"not well-formed XML: {error}"]
    return []


def check_csv(path, data, fix):
    try:
        rows = list(csv.reader(data.decode("utf-8").splitlines()))
    except (UnicodeDecodeError, csv.Error) as error:
        return [f"unreadable CSV: {error}"]
    if not rows or not all(name.strip() for name in rows[0]):
        return ["the first line must name every column"]
    if len(set(rows[0])) != len(rows[0]):
        return ["a column name appears twice in the header"]
    return [
        f"line {n}: {len(row)} fields, the header has {len(rows[0])}"
        for n, row in enumerate(rows[1:], 2)
        if row and len(row) != len(rows[0])
    ]


def check_eof(path, data, fix):
    if not data or (data.endswith(b"\n") and not data.endswith(b"\n\n")):
        return []
    if fix:
        with open(path, "wb") as f:
            f.write(data.rstrip(b"\r\n") + b"\n")
        return [] if data.strip() else ["empty except for blank lines"]
    return ["must end with exactly one newline"]


def check_whitespace(path, data, fix):
    problems = []
    lines = data.split(b"\n")
    for n, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            problems.append(f"line {n}: CRLF line ending")
        elif line != line.rstrip():
            problems.append(f"line {n}: trailing whitespace")
    if problems and fix:
        with open(path, "wb") as f:
            f.write(b"\n".join(line.rstrip() for line in lines))
        return []
    return problems


def check_conflict(path, data, fix):
    return [
        "line {}: merge conflict marker".format(data.count(b"\n", 0, mo.start()) + 1)
        for mo in CONFLICT_RE.finditer(data)
    ]


def check_debug(path, data, fix):
    try:
        tree = ast.parse(data, filename=path)
    except SyntaxError as error:
        return [f"syntax error: {error}"]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "breakpoint"
        ):
            names = ["breakpoint()"]
        else:
            continue
        for name in names:
            if name.split(".")[0] in DEBUG_MODULES or name == "breakpoint()":
                problems.append(f"line {node.lineno}: debugger left in: {name}")
    return problems


def check_shebang(path, data, fix):
    if os.access(path, os.X_OK) and not data.startswith(b"#!"):
        return ["executable but no #! line: chmod -x it or add one"]
    return []


CHECKS = {
    "xml": check_xml,
    "csv": check_csv,
    "eof": check_eof,
    "whitespace": check_whitespace,
    "conflict": check_conflict,
    "debug": check_debug,
    "shebang": check_shebang,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=sorted(CHECKS))
    parser.add_argument("--fix", action="store_true", help="rewrite what can be")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    rc = 0
    for path in args.files:
        with open(path, "rb") as f:
            data = f.read()
        for problem in CHECKS[args.check](path, data, args.fix):
            print(f"{path}: {problem}")
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
