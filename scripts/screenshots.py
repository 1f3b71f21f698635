"""Screenshots of the customer portal from a running demo (make demo).

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8069]

Logs in as the demo portal customer, opens each page in headless Chromium
through the DevTools protocol and writes PNGs to docs/screenshots/.
"""

import argparse
import base64
import json
import pathlib
import subprocess
import tempfile
import time

import requests
import websocket

PAGES = {
    "portal-rma-list.png": "/my/rmas",
    "portal-request-form.png": "/my/support-requests/new",
    "portal-rma-page.png": None,  # the first RMA of the list
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="rma_unex_demo")
    parser.add_argument("--login", default="lumen")
    args = parser.parse_args()
    session = requests.Session()
    session.post(f"{args.base}/web/session/authenticate", json={"jsonrpc": "2.0", "params": {
        "db": args.db, "login": args.login, "password": args.login}})
    listing = session.get(f"{args.base}/my/rmas").text
    first = listing.split('href="/my/rmas/', 1)[1].split('"', 1)[0]
    PAGES["portal-rma-page.png"] = f"/my/rmas/{first}"
    out = pathlib.Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    port = 9333
    chromium = subprocess.Popen([
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={port}",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tempfile.mkdtemp()}", "about:blank",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(50):
            try:
                tabs = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                break
            except requests.RequestException:
                time.sleep(0.2)
        tab = next(t for t in tabs if t["type"] == "page")
        ws = websocket.create_connection(tab["webSocketDebuggerUrl"])
        counter = iter(range(1, 10**6))

        def call(method, **params):
            ident = next(counter)
            ws.send(json.dumps({"id": ident, "method": method, "params": params}))
            while True:
                message = json.loads(ws.recv())
                if message.get("id") == ident:
                    return message

        host = args.base.split("//", 1)[1].split(":")[0]
        call("Network.enable")
        call("Network.setCookie", name="session_id", value=session.cookies["session_id"],
             domain=host, path="/")
        call("Emulation.setDeviceMetricsOverride", width=1280, height=860,
             deviceScaleFactor=1, mobile=False)
        for name, path in PAGES.items():
            call("Page.navigate", url=args.base + path)
            time.sleep(4)
            data = call("Page.captureScreenshot", format="png")["result"]["data"]
            (out / name).write_bytes(base64.b64decode(data))
            print(out / name)
    finally:
        chromium.terminate()


if __name__ == "__main__":
    main()
