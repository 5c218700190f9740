"""What the benchmark scripts share: an API key, JSON-RPC calls, one-line errors."""

import os
import re
import subprocess
from pathlib import Path

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
