"""Screenshots of the README's tour, from a running demo (make demo).

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8069]
        [--db rma_unex_demo] [--only NAME ...] [--out docs/screenshots]

Logs in as each demo user of the tour (staff and portal customers), opens
each page in headless Chromium through the DevTools protocol and writes
1280-pixel-wide PNGs to docs/screenshots/, and the customer's pages also as
a phone shows them (375 CSS pixels wide, twice as many device pixels), named
``<name>-375.png``. Records are found by what the demo data put in them
(state, customer), not by id. A shot may type into its page and wait for the
answer (the support request form recognising a demo serial).
"""

import argparse
import base64
import json
import pathlib
import socket
import subprocess
import tempfile
import time
from typing import NamedTuple

import requests
import websocket

CASES = "/odoo/action-rma_unex.rma_unex_case_action"

# Lumen's paid repair whose quotation waits for Anna Berg's signature.
LUMEN_QUOTED = (
    "rma.unex.case",
    [("state", "=", "quoted"), ("contact_id.user_ids.login", "=", "lumen")],
    "/my/rmas",
)
# A router delivered to Lumen 40 days ago, in no case (demo data): the form
# recognises it and shows its warranty and the router's public bulletins.
RECOGNISE = """(() => {
    const row = document.querySelector(".rma_unex_device_row");
    const firmware = row.querySelector(".rma_unex_device_firmware");
    const serial = row.querySelector(".rma_unex_device_identity[name$='_serial']");
    firmware.value = "7.1.3";
    serial.value = "R7K26B00321";
    serial.dispatchEvent(new Event("change", { bubbles: true }));
})()"""
RECOGNISED = (
    "!!document.querySelector('.rma_unex_device_row .rma_unex_device_recognition')"
    "?.textContent.trim()"
)


class Shot(NamedTuple):
    """A screenshot: ``login`` None is the public visitor; ``target`` is a
    path or (model, domain, path prefix), the first matching record; ``run``
    is JavaScript to play once the page is rendered, ``until`` a JavaScript
    condition to wait for before the shot and ``scroll_to`` a selector to
    bring to the top of the screen."""

    name: str
    login: str | None
    target: str | tuple
    width: int = 1280
    run: str = ""
    until: str = ""
    scroll_to: str = ""


MOBILE = 375  # CSS pixels: the width of a small phone

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
    ("portal-rma-page.png", "lumen", LUMEN_QUOTED),
    ("portal-request-form.png", "lumen", "/my/support-requests/new"),
    ("portal-zh-rma-list.png", "formosa", "/my/rmas"),
]
SHOTS = [Shot(*shot) for shot in SHOTS] + [
    Shot("portal-process.png", None, "/rma"),
    Shot(
        "portal-request-form-recognised.png",
        "lumen",
        "/my/support-requests/new",
        run=RECOGNISE,
        until=RECOGNISED,
    ),
    # The customer's side on a phone.
    Shot("portal-process-375.png", None, "/rma", MOBILE),
    Shot(
        "portal-rma-page-375.png",
        "lumen",
        LUMEN_QUOTED,
        MOBILE,
        until="!!document.querySelector('#rma_next_action')",
    ),
    Shot(
        "portal-request-form-375.png",
        "lumen",
        "/my/support-requests/new",
        MOBILE,
        run=RECOGNISE,
        until=RECOGNISED,
        scroll_to=".rma_unex_device_row",
    ),
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

    def call(self, method, **params):
        ident = next(self.counter)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                return message

    def viewport(self, width):
        """A desktop window, or a phone (touch, twice the pixels) when narrow."""
        mobile = width < 768
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=812 if mobile else 860,
            deviceScaleFactor=2 if mobile else 1,
            mobile=mobile,
        )
        self.call("Emulation.setTouchEmulationEnabled", enabled=mobile)

    def shoot(self, shot, url, session_id, host, path):
        # Only the user's session (none for the public visitor): no language
        # cookie left by another user, so each page shows in the user's own
        # language.
        self.call("Network.clearBrowserCookies")
        if session_id:
            self.call(
                "Network.setCookie",
                name="session_id",
                value=session_id,
                domain=host,
                path="/",
            )
        self.viewport(shot.width)
        self.call("Page.navigate", url=url)
        self.wait_until_rendered()
        if shot.run:
            self.evaluate(shot.run)
        if shot.until and not self.wait_for(shot.until):
            raise SystemExit(f"{shot.name}: {url} never showed {shot.until}")
        if shot.scroll_to:
            self.evaluate(
                f"document.querySelector({json.dumps(shot.scroll_to)})"
                "?.scrollIntoView({block: 'start'})"
            )
            time.sleep(0.5)
        data = self.call("Page.captureScreenshot", format="png")["result"]["data"]
        path.write_bytes(base64.b64decode(data))

    def evaluate(self, expression):
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return reply.get("result", {}).get("result", {}).get("value")

    def wait_for(self, condition, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(condition):
                time.sleep(0.5)  # the rest of the answer: bulletins, product
                return True
            time.sleep(0.3)
        return False

    def wait_until_rendered(self, timeout=90):
        """The web client builds its view after the page loaded (and compiles
        the assets on the first visit): wait for a view with data."""
        ready = (
            "document.readyState === 'complete'"
            " && (!document.querySelector('.o_web_client')"
            " || (!!document.querySelector('.o_view_controller')"
            " && !document.querySelector('.o_view_nocontent, .o_loading_indicator')))"
        )
        self.wait_for(ready, timeout)
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
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path(__file__).resolve().parent.parent / "docs" / "screenshots",
        help="folder of the PNGs (default: docs/screenshots)",
    )
    args = parser.parse_args()
    demo = Demo(args.base, args.db)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    host = args.base.split("//", 1)[1].split(":")[0].split("/")[0]
    browser = Chromium()
    try:
        for shot in SHOTS:
            if args.only and shot.name not in args.only:
                continue
            url = demo.url(shot.target)
            session_id = shot.login and demo.session(shot.login).cookies["session_id"]
            browser.shoot(shot, url, session_id, host, out / shot.name)
            print(out / shot.name, "<-", shot.login or "public", url)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
