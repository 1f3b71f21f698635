"""What every benchmark script shares: its command line and the registry of
the benchmark database."""

import argparse

import odoo


def arguments(doc, **options):
    """The parser of a benchmark: --config, --database, --json and
    ``options`` ({name: argparse keywords}, e.g. sizes={"default": "50,500"})."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    for name, keywords in options.items():
        parser.add_argument(f"--{name.replace('_', '-')}", **keywords)
    parser.add_argument("--json", help="write the figures to this file")
    return parser


def sizes(text):
    """[int] of a comma-separated list: "50,500"."""
    return [int(size) for size in text.split(",")]


def registry(args, http=False):
    """The registry of the benchmark database, Odoo configured from --config;
    ``http``: with the server-wide modules the HTTP requests need."""
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    if http:
        odoo.service.server.load_server_wide_modules()
    return odoo.modules.registry.Registry(args.database)
