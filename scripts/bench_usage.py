#!/usr/bin/env python3
"""Benchmark usage ingestion, rating and Excel uploads against a running server.

Measures, in one run, against a server started with ./scripts/run:

1. ``POST /iot/api/v1/usage`` with batches of 10,000 new records;
2. the same feed replayed (all duplicates);
3. the baseline: one JSON-RPC ``iot.usage.record.ingest`` call per record (a sample);
4. the ceiling: PostgreSQL ``COPY`` of the same rows into a copy of the table;
5. ``iot.usage.calculator.rate_month`` over 1,000,000 records of 10,000 devices
   (loaded through the batch endpoint, an extra throughput figure);
6. ``POST /iot/api/v1/usage/upload`` of an .xlsx of 100,000 rows (a queue job): time
   from the POST to ``done`` and the server's peak memory, and of 10,000 rows to compare.

    IOT_DB=iot_bench ./scripts/run --port 8070 &
    .venv/bin/python scripts/bench_usage.py [--url http://localhost:8070] [--db iot_bench]
    .venv/bin/python scripts/bench_usage.py --quick      # every count 10x smaller

An API key is made with ./scripts/api-key unless --key and --login are given. Every
identifier and reference carries a run tag, so runs do not collide; the rated month
should hold no other "WM"/"Type-1" records (see --month), or the rating counts them too.
"""

import argparse
import calendar
import concurrent.futures
import configparser
import datetime
import io
import json
import re
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from benchlib import (
    BenchError,
    Caller,
    MemorySampler,
    add_access_arguments,
    connect,
    run_main,
    verdict,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "iot_usage" / "core"))
from records import INSERT_COLUMNS  # noqa: E402  (the columns ingestion writes; plain Python)

EGROUP, EID = "WM", "Type-1"
TARGETS = {
    "json": 25_000,  # records/s
    "replay": 50_000,  # records/s
    "ratio": 50,  # JSON batch / JSON-RPC per record
    "share": 0.25,  # JSON batch / COPY
    "rating": 10.0,  # seconds
    "upload": 60.0,  # seconds
}


# ----------------------------------------------------------------------
# Server access
# ----------------------------------------------------------------------


def api_post(session, url, path, key, expect=200, headers=None, **kwargs):
    headers = dict(headers or {}, Authorization=f"Bearer {key}")
    response = session.post(f"{url}{path}", headers=headers, timeout=600, **kwargs)
    if response.status_code not in (expect, 201):
        raise BenchError(f"POST {path}: HTTP {response.status_code} {response.text[:500]}")
    return response.json()


def pg_connect(db):
    """A connection to the server's database, with the settings of .state/odoo.conf."""
    import psycopg2  # in the project's venv

    conf = configparser.ConfigParser()
    conf.read(ROOT / ".state" / "odoo.conf")
    options = conf["options"] if conf.has_section("options") else {}
    try:
        return psycopg2.connect(
            host=options.get("db_host", "127.0.0.1"),
            port=int(options.get("db_port", 5432)),
            user=options.get("db_user", "odoo"),
            password=options.get("db_password", "odoo"),
            dbname=db,
        )
    except psycopg2.OperationalError as exc:
        raise BenchError(f"cannot connect to PostgreSQL: {str(exc).strip()}") from None


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def month_start(month, shift=0):
    year, number = (int(part) for part in month.split("-"))
    number += shift
    year, number = year + (number - 1) // 12, (number - 1) % 12 + 1
    return datetime.datetime(year, number, 1)


