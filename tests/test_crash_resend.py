"""A kill -9 of the server in the middle of a usage batch and of an upload job, then a
resend: the stored count is exact (issue #8).

These tests run a real Odoo server as a subprocess, with its own committed transactions
and queue_job's job runner, on a copy of the test database that ``./scripts/test`` makes
for them (``IOT_CRASH_DB``); they are skipped without it. The server is killed with
SIGKILL, as a crash or the OOM killer would, restarted, and the feed is sent again.
"""

import contextlib
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests

odoo = pytest.importorskip("odoo")

CRASH_DB = os.environ.get("IOT_CRASH_DB")
pytestmark = pytest.mark.skipif(
    not CRASH_DB, reason="IOT_CRASH_DB is not set: run through ./scripts/test"
)

API = "/iot/api/v1"
BATCH_RECORDS = 10_000
# Over the 512 KB that the upload processes at once, so that a queue job reads it, and
# long enough (8 chunks of 5,000 rows) for the kill to land while the job runs.
UPLOAD_ROWS = 40_000
START_TIMEOUT = 120
JOB_TIMEOUT = 150


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout, what, interval=0.05):
    """Poll ``condition`` until it returns a true value (returned), or fail after
    ``timeout`` seconds saying ``what`` (a text, or a function that writes it then) did
    not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what() if callable(what) else what}: not within {timeout} s")
        time.sleep(interval)


def odoo_command():
    odoo_bin = os.environ.get("ODOO_BIN") or str(
        Path(odoo.__path__[0]).resolve().parent / "odoo-bin"
    )
    rc = os.environ.get("ODOO_RC") or odoo.tools.config.rcfile
    return [sys.executable, odoo_bin, f"--config={rc}", f"--database={CRASH_DB}"]


class OdooServer:
    """``odoo-bin`` on the crash database, one process (threads, queue_job's runner)."""

    def __init__(self, log_path):
        self.log_path = log_path
        self.process = None
        self.port = None
        self.app_name = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        command = [
            *odoo_command(),
            f"--db-filter=^{CRASH_DB}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
        ]
        env = dict(os.environ, ODOO_PGAPPNAME="iot-crash-{pid}")
        with open(self.log_path, "ab") as log:
            log.write(f"\n==> {' '.join(command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self.app_name = f"iot-crash-{self.process.pid}"
        wait_for(
            self._ready, START_TIMEOUT, lambda: f"the server did not start\n{self.log_tail()}", 0.5
        )

    def _ready(self):
        if self.process.poll() is not None:
            pytest.fail(f"the server exited with {self.process.returncode}\n{self.log_tail()}")
        try:
            return requests.get(self.url + "/web/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def kill(self):
        """SIGKILL: no shutdown, no rollback, no goodbye to PostgreSQL."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=40):
        try:
            text = Path(self.log_path).read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "server log (last lines):\n" + "\n".join(text.splitlines()[-lines:])


class Database:
    """Plain SQL (psycopg2) on the crash database, outside any Odoo transaction."""

    def __init__(self, db):
        self.db = db

    @contextlib.contextmanager
    def connection(self, autocommit=True):
        _name, info = odoo.sql_db.connection_info_for(self.db)
        connection = psycopg2.connect(**info)
        connection.autocommit = autocommit
        try:
            with connection.cursor() as cr:
                yield cr
        finally:
            connection.close()

    def one(self, query, params=()):
        with self.connection() as cr:
            cr.execute(query, params)
            return cr.fetchone()

    def backends_of(self, app_name):
        """PostgreSQL sessions still open for a (dead) server."""
        return self.one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [self.db, app_name],
        )[0]

    def stored(self, device_id):
        """(records, distinct references) stored for a device."""
        return self.one(
            "SELECT count(*), count(DISTINCT event_ref) FROM iot_usage_record WHERE device_id = %s",
            [device_id],
        )


# Run by ``odoo-bin shell`` on the crash database: a gateway with its key, two devices.
SETUP_SCRIPT = """
import json
gateway = env["res.users"]._iot_gateway_user("Crash %(tag)s")
key = gateway._iot_new_api_key("crash test")
devices = env["iot.device"].create(
    [{"identifier": "CRASH_%(tag)s_BATCH"}, {"identifier": "CRASH_%(tag)s_UPLOAD"}]
)
env.cr.commit()
ids = {device.identifier: device.id for device in devices}
print("IOT-CRASH-SETUP " + json.dumps({"key": key, "devices": ids}))
"""


@pytest.fixture(scope="module")
def crash(tmp_path_factory):
    """The crash database with a gateway key and two devices, and its server."""
    tag = uuid.uuid4().hex[:8].upper()
    shell = subprocess.run(
        [*odoo_command()[:2], "shell", *odoo_command()[2:], "--no-http", "--log-level=warn"],
        input=SETUP_SCRIPT % {"tag": tag},
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    marker = [line for line in shell.stdout.splitlines() if line.startswith("IOT-CRASH-SETUP ")]
    if not marker:
        pytest.fail(f"odoo-bin shell could not set up {CRASH_DB}:\n{shell.stdout}\n{shell.stderr}")
    setup = json.loads(marker[0].split(" ", 1)[1])
    server = OdooServer(tmp_path_factory.mktemp("crash") / "odoo.log")
    yield {
        "tag": tag,
        "key": setup["key"],
        "devices": setup["devices"],
        "server": server,
        "db": Database(CRASH_DB),
    }
    server.kill()


def post(server, path, key, **kwargs):
    return requests.post(
        server.url + path, headers={"Authorization": f"Bearer {key}"}, timeout=300, **kwargs
    )


class Sender(threading.Thread):
    """A request in the background: its answer, or the error that ended it."""

    def __init__(self, send):
        super().__init__(daemon=True)
        self.send = send
        self.outcome = None

    def run(self):
        try:
            self.outcome = self.send()
        except requests.RequestException as exc:
            self.outcome = exc


def wait_for_dead_sessions(db, server):
    """A killed server's PostgreSQL sessions end (their transactions roll back) when
    PostgreSQL notices the closed socket."""
    wait_for(
        lambda: db.backends_of(server.app_name) == 0,
        60,
        f"sessions of the killed server {server.app_name} are still open",
        0.2,
    )


def running_server(crash, role):
    """The server, started if need be, the database, the key, and the device (identifier,
    id) of a test."""
    server = crash["server"]
    if not server.running():
        server.start()
    identifier = f"CRASH_{crash['tag']}_{role}"
    return server, crash["db"], crash["key"], identifier, crash["devices"][identifier]


def test_usage_batch_killed_in_flight_then_resent(crash):
    server, db, key, identifier, device_id = running_server(crash, "BATCH")
    records = [
        {"device": identifier, "egroup": "WM", "eid": "Type-1", "ref": f"b{n}", "int_counter": n}
        for n in range(BATCH_RECORDS)
    ]
    # Hold the usage table: the batch then stops inside its transaction, at its INSERT,
    # and the kill lands in the middle of it whatever the machine's speed.
    with db.connection(autocommit=False) as lock:
        lock.execute("LOCK TABLE iot_usage_record IN EXCLUSIVE MODE")
        sender = Sender(lambda: post(server, f"{API}/usage", key, json={"records": records}))
        sender.start()
        wait_for(
            lambda: sender.outcome is not None
            or db.one(
                """SELECT count(*) FROM pg_stat_activity
                    WHERE datname = %s AND application_name = %s AND wait_event_type = 'Lock'""",
                [db.db, server.app_name],
            )[0],
            60,
            "the batch never reached the usage table",
        )
        assert sender.outcome is None, f"the batch answered before the kill: {sender.outcome!r}"
        server.kill()
        lock.connection.rollback()
    sender.join(60)
    assert isinstance(sender.outcome, requests.ConnectionError), (
        f"POST {API}/usage of {BATCH_RECORDS} records, server killed in flight: expected "
        f"the connection to drop, got {sender.outcome!r}"
    )
    wait_for_dead_sessions(db, server)
    assert db.stored(device_id) == (0, 0), "a killed batch left records behind"

    server.start()
    response = post(server, f"{API}/usage", key, json={"records": records})
    assert response.status_code == 200, f"resend -> {response.status_code} {response.text[:500]}"
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (
        BATCH_RECORDS,
        0,
        [],
    ), f"resend after the crash -> {str(body)[:500]}"
    response = post(server, f"{API}/usage", key, json={"records": records})
    body = response.json()
    assert (response.status_code, body["accepted"], body["duplicates"]) == (
        200,
        0,
        BATCH_RECORDS,
    ), f"second resend -> {response.status_code} {str(body)[:500]}"
    assert db.stored(device_id) == (BATCH_RECORDS, BATCH_RECORDS)


def usage_csv(identifier, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["DeviceId", "eGroup", "eId", "EventRef", "IntCounter"])
    writer.writerows([identifier, "WM", "Type-1", f"u{n:06d}", n] for n in range(rows))
    return buffer.getvalue().encode()


def upload(server, key, name, content):
    response = post(server, f"{API}/usage/upload", key, files={"file": (name, content)})
    assert response.status_code == 202, f"upload -> {response.status_code} {response.text[:500]}"
    body = response.json()
    assert body["state"] == "queued", f"a {len(content)}-byte file was not queued: {body}"
    return body["id"]


def upload_state(db, upload_id):
    return db.one(
        "SELECT state, accepted, duplicates, rejected FROM iot_usage_upload WHERE id = %s",
        [upload_id],
    )


def job_state(db, upload_id):
    """The queue job of an upload: (state, retry), or None. (queue_job stores the job's
    records as a JSON string inside its jsonb column.)"""
    return db.one(
        """SELECT state, retry FROM queue_job
            WHERE model_name = 'iot.usage.upload' AND method_name = '_process'
              AND (CASE jsonb_typeof(records) WHEN 'string' THEN (records #>> '{}')::jsonb
                   ELSE records END) -> 'ids' @> %s::jsonb
            ORDER BY id DESC LIMIT 1""",
        [f"[{upload_id}]"],
    )


def wait_until_done(db, server, upload_id):
    def done():
        state = upload_state(db, upload_id)
        if state[0] == "failed":
            pytest.fail(f"upload {upload_id} failed: {state}\n{server.log_tail()}")
        return state[0] == "done" and state

    return wait_for(
        done,
        JOB_TIMEOUT,
        lambda: f"upload {upload_id} is not done (upload {upload_state(db, upload_id)}, job "
        f"{job_state(db, upload_id)})\n{server.log_tail()}",
        0.5,
    )


def test_upload_job_killed_then_resumed_and_resent(crash):
    server, db, key, identifier, device_id = running_server(crash, "UPLOAD")
    content = usage_csv(identifier, UPLOAD_ROWS)
    upload_id = upload(server, key, "crash.csv", content)
    # The job reports its progress through short transactions of its own while its own
    # transaction is still open: a first chunk read means it is running.
    wait_for(
        lambda: db.one(
            "SELECT rows_read FROM iot_usage_upload_progress WHERE upload_id = %s",
            [upload_id],
        ),
        JOB_TIMEOUT,
        lambda: f"the job of upload {upload_id} did not start (job {job_state(db, upload_id)})"
        f"\n{server.log_tail()}",
    )
    server.kill()
    wait_for_dead_sessions(db, server)
    state = upload_state(db, upload_id)
    assert state[0] != "done", f"the job finished before the kill: make the file larger ({state})"
    assert db.stored(device_id) == (0, 0), "a killed job left records behind"
    assert job_state(db, upload_id)[0] == "started", job_state(db, upload_id)

    # queue_job's runner sets a started job of a dead server back to pending (once it has
    # been enqueued for 10 s) and runs it again.
    server.start()
    state = wait_until_done(db, server, upload_id)
    assert state[1:] == (UPLOAD_ROWS, 0, 0), f"upload {upload_id} after the crash: {state}"
    assert job_state(db, upload_id)[0] == "done", job_state(db, upload_id)
    assert db.stored(device_id) == (UPLOAD_ROWS, UPLOAD_ROWS)

    # The same file again, as a new upload: all duplicates.
    again = upload(server, key, "crash-again.csv", content)
    state = wait_until_done(db, server, again)
    assert state[1:] == (0, UPLOAD_ROWS, 0), f"upload {again} of the same file: {state}"
    assert db.stored(device_id) == (UPLOAD_ROWS, UPLOAD_ROWS)
