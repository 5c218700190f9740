"""What the benchmark scripts share: an API key, JSON-RPC calls, one-line errors."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    """A failure to report in one line, without a traceback."""


def gateway_key(db, name):
    """``(login, key)`` of a new API key for the gateway ``name`` in database ``db``."""
    try:
        out = subprocess.run(
            [str(ROOT / "scripts" / "api-key"), name],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, IOT_DB=db),
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise BenchError(f"./scripts/api-key failed: {exc.stderr.strip()[-500:]}") from None
    login = re.search(r"Integration user: (\S+)", out).group(1)
    key = re.search(r"API key \(shown once\): (\S+)", out).group(1)
    return login, key


def jsonrpc(session, url, service, method, *args, timeout=120):
    response = session.post(
        f"{url}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"service": service, "method": method, "args": list(args)},
        },
        timeout=timeout,
    )
    if response.status_code != 200:
        raise BenchError(f"/jsonrpc {method}: HTTP {response.status_code} {response.text[:300]}")
    body = response.json()
    if "error" in body:
        message = body["error"]["data"]["message"].strip().splitlines()
        raise BenchError(f"/jsonrpc {method}: {message[-1] if message else body['error']}")
    return body["result"]


def verdict(ok):
    return "met" if ok else "MISSED"


def add_access_arguments(parser):
    """The options every benchmark takes to reach the server as a gateway and as admin."""
    parser.add_argument("--login", help="the gateway user of --key")
    parser.add_argument("--key", help="an API key (else one is made with ./scripts/api-key)")
    parser.add_argument("--admin-login", default="admin")
    parser.add_argument("--admin-password", default="admin")


def run_main(run_bench, args):
    """Run the benchmark; a failure ends it with one line, not a traceback."""
    try:
        run_bench(args)
    except BenchError as exc:
        sys.exit(f"error: {exc}")
    except requests.ConnectionError:
        sys.exit(f"error: the server at {args.url} stopped answering")
    except requests.Timeout:
        sys.exit(f"error: the server at {args.url} did not answer in time")


class Access(NamedTuple):
    url: str
    session: requests.Session
    login: str
    key: str
    uid: int  # the gateway's
    admin_uid: int


def connect(args, server_options=""):
    """Check the server answers, then log in with the gateway key (made when not given)
    and as admin. ``server_options`` complete the ./scripts/run hint when it does not."""
    url = args.url.rstrip("/")
    session = requests.Session()
    try:
        session.get(f"{url}/web/login", timeout=10)
    except requests.RequestException:
        port = urlparse(url).port or 80
        raise BenchError(
            f"no server at {url}: start one with "
            f"IOT_DB={args.db} ./scripts/run --port {port}{server_options}"
        ) from None
    login, key = (args.login, args.key) if args.key else gateway_key(args.db, "bench")
    uid = jsonrpc(session, url, "common", "authenticate", args.db, login, key, {})
    if not uid:
        raise BenchError(f"the key does not authenticate {login} on {args.db}")
    admin_uid = jsonrpc(
        session, url, "common", "authenticate", args.db, args.admin_login, args.admin_password, {}
    )
    if not admin_uid:
        raise BenchError(f"{args.admin_login} cannot log in to {args.db} (--admin-password)")
    return Access(url, session, login, key, uid, admin_uid)