class Feed:
    """The records of a run: devices ``BU<run>_00000``..., references tagged with the run.

    Records before the rated month have small counters (below 1,000); the rated month's
    readings start at 1,000 and grow, so a delta meter sees the earlier reading as the
    start of the month.
    """

    def __init__(self, run, devices, month):
        self.run = run
        self.devices = devices
        self.prefix = f"BU{run}_"
        self.month = month
        self.before = month_start(month, -1)  # other records: the month before
        self.rated = month_start(month)
        year, number = self.rated.year, self.rated.month
        self.month_seconds = calendar.monthrange(year, number)[1] * 86400

    def device(self, index):
        return f"{self.prefix}{index % self.devices:05d}"

    def earlier(self, kind, index):
        """Record ``index`` of a feed in the month before the rated one."""
        device, reading = index % self.devices, index // self.devices
        dtu = self.before + datetime.timedelta(minutes=reading * 10, seconds=device % 600)
        return {
            "device": self.device(device),
            "egroup": EGROUP,
            "eid": EID,
            "ref": f"{self.run}-{kind}-{index}",
            "dtu": dtu,
            "int_counter": 100 + reading % 800,
        }

    def reading(self, device, reading, readings):
        """Reading ``reading`` of ``readings`` of one device in the rated month."""
        spacing = self.month_seconds // readings
        dtu = self.rated + datetime.timedelta(
            seconds=reading * spacing + (device * 7) % max(spacing, 1)
        )
        return {
            "device": self.device(device),
            "egroup": EGROUP,
            "eid": EID,
            "ref": f"{self.run}-m-{device}-{reading}",
            "dtu": dtu,
            "int_counter": 1000 + reading * (5 + device % 10),
        }


def as_json(record):
    return dict(record, dtu=record["dtu"].strftime("%Y-%m-%dT%H:%M:%SZ"))


def encode_batch(records):
    return json.dumps({"records": [as_json(record) for record in records]}).encode()


# ----------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------


def create_devices(session, url, key, feed, batch=1000):
    done = 0
    for start in range(0, feed.devices, batch):
        devices = [
            {"identifier": feed.device(index)}
            for index in range(start, min(start + batch, feed.devices))
        ]
        result = api_post(session, url, "/iot/api/v1/devices", key, json=devices)
        done += result.get("created", 0) + result.get("existing", 0)
    if done != feed.devices:
        raise BenchError(f"expected {feed.devices} devices, the API created {done}")


def post_batches(session, url, key, bodies, senders=1):
    """POST pre-encoded batches from ``senders`` concurrent clients (gateways):
    ``(seconds, {"accepted", "duplicates", ...} totals)``."""
    totals = {"accepted": 0, "duplicates": 0, "excluded": 0, "rejected": 0}
    lock = threading.Lock()

    def send(share):
        client = requests.Session() if senders > 1 else session
        for body in share:
            result = api_post(
                client,
                url,
                "/iot/api/v1/usage",
                key,
                data=body,
                headers={"Content-Type": "application/json"},
            )
            if result["rejected"]:
                raise BenchError(f"the endpoint rejected records: {result['rejected'][:3]}")
            with lock:
                totals["accepted"] += result["accepted"]
                totals["duplicates"] += result["duplicates"]
                totals["excluded"] += result["excluded"]

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=senders) as pool:
        futures = [pool.submit(send, bodies[index::senders]) for index in range(senders)]
        for future in futures:
            future.result()
    return time.perf_counter() - started, totals


def bench_jsonrpc(gateway, feed, count):
    started = time.perf_counter()
    accepted = 0
    for index in range(count):
        record = as_json(feed.earlier("rpc", index))
        result = gateway("iot.usage.record", "ingest", [record])
        accepted += result["accepted"]
    elapsed = time.perf_counter() - started
    if accepted != count:
        raise BenchError(f"JSON-RPC ingest accepted {accepted} of {count} records")
    return elapsed


def bench_copy(conn, feed, kind, count):
    """COPY the rows the endpoint wrote for ``count`` records into a copy of the table."""
    with conn.cursor() as cr:
        cr.execute(
            "SELECT identifier, id, company_id FROM iot_device WHERE identifier LIKE %s",
            [feed.prefix + "%"],
        )
        devices = {identifier: (device_id, company) for identifier, device_id, company in cr}
        cr.execute("DROP TABLE IF EXISTS bench_copy")
        # A copy of the table: its columns, indexes and, like the real one, its foreign keys.
        cr.execute("CREATE TABLE bench_copy (LIKE iot_usage_record INCLUDING ALL)")
        cr.execute(
            """ALTER TABLE bench_copy
                 ADD FOREIGN KEY (company_id) REFERENCES res_company (id),
                 ADD FOREIGN KEY (device_id) REFERENCES iot_device (id),
                 ADD FOREIGN KEY (upload_id) REFERENCES iot_usage_upload (id),
                 ADD FOREIGN KEY (rating_id) REFERENCES iot_usage_rating (id)"""
        )
    conn.commit()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    request_ref = uuid.uuid4().hex
    lines = []
    for index in range(count):
        record = feed.earlier(kind, index)
        device_id, company_id = devices[record["device"]]
        counter = record["int_counter"]
        lines.append(
            f"{company_id}\t{device_id}\t{EGROUP}\t{EID}\t{record['ref']}\t{record['dtu']}\t"
            f"\\N\t{counter}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\tjson\t{now}\t\\N\t"
            f"{request_ref}\tnew\t\\N\t{counter}\n"
        )
    buffer = io.StringIO("".join(lines))
    del lines
    try:
        started = time.perf_counter()
        with conn.cursor() as cr:
            cr.copy_expert(
                "COPY bench_copy (%s) FROM STDIN" % ", ".join(INSERT_COLUMNS),
                buffer,
            )
            copied = cr.rowcount
        conn.commit()
        elapsed = time.perf_counter() - started
    finally:
        conn.rollback()
        with conn.cursor() as cr:
            cr.execute("DROP TABLE IF EXISTS bench_copy")
        conn.commit()
    if copied != count:
        raise BenchError(f"COPY wrote {copied} rows of {count}")
    return elapsed


