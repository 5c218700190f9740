"""What the benchmark scripts share: server access (API key, log-ins, JSON-RPC calls),
one-line errors, and the server's memory sampled while a step runs."""

import os
import re
import subprocess
import sys
import threading
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


class Caller:
    """``execute_kw`` as one user: ``caller(model, method, *args, **kwargs)``."""

    def __init__(self, session, url, db, uid, password):
        self.session, self.url, self.db = session, url, db
        self.uid, self.password = uid, password

    def __call__(self, model, method, *args, timeout=120, **kwargs):
        return jsonrpc(
            self.session,
            self.url,
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
            timeout=timeout,
        )


def server_roots(url):
    """The master processes of the server listening on the URL's port.

    With --workers, every process holds the listening socket and psutil names one of
    them, not necessarily the master: climb to the topmost Odoo process.
    """
    import psutil

    parsed = urlparse(url)
    if parsed.hostname not in ("localhost", "127.0.0.1", "::1"):
        return []
    port = parsed.port or 80
    pids = set()
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                pids.add(conn.pid)
    except psutil.AccessDenied:
        for proc in psutil.process_iter(["cmdline"]):
            if f"--http-port={port}" in " ".join(proc.info["cmdline"] or []):
                pids.add(proc.pid)
    roots = {}
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            parent = proc.parent()
            while parent is not None and "odoo-bin" in " ".join(parent.cmdline()):
                proc, parent = parent, parent.parent()
        except psutil.Error:
            continue
        roots[proc.pid] = proc
    return list(roots.values())


def server_processes(roots):
    """The masters and all their children (workers, cron, gevent, queue job runner),
    found again at each sample: the master replaces workers that hit their limits."""
    import psutil

    procs = {}
    for root in roots:
        try:
            for proc in [root, *root.children(recursive=True)]:
                procs[proc.pid] = proc
        except psutil.NoSuchProcess:
            pass
    return list(procs.values())


class MemorySampler:
    """Samples the server's processes every ``interval`` seconds, in a thread: the peak
    of their summed RSS (shared pages counted in every process), of their summed PSS
    (shared pages split between the processes) and of the largest process's RSS."""

    def __init__(self, url, interval=0.2):
        self.url = url
        self.interval = interval
        self.peak = self.peak_pss = self.peak_process = 0
        self.start_rss = self.start_pss = None
        self.processes = 0
        self._roots = []
        self._stop = threading.Event()
        self._thread = None

    def sample(self):
        import psutil

        total = pss = largest = 0
        procs = server_processes(self._roots)
        self.processes = max(self.processes, len(procs))
        for proc in procs:
            try:
                info = proc.memory_full_info()
            except psutil.AccessDenied:
                info = proc.memory_info()
            except psutil.NoSuchProcess:
                continue
            total += info.rss
            pss += getattr(info, "pss", info.rss)
            largest = max(largest, info.rss)
        self.peak = max(self.peak, total)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_process = max(self.peak_process, largest)
        return total, pss

    def __enter__(self):
        self._roots = server_roots(self.url)
        if self._roots:
            self.start_rss, self.start_pss = self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.interval):
            self.sample()

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.sample()
