"""Screenshots of the README's tour, from a running demo (make demo).

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8069]
        [--db rma_unex_demo] [--only NAME ...]

Logs in as each demo user of the tour (staff and portal customers), opens
each page in headless Chromium through the DevTools protocol and writes
1280-pixel-wide PNGs to docs/screenshots/. Records are found by what the
demo data put in them (state, customer), not by id.
"""

import argparse
import base64
import json
import pathlib
import socket
import subprocess
import tempfile
import time

import requests
import websocket

CASES = "/odoo/action-rma_unex.rma_unex_case_action"

# (file, login, path or (model, domain, path prefix): first matching record)
SHOTS = [
    ("staff-cases.png", "manager", CASES),
    (
        "staff-case-paid-repair.png",
        "sales",
        (
            "rma.unex.case",
            [("state", "=", "repair"), ("ticket_id", "!=", False)],
            CASES,
        ),
    ),
    (
        "staff-case-doa.png",
        "sales",
        (
            "rma.unex.case",
            [("state", "=", "closed"), ("unit_ids.warranty_status", "=", "doa")],
            CASES,
        ),
    ),
    ("staff-case-qc.png", "quality", ("rma.unex.case", [("state", "=", "qc")], CASES)),
    (
        "staff-ncr.png",
        "quality",
        (
            "rma.unex.ncr",
            [("state", "=", "closed")],
            "/odoo/action-rma_unex.rma_unex_ncr_action",
        ),
    ),
    (
        "staff-capa.png",
        "quality",
        (
            "rma.unex.capa",
            [("state", "=", "verification")],
            "/odoo/action-rma_unex.rma_unex_capa_action",
        ),
    ),
    (
        "staff-recall.png",
        "quality",
        ("rma.unex.recall", [], "/odoo/action-rma_unex.rma_unex_recall_action"),
    ),
    (
        "staff-rma-analysis.png",
        "manager",
        "/odoo/action-rma_unex.rma_unex_unit_report_action",
    ),
    (
        "staff-return-rate.png",
        "manager",
        "/odoo/action-rma_unex.rma_unex_return_rate_report_action",
    ),
    ("portal-rma-list.png", "lumen", "/my/rmas"),
    (
        "portal-rma-page.png",
        "lumen",
        ("rma.unex.case", [("state", "=", "quoted")], "/my/rmas"),
    ),
    ("portal-request-form.png", "lumen", "/my/support-requests/new"),
    ("portal-zh-rma-list.png", "formosa", "/my/rmas"),
]


class Demo:
    """JSON-RPC sessions on the demo database, one per login."""

    def __init__(self, base, db):
        self.base, self.db, self.sessions = base, db, {}

    def session(self, login):
        if login not in self.sessions:
            session = requests.Session()
            reply = session.post(
                f"{self.base}/web/session/authenticate",
                json={
                    "jsonrpc": "2.0",
                    "params": {"db": self.db, "login": login, "password": login},
                },
            ).json()
            if reply.get("error") or not reply.get("result", {}).get("uid"):
                raise SystemExit(
                    f"cannot log in as {login} on {self.db} at {self.base}"
                )
            self.sessions[login] = session
        return self.sessions[login]

    def first_id(self, model, domain):
        # The administrator finds the record; the page is opened as the tour's user.
        reply = (
            self.session("admin")
            .post(
                f"{self.base}/web/dataset/call_kw",
                json={
                    "jsonrpc": "2.0",
                    "params": {
                        "model": model,
                        "method": "search",
                        "args": [domain],
                        "kwargs": {"limit": 1, "order": "id"},
                    },
                },
            )
            .json()
        )
        ids = reply.get("result")
        if not ids:
            raise SystemExit(f"no {model} matches {domain}: is this the demo database?")
        return ids[0]

    def url(self, target):
        if isinstance(target, str):
            return self.base + target
        model, domain, prefix = target
        return f"{self.base}{prefix}/{self.first_id(model, domain)}"


class Chromium:
    """Headless Chromium driven over the DevTools protocol."""

    def __init__(self):
        with socket.socket() as probe:  # a free port: other browsers may be running
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tempfile.mkdtemp()}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        tabs = []
        for _attempt in range(50):
            try:
                tabs = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                break
            except requests.RequestException:
                time.sleep(0.2)
        tab = next(t for t in tabs if t["type"] == "page")
        self.ws = websocket.create_connection(tab["webSocketDebuggerUrl"])
        self.counter = iter(range(1, 10**6))
        self.call("Network.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=860,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method, **params):
        ident = next(self.counter)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                return message

    def shoot(self, url, session_id, host, path):
        # Only the user's session: no language cookie left by another user,
        # so each page shows in the user's own language.
        self.call("Network.clearBrowserCookies")
        self.call(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            domain=host,
            path="/",
        )
        self.call("Page.navigate", url=url)
        self.wait_until_rendered()
        data = self.call("Page.captureScreenshot", format="png")["result"]["data"]
        path.write_bytes(base64.b64decode(data))

    def wait_until_rendered(self, timeout=90):
        """The web client builds its view after the page loaded (and compiles
        the assets on the first visit): wait for a view with data."""
        ready = (
            "document.readyState === 'complete'"
            " && (!document.querySelector('.o_web_client')"
            " || (!!document.querySelector('.o_view_controller')"
            " && !document.querySelector('.o_view_nocontent, .o_loading_indicator')))"
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = self.call("Runtime.evaluate", expression=ready, returnByValue=True)
            if reply.get("result", {}).get("result", {}).get("value"):
                break
            time.sleep(0.5)
        time.sleep(1.5)  # fonts, charts and the chatter

    def close(self):
        self.process.terminate()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="rma_unex_demo")
    parser.add_argument(
        "--only", nargs="*", help="file names to refresh (default: all)"
    )
    args = parser.parse_args()
    demo = Demo(args.base, args.db)
    out = pathlib.Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    host = args.base.split("//", 1)[1].split(":")[0].split("/")[0]
    browser = Chromium()
    try:
        for name, login, target in SHOTS:
            if args.only and name not in args.only:
                continue
            url = demo.url(target)
            browser.shoot(
                url, demo.session(login).cookies["session_id"], host, out / name
            )
            print(out / name, "<-", login, url)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