def load_rated_month(session, url, key, feed, readings, batch):
    """Load ``readings`` readings of every device of the rated month, in batches."""
    total = feed.devices * readings
    totals = {"accepted": 0, "duplicates": 0}
    elapsed = 0.0

    def records():
        for reading in range(readings):
            for device in range(feed.devices):
                yield feed.reading(device, reading, readings)

    stream = records()
    for _start in range(0, total, batch):
        chunk = [next(stream) for _i in range(min(batch, total - _start))]
        body = encode_batch(chunk)
        seconds, result = post_batches(session, url, key, [body])
        elapsed += seconds
        totals["accepted"] += result["accepted"]
        totals["duplicates"] += result["duplicates"]
    if totals["accepted"] != total:
        raise BenchError(f"loading the rated month: {totals} of {total} records")
    return elapsed


def bench_rating(admin, run, month):
    calculator_id = admin(
        "iot.usage.calculator",
        "create",
        {
            "name": "Bench meter",
            "code": f"BENCH_DELTA_{run}",
            "egroup": EGROUP,
            "eid": EID,
            "value_field": "int_counter",
            "method": "delta",
            "unit": "m3",
            "mode": "graduated",
            "tier_ids": [
                [0, 0, {"up_to": 100, "unit_price": 1.0}],
                [0, 0, {"up_to": 0, "unit_price": 0.5}],
            ],
        },
    )
    timings = []
    for _attempt in range(2):  # the second rates the same month again, warm
        started = time.perf_counter()
        result = admin("iot.usage.calculator", "rate_month", [calculator_id], month, timeout=3600)
        timings.append(time.perf_counter() - started)
    return timings, result


