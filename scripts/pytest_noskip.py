"""pytest plugin: a skipped test fails the run.

Odoo skips tests silently in ways that hide real breakage (HttpCase tours when
no browser is found, ``self.skipTest`` in unittest-style cases, pytest-odoo
skipping HttpCase without --odoo-http), so every skip must be explained.
A skip whose reason matches the regex in RMA_UNEX_ALLOWED_SKIPS (empty by
default) is tolerated. Loaded with ``-p pytest_noskip`` (scripts/ must be on
sys.path): a plugin rather than a root conftest.py, so it is independent of how
pytest-odoo rewrites addon test modules into ``odoo.addons.*``.

It also prints the summary of the role x screen walk at the end of the run.
"""

import os
import re
import sys

import pytest

ENV = "RMA_UNEX_ALLOWED_SKIPS"


def _reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = longrepr[2]
    else:
        reason = str(longrepr)
    return reason[len("Skipped: ") :] if reason.startswith("Skipped: ") else reason


class NoSkip:
    def __init__(self, allowed):
        self.allowed = re.compile(allowed) if allowed else None
        self.bad = []  # (nodeid, reason)
        self.tolerated = []

    def _record(self, report):
        if not report.skipped or hasattr(report, "wasxfail"):
            return
        reason = _reason(report)
        if self.allowed and self.allowed.search(reason):
            self.tolerated.append((report.nodeid, reason))
        else:
            self.bad.append((report.nodeid, reason))

    def pytest_runtest_logreport(self, report):
        self._record(report)

    def pytest_collectreport(self, report):
        # e.g. pytest.skip(allow_module_level=True) or a skipped test module
        self._record(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        # wrap_session returns session.exitstatus after this hook runs.
        if self.bad and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        # the role x screen walk's summary (rma_unex/tests/screens.py)
        screens = sys.modules.get("odoo.addons.rma_unex.tests.screens")
        if screens is not None and screens.SUMMARY:
            terminalreporter.section("screens walked, by role", sep="-")
            for line in screens.SUMMARY:
                terminalreporter.line(line)
        if self.tolerated:
            terminalreporter.section("skips allowed by " + ENV, sep="-")
            for nodeid, reason in self.tolerated:
                terminalreporter.line(f"{nodeid}: {reason}")
        if self.bad:
            terminalreporter.section(
                "SKIPPED TESTS FAIL THIS RUN", sep="=", red=True, bold=True
            )
            for nodeid, reason in self.bad:
                terminalreporter.line(f"SKIPPED {nodeid}: {reason}", red=True)
            terminalreporter.line(
                f"{len(self.bad)} test(s) skipped. Fix the cause, or allow the reason "
                f"with {ENV}=<regex> (currently {os.environ.get(ENV, '')!r})."
            )


def pytest_configure(config):
    config.pluginmanager.register(NoSkip(os.environ.get(ENV, "")), "rma_unex_noskip")
