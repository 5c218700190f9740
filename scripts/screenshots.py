"""Screenshots of the main screens, taken in headless Chromium from a running Odoo.

Called by ``scripts/screenshots`` (which starts Odoo on a fresh demo database); on its
own: ``python scripts/screenshots.py --url http://localhost:8069 --db iot_demo``.
It logs in as ``admin``, opens each screen of ``SCREENS`` (an Odoo URL, what to wait
for, optional clicks), and writes ``docs/screenshots/<name>.png``. It speaks the Chrome
DevTools protocol over ``websocket-client``, which Odoo's own test browser uses too.
"""

import argparse
import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# name, what it shows (the README's caption), path, what to wait for, clicks in order
# (each a selector, waited for, then clicked); "{device}" and "{invoice}" are ids of the
# demo data, looked up first.
SCREENS = [
    (
        "overview",
        "IoT > Overview: the fleet at a glance",
        "/odoo/action-iot_contract_billing.iot_overview_action",
        ".o_iot_overview .o_iot_card",
        [],
    ),
    (
        "devices",
        "IoT > Fleet > Connected Objects",
        "/odoo/action-iot_fleet.iot_device_action",
        ".o_list_view .o_data_row",
        [],
    ),
    (
        "device",
        "A device on a plan: its state, customer, contract and invoicing schedules",
        "/odoo/action-iot_fleet.iot_device_action/{device}",
        ".o_form_view .o_statusbar_status",
        [".o_notebook a[name=billing_schedules], .o_notebook .nav-link:contains(Invoicing)"],
    ),
    (
        "quarantine",
        "IoT > Usage > Quarantine: rejected usage with its reason, to fix and replay",
        "/odoo/action-iot_usage.iot_usage_rejection_action",
        ".o_list_view",
        [],
    ),
    (
        "usage_analysis",
        "Usage analysed per calculator and unit",
        "/odoo/action-iot_contract_billing.iot_usage_analysis_action",
        ".o_pivot, .o_graph_renderer, .o_list_view",
        [],
    ),
    (
        "billing_preview",
        "IoT > Billing > Start a Billing Run: the preview before anything is created",
        "/odoo/action-iot_contract_billing.iot_billing_run_wizard_action",
        ".modal button[name=action_preview]",
        [".modal button[name=action_preview]", ".modal div[name=preview_line_ids] .o_data_row"],
    ),
    (
        "invoice",
        "An invoice of a billing run: quantities in their units, and its fleet detail",
        "/odoo/action-account.action_move_out_invoice_type/{invoice}",
        ".o_form_view div[name=invoice_line_ids] .o_data_row",
        [],
    ),
    (
        "invoice_detail",
        "The invoice's Fleet Detail tab: each device's share of each line",
        "/odoo/action-account.action_move_out_invoice_type/{invoice}",
        ".o_form_view .o_notebook",
        [".o_notebook a[name=iot_detail]"],
    ),
    (
        "settings",
        "Settings > IoT",
        "/odoo/settings#iot_fleet",
        ".o_settings_container, .app_settings_block",
        [],
    ),
]


class Browser:
    """Headless Chromium driven over the DevTools protocol."""

    def __init__(self, width=1440, height=900):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            sys.exit("error: no chromium found: install Debian's chromium package")
        self.profile = tempfile.mkdtemp(prefix="iot-screens-")
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _attempt in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        page = next(target for target in pages if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.ids = itertools.count(1)

    def call(self, method, **params):
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=60):
        """Until an element matching ``selector`` (jQuery-like ``:contains`` allowed in
        the alternatives) is visible and no request is pending."""
        check = f"""(() => {{
            for (const sel of {json.dumps(selector.split(", "))}) {{
                const m = sel.match(/^(.*):contains\\((.*)\\)$/);
                const nodes = [...document.querySelectorAll(m ? m[1] : sel)]
                    .filter((n) => !m || n.textContent.includes(m[2]))
                    .filter((n) => n.offsetParent !== null);
                if (nodes.length) return true;
            }}
            return false;
        }})()"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(check):
                return
            time.sleep(0.25)
        raise TimeoutError(f"{selector} did not appear")

    def click(self, selector):
        self.wait_for(selector)
        self.evaluate(
            f"""(() => {{
            for (const sel of {json.dumps(selector.split(", "))}) {{
                const m = sel.match(/^(.*):contains\\((.*)\\)$/);
                const node = [...document.querySelectorAll(m ? m[1] : sel)]
                    .find((n) => (!m || n.textContent.includes(m[2])) && n.offsetParent !== null);
                if (node) {{ node.click(); return; }}
            }}
        }})()"""
        )

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def rpc(session, url, model, method, *args, **kwargs):
    response = session.post(
        f"{url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        },
        timeout=60,
    ).json()
    if "error" in response:
        raise RuntimeError(response["error"]["data"]["message"])
    return response["result"]


def demo_ids(session, url):
    """The demo records the screens show: a device on a contract, a run's invoice."""
    devices = rpc(
        session, url, "iot.device", "search", [("contract_line_id", "!=", False)], limit=1
    )
    runs = rpc(
        session,
        url,
        "iot.billing.run",
        "search_read",
        [("invoice_ids", "!=", False)],
        fields=["invoice_ids"],
        limit=1,
        order="id",
    )
    if not devices or not runs:
        sys.exit("error: the database has no device on a contract or no billed run (demo data?)")
    return {"device": devices[0], "invoice": runs[0]["invoice_ids"][0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="iot_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--only", nargs="*", help="names of the screens to take")
    args = parser.parse_args()

    session = requests.Session()
    login = session.post(
        f"{args.url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": args.db, "login": args.login, "password": args.password},
        },
        timeout=60,
    ).json()
    if login.get("error") or not login.get("result", {}).get("uid"):
        sys.exit(f"error: cannot log in to {args.db} at {args.url} as {args.login}")
    ids = demo_ids(session, args.url)

    OUT.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    failures = []
    try:
        browser.call("Network.enable")
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=args.url,
        )
        for name, caption, path, ready, clicks in SCREENS:
            if args.only and name not in args.only:
                continue
            try:
                browser.call("Page.navigate", url=args.url + path.format(**ids))
                browser.wait_for(ready)
                for selector in clicks:
                    browser.click(selector)
                time.sleep(1.5)  # animations, lazy images, charts
                browser.screenshot(OUT / f"{name}.png")
                print(f"{name}.png: {caption}")
            except (TimeoutError, RuntimeError) as exc:
                failures.append(f"{name}: {exc}")
    finally:
        browser.close()
    if failures:
        sys.exit("error: screens not taken:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    main()