def make_xlsx(feed, kind, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("usage")
    sheet.append(["DeviceId", "eGroup", "eId", "EventRef", "IntCounter", "Dtu"])
    for index in range(rows):
        record = feed.earlier(kind, index)
        sheet.append(
            [
                record["device"],
                EGROUP,
                EID,
                record["ref"],
                record["int_counter"],
                record["dtu"],
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bench_upload(session, url, key, feed, kind, rows, timeout=3600):
    """Upload an .xlsx of ``rows`` rows and wait for it: (seconds, sampler, summary, size)."""
    content = make_xlsx(feed, kind, rows)
    name = f"bench-{feed.run}-{kind}.xlsx"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with MemorySampler(url) as sampler:
        started = time.perf_counter()
        summary = api_post(
            session,
            url,
            "/iot/api/v1/usage/upload",
            key,
            expect=202,
            files={"file": (name, content, mimetype)},
        )
        queued = summary["state"] != "done"
        while summary["state"] not in ("done", "failed"):
            if time.perf_counter() - started > timeout:
                raise BenchError(f"upload {summary['id']} not done after {timeout} s")
            time.sleep(0.2)
            response = session.get(
                f"{url}/iot/api/v1/usage/uploads/{summary['id']}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )
            if response.status_code != 200:
                raise BenchError(f"GET upload: HTTP {response.status_code} {response.text[:300]}")
            summary = response.json()
        elapsed = time.perf_counter() - started
    if summary["state"] != "done" or summary["accepted"] != rows:
        raise BenchError(f"upload of {rows} rows ended {summary}")
    return elapsed, sampler, queued, len(content)


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def mib(value):
    return "n/a" if value is None else f"{value / 2**20:,.0f}"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--url", default="http://localhost:8070")
    parser.add_argument("--db", default="iot_bench")
    parser.add_argument("--quick", action="store_true", help="every count 10x smaller")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=200_000, help="new records (step 1)")
    parser.add_argument("--batch", type=int, default=10_000, help="records per request")
    parser.add_argument(
        "--baseline-count",
        type=int,
        default=2000,
        help="records ingested one JSON-RPC call each: a sample (the per-record cost "
        "does not fall with the count)",
    )
    parser.add_argument("--readings", type=int, default=100, help="readings per device rated")
    parser.add_argument("--month", default="2026-04", help="the month rated (YYYY-MM)")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--xlsx-small-rows", type=int, default=10_000)
    parser.add_argument(
        "--senders",
        type=int,
        default=2,
        help="concurrent clients for steps 1-2 (gateways posting at once; run the server "
        "with --workers 2 to serve them in parallel)",
    )
    add_access_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        for name in ("devices", "records", "baseline_count", "xlsx_rows", "xlsx_small_rows"):
            setattr(args, name, max(1, getattr(args, name) // 10))
    if not re.fullmatch(r"\d{4}-\d{2}", args.month):
        parser.error("--month must be YYYY-MM")
    run_main(run_bench, args)


def run_bench(args):
    access = connect(args, " --workers 2")
    url, session, key, uid = access.url, access.session, access.key, access.uid
    admin_uid = access.admin_uid
    run_started = time.perf_counter()
    conn = pg_connect(args.db)
    run = time.strftime("%y%m%d%H%M%S")
    feed = Feed(run, args.devices, args.month)
    batch = min(args.batch, args.records)
    print(f"run {run}: {args.devices:,} devices {feed.prefix}*, server {url}, db {args.db}")

    print("creating the devices...", flush=True)
    create_devices(session, url, key, feed)

    # 6 first, while the server is fresh: its memory then shows what an upload takes.
    uploads = []
    for kind, rows in (("xs", args.xlsx_small_rows), ("xl", args.xlsx_rows)):
        print(f"uploading an .xlsx of {rows:,} rows...", flush=True)
        uploads.append((rows, *bench_upload(session, url, key, feed, kind, rows)))

    def new_bodies(kind):
        return [
            encode_batch(
                feed.earlier(kind, index)
                for index in range(start, min(start + batch, args.records))
            )
            for start in range(0, args.records, batch)
        ]

    stream = {}
    for senders, kind in ((1, "n"), (args.senders, "p")):
        print(
            f"posting {args.records:,} new records in batches of {batch:,}, "
            f"{senders} sender(s)...",
            flush=True,
        )
        bodies = new_bodies(kind)
        json_s, totals = post_batches(session, url, key, bodies, senders)
        if totals["accepted"] != args.records:
            raise BenchError(f"expected {args.records} new records accepted, got {totals}")
        print("replaying the same feed...", flush=True)
        replay_s, totals = post_batches(session, url, key, bodies, senders)
        if totals["duplicates"] != args.records:
            raise BenchError(f"expected {args.records} duplicates on replay, got {totals}")
        stream[senders] = (json_s, replay_s)
        del bodies
    json_1_s, replay_1_s = stream[1]
    json_s, replay_s = stream[args.senders]

    print(f"JSON-RPC baseline: {args.baseline_count:,} calls of one record...", flush=True)
    rpc_s = bench_jsonrpc(Caller(session, url, args.db, uid, key), feed, args.baseline_count)

    print(f"COPY of {args.records:,} rows into bench_copy...", flush=True)
    copy_s = bench_copy(conn, feed, "n", args.records)

    rated = args.devices * args.readings
    print(f"loading {rated:,} records of {args.month}...", flush=True)
    load_s = load_rated_month(session, url, key, feed, args.readings, args.batch)

    print(f"rating {args.month}...", flush=True)
    admin = Caller(session, url, args.db, admin_uid, args.admin_password)
    (rating_s, rerating_s), rating = bench_rating(admin, run, args.month)
    conn.close()

    json_rate = args.records / json_s
    replay_rate = args.records / replay_s
    rpc_rate = args.baseline_count / rpc_s
    copy_rate = args.records / copy_s
    load_rate = rated / load_s
    ratio = json_rate / rpc_rate
    share = json_rate / copy_rate
    rows = [
        ("1. POST /usage, new, 1 sender", args.records, json_1_s, args.records / json_1_s),
        (
            "2. POST /usage, replayed (dups), 1 sender",
            args.records,
            replay_1_s,
            args.records / replay_1_s,
        ),
        (f"1. POST /usage, new, {args.senders} senders", args.records, json_s, json_rate),
        (f"2. POST /usage, replayed, {args.senders} senders", args.records, replay_s, replay_rate),
        ("3. baseline: JSON-RPC ingest per record *", args.baseline_count, rpc_s, rpc_rate),
        ("4. ceiling: PostgreSQL COPY, same rows", args.records, copy_s, copy_rate),
        (f"5a. POST /usage, load of {args.month}", rated, load_s, load_rate),
        (f"5b. rate_month {args.month}, delta graduated", rating["records"], rating_s, None),
        ("5c. rate_month again, same month (warm)", rating["records"], rerating_s, None),
    ]
    for rows_n, seconds, _sampler, _queued, _size in uploads:
        rows.append(
            (f"6. .xlsx upload, {rows_n:,} rows, POST to done", rows_n, seconds, rows_n / seconds)
        )
    print(f"\n{'step':<46} {'records':>10} {'seconds':>9} {'records/s':>10}")
    for name, count, seconds, rate in rows:
        shown = f"{rate:>10,.0f}" if rate else f"{'':>10}"
        print(f"{name:<46} {count:>10,} {seconds:>9.2f} {shown}")
    print(
        "* a sample of %s records: one execute_kw(iot.usage.record, ingest, [[record]]) "
        "each; the ORM create on this lean model is not the way in, so not measured"
        % f"{args.baseline_count:,}"
    )
    print(
        f"rating: {rating['devices']:,} devices, {rating['records']:,} records, "
        f"amount {rating['amount']:,.2f}"
    )
    if rating["records"] != rated or rating["devices"] != args.devices:
        print(
            f"  note: expected {args.devices:,} devices and {rated:,} records: the month "
            f"holds other {EGROUP}/{EID} records (earlier runs?)"
        )
    print(
        f"\n{'upload':<14} {'file KiB':>9} {'processed':>10} {'RSS before':>11} "
        f"{'RSS peak':>9} {'growth':>7}  (MiB, server processes on the port)"
    )
    for rows_n, _seconds, sampler, queued, size in uploads:
        before = sampler.start_rss
        growth = sampler.peak - before if before else None
        print(
            f"{f'{rows_n:,} rows':<14} {size / 1024:>9,.0f} "
            f"{'queue job' if queued else 'inline':>10} {mib(before):>11} "
            f"{mib(sampler.peak if before else None):>9} {mib(growth):>7}"
        )
    print(
        "(uploads run first, before the JSON steps; files up to 512 KiB are processed in the "
        "request, larger ones by the queue job runner)"
    )
    print(
        f"\nratio JSON batch / baseline: {ratio:,.0f}x; share of COPY: {share:.0%} (bench_copy: "
        "the table's columns, indexes and foreign keys, starting empty); targets are judged "
        f"on {args.senders} concurrent senders, batches of {batch:,}"
    )
    upload_s = uploads[-1][1]
    print(
        "targets: >= %s records/s new: %s; >= %s records/s replayed: %s; >= %dx the "
        "baseline: %s; >= %d%% of COPY: %s; rating <= %.0f s: %s; %s-row upload <= %.0f s: %s"
        % (
            f"{TARGETS['json']:,}",
            verdict(json_rate >= TARGETS["json"]),
            f"{TARGETS['replay']:,}",
            verdict(replay_rate >= TARGETS["replay"]),
            TARGETS["ratio"],
            verdict(ratio >= TARGETS["ratio"]),
            TARGETS["share"] * 100,
            verdict(share >= TARGETS["share"]),
            TARGETS["rating"],
            verdict(rating_s <= TARGETS["rating"]),
            f"{uploads[-1][0]:,}",
            TARGETS["upload"],
            verdict(upload_s <= TARGETS["upload"]),
        )
    )
    print(f"full run: {time.perf_counter() - run_started:,.0f} s")


if __name__ == "__main__":
    main()
