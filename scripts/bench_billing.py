#!/usr/bin/env python3
"""Benchmark billing runs against the OCA contract addon's recurring invoicing.

Measures, in one run, against a server started with ./scripts/run:

1. 10,000 devices created and activated on a fleet contract (``POST /iot/api/v1/devices``
   with an ``activation``), 1,000,000 usage records of the month (100 per device,
   ``POST /iot/api/v1/usage``), then the billing run of the month
   (``iot.billing.run.action_run``: rating, schedules, one grouped invoice, posted):
   seconds and the server's peak memory;
2. the same with 1,000 devices and 100,000 records, to show that the cost grows linearly;
3. the baseline: OCA contract's own recurring invoicing of the same fleet size, a plain
   contract of 10,000 lines (one per device, no grouping):
   ``contract.contract.recurring_create_invoice`` and ``account.move.action_post``.

    IOT_DB=iot_billbench ./scripts/run --port 8071 --workers 2 \
        --limit-time-cpu 900 --limit-time-real 1800 &   # the baseline needs more than 60 s
    .venv/bin/python scripts/bench_billing.py [--url http://localhost:8071] [--db iot_billbench]
    .venv/bin/python scripts/bench_billing.py --quick      # every count 10x smaller

An API key is made with ./scripts/api-key unless --key and --login are given. Each size
bills its own customer, but a billing run bills every open schedule of the company in
the period: the month billed (--month) must hold no open schedules before the run, so
run it on a fresh database (devices of an earlier run have schedules for 12 months).
"""

import argparse
import calendar
import datetime
import json
import re
import sys
import time
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
EGROUP, EID = "WM", "Type-1"
PLAN_PRODUCT = "IOT-PREMIUM"
PLAN_PRICE = 9.90
UNIT_PRICE = 0.01  # of the bench calculator, per unit of int_counter
TERM_MONTHS = 12
OPEN_STATES = ("planned", "open", "computed")
TARGETS = {
    "run": 60.0,  # seconds, billing run of the large fleet
    # bytes: the server's peak memory during that run, as the PSS of all its processes
    # (each shared page counted once); their summed RSS counts the pages the forked
    # workers share once per process, and is printed beside it
    "memory": 2**30,
    "ratio": 10.0,  # baseline seconds / billing run seconds
}


# ----------------------------------------------------------------------
# Server access
# ----------------------------------------------------------------------


def api_post(session, url, path, key, headers=None, **kwargs):
    headers = dict(headers or {}, Authorization=f"Bearer {key}")
    response = session.post(f"{url}{path}", headers=headers, timeout=900, **kwargs)
    if response.status_code not in (200, 201):
        raise BenchError(f"POST {path}: HTTP {response.status_code} {response.text[:500]}")
    return response.json()


class Dropped(Exception):
    """The server closed the connection of a timed call (a worker killed at a limit?)."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def timed(call, *args, **kwargs):
    """``(seconds, result)`` of ``call``; ``Dropped`` when the server drops the request."""
    started = time.perf_counter()
    try:
        result = call(*args, **kwargs)
    except requests.ConnectionError:
        raise Dropped(time.perf_counter() - started) from None
    return time.perf_counter() - started, result


def dropped_message(what, seconds):
    return (
        f"{what}: the server dropped the request after {seconds:,.0f} s (an Odoo worker "
        "killed at limit_time_cpu 60 s / limit_time_real 120 s, the defaults with "
        "--workers? see the server log)"
    )


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


class Fleet:
    """The devices ``BB<run>_<size>_00000``... of one benchmark size, their customer and
    their usage: ``readings`` records per device spread over the month, with
    ``int_counter`` 1 to 10 (the calculator sums it)."""

    def __init__(self, run, label, devices, readings, month):
        self.run = run
        self.label = label
        self.devices = devices
        self.readings = readings
        self.prefix = f"BB{run}_{label}_"
        self.customer_ref = f"BB{label}{run}"
        self.start = datetime.date(*(int(part) for part in month.split("-")), 1)
        days = calendar.monthrange(self.start.year, self.start.month)[1]
        self.end = self.start + datetime.timedelta(days=days - 1)
        self.month_seconds = days * 86400

    @property
    def records(self):
        return self.devices * self.readings

    def identifier(self, index):
        return f"{self.prefix}{index:05d}"

    def counter(self, device, reading):
        return 1 + (device + reading) % 10

    def quantity(self):
        return sum(
            self.counter(device, reading)
            for device in range(self.devices)
            for reading in range(self.readings)
        )

    def record(self, device, reading):
        spacing = self.month_seconds // self.readings
        offset = reading * spacing + (device * 7) % max(spacing, 1)
        dtu = datetime.datetime.combine(self.start, datetime.time.min) + datetime.timedelta(
            seconds=offset
        )
        return {
            "device": self.identifier(device),
            "egroup": EGROUP,
            "eid": EID,
            "ref": f"{self.run}-{self.label}-{device}-{reading}",
            "dtu": dtu.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "int_counter": self.counter(device, reading),
        }


# ----------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------


def setup_calculator(admin, run, company_id):
    """Our calculator with a product; the company's other invoiced calculators are
    deactivated (returned, to restore them at the end)."""
    product_id = admin(
        "product.product", "create", {"name": f"Bench usage {run}", "type": "service"}
    )
    calculator_id = admin(
        "iot.usage.calculator",
        "create",
        {
            "name": "Bench water",
            "code": f"BB_{run}",
            "egroup": EGROUP,
            "eid": EID,
            "value_field": "int_counter",
            "method": "sum",
            "unit": "m3",
            "unit_price": UNIT_PRICE,
            "product_id": product_id,
        },
    )
    others = admin(
        "iot.usage.calculator",
        "search",
        [
            ("company_id", "=", company_id),
            ("product_id", "!=", False),
            ("id", "!=", calculator_id),
        ],
    )
    if others:
        admin("iot.usage.calculator", "write", others, {"active": False})
    return calculator_id, others


def check_month_is_free(admin, company_id, fleet):
    count = admin(
        "iot.billing.schedule",
        "search_count",
        [
            ("company_id", "=", company_id),
            ("date_start", ">=", fleet.start.isoformat()),
            ("date_start", "<=", fleet.end.isoformat()),
            ("state", "in", list(OPEN_STATES)),
            ("invoice_line_id", "=", False),
        ],
    )
    if count:
        raise BenchError(
            f"{count:,} schedules of {fleet.start:%Y-%m} are open already (an earlier run?): "
            "the billing runs would bill them too; use a fresh database or another --month"
        )


def contract_cron_warning(admin):
    """OCA's daily cron invoices every contract due: a warning when it may fire during
    the run (it would invoice the baseline contract and the fleet contracts)."""
    crons = admin(
        "ir.cron",
        "search_read",
        [("code", "ilike", "cron_recurring_create_invoice")],
        fields=["nextcall", "active"],
    )
    soon = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    soon += datetime.timedelta(hours=1)
    for cron in crons:
        nextcall = datetime.datetime.fromisoformat(cron["nextcall"])
        if cron["active"] and nextcall <= soon:
            return f"note: OCA's cron 'Generate Recurring Invoices' is due at {nextcall} UTC"
    return None


def create_partner(admin, fleet, name):
    return admin("res.partner", "create", {"name": name, "ref": fleet.customer_ref})


def create_fleet(session, url, key, fleet, batch=1000):
    """Create and activate the devices, ``batch`` per request: seconds."""
    activation = {
        "customer": fleet.customer_ref,
        "date_start": fleet.start.isoformat(),
        "plan": {"product": PLAN_PRODUCT},
        "term_months": TERM_MONTHS,
    }
    created = 0
    started = time.perf_counter()
    for start in range(0, fleet.devices, batch):
        devices = [
            {"identifier": fleet.identifier(index), "activation": activation}
            for index in range(start, min(start + batch, fleet.devices))
        ]
        try:
            result = api_post(session, url, "/iot/api/v1/devices", key, json=devices)
        except requests.ConnectionError:
            raise BenchError(
                dropped_message("POST /iot/api/v1/devices", time.perf_counter() - started)
            ) from None
        if result.get("rejected"):
            rejected = [item for item in result["results"] if item["status"] == "rejected"]
            raise BenchError(f"the API rejected devices: {rejected[:2]}")
        created += result.get("created", 0)
    if created != fleet.devices:
        raise BenchError(f"expected {fleet.devices:,} devices created, the API created {created}")
    return time.perf_counter() - started


def load_usage(session, url, key, fleet, batch):
    """POST the month's records in batches: seconds spent in the requests."""
    total = fleet.records
    accepted = 0
    elapsed = 0.0

    def records():
        for reading in range(fleet.readings):
            for device in range(fleet.devices):
                yield fleet.record(device, reading)

    stream = records()
    for start in range(0, total, batch):
        chunk = [next(stream) for _index in range(min(batch, total - start))]
        body = json.dumps({"records": chunk}).encode()
        started = time.perf_counter()
        try:
            result = api_post(
                session,
                url,
                "/iot/api/v1/usage",
                key,
                data=body,
                headers={"Content-Type": "application/json"},
            )
        except requests.ConnectionError:
            raise BenchError(
                dropped_message("POST /iot/api/v1/usage", time.perf_counter() - started)
            ) from None
        elapsed += time.perf_counter() - started
        if result["rejected"] or result["excluded"]:
            raise BenchError(
                f"the usage endpoint rejected/excluded records: {result['rejected'][:3]}"
                f" excluded {result['excluded']}"
            )
        accepted += result["accepted"]
    if accepted != total:
        raise BenchError(f"loading usage: {accepted:,} of {total:,} records accepted")
    return elapsed


def billing_run(admin, url, fleet):
    """Create and run a billing run of the month: ``(seconds, dropped, sampler, summary)``,
    ``dropped`` when the server dropped the request (``seconds`` is then a lower bound)."""
    run_id = admin(
        "iot.billing.run",
        "create",
        {
            "name": f"Bench {fleet.label} {fleet.run}",
            "date_from": fleet.start.isoformat(),
            "date_to": fleet.end.isoformat(),
        },
    )
    jobs = False
    with MemorySampler(url) as sampler:
        started = time.perf_counter()
        try:
            timed(admin, "iot.billing.run", "action_run", [run_id], timeout=7200)
        except Dropped as exc:
            return exc.seconds, True, sampler, None
        # A large run is split into queue jobs and answers "running": wait for "done".
        while True:
            [state] = admin("iot.billing.run", "read", [run_id], ["state"])
            if state["state"] != "running":
                break
            jobs = True
            if time.perf_counter() - started > 7200:
                raise BenchError(f"billing run {run_id} still running after 7,200 s")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    [run] = admin(
        "iot.billing.run",
        "read",
        [run_id],
        [
            "state",
            "invoice_ids",
            "amount_total",
            "schedule_count",
            "contract_count",
            "error_ids",
        ],
    )
    if run["error_ids"]:
        errors = admin("iot.billing.run.error", "read", run["error_ids"][:3], ["message"])
        raise BenchError(f"the billing run reported errors: {[e['message'] for e in errors]}")
    invoices = admin(
        "account.move",
        "read",
        run["invoice_ids"],
        ["state", "amount_untaxed", "amount_total", "invoice_line_ids", "partner_id"],
    )
    if run["state"] != "done":
        raise BenchError(f"billing run {run_id} ended in state {run['state']}")
    return seconds, False, sampler, dict(run, invoices=invoices, jobs=jobs)


def baseline_contract(admin, fleet, partner_id, product_id, chunk=1000):
    """A plain OCA contract with one line per device, April post-paid, created over
    JSON-RPC in chunks of lines: (contract id, seconds)."""
    date_end = fleet.start.replace(year=fleet.start.year + 1) - datetime.timedelta(days=1)
    next_date = fleet.end + datetime.timedelta(days=1)  # post-paid: the day after the period

    def line(index):
        return [
            0,
            0,
            {
                "product_id": product_id,
                "name": f"{fleet.identifier(index)} #START# - #END#",
                "quantity": 1.0,
                "price_unit": PLAN_PRICE,
                "recurring_rule_type": "monthly",
                "recurring_interval": 1,
                "recurring_invoicing_type": "post-paid",
                "date_start": fleet.start.isoformat(),
                "date_end": date_end.isoformat(),
                "recurring_next_date": next_date.isoformat(),
            },
        ]

    started = time.perf_counter()
    contract_id = admin(
        "contract.contract",
        "create",
        {
            "name": f"Bench baseline {fleet.run}",
            "partner_id": partner_id,
            "contract_type": "sale",
            "line_recurrence": True,
            "contract_line_ids": [line(index) for index in range(min(chunk, fleet.devices))],
        },
        timeout=900,
    )
    for start in range(chunk, fleet.devices, chunk):
        admin(
            "contract.contract",
            "write",
            [contract_id],
            {
                "contract_line_ids": [
                    line(index) for index in range(start, min(start + chunk, fleet.devices))
                ]
            },
            timeout=900,
        )
    seconds = time.perf_counter() - started
    [contract] = admin(
        "contract.contract", "read", [contract_id], ["recurring_next_date", "contract_line_ids"]
    )
    if len(contract["contract_line_ids"]) != fleet.devices:
        raise BenchError(
            f"the baseline contract has {len(contract['contract_line_ids'])} lines, "
            f"expected {fleet.devices}"
        )
    if contract["recurring_next_date"] != next_date.isoformat():
        raise BenchError(
            f"the baseline contract's next invoice date is {contract['recurring_next_date']}, "
            f"expected {next_date} (post-paid {fleet.start:%Y-%m})"
        )
    return contract_id, seconds


def baseline_invoicing(admin, url, contract_id):
    """OCA's recurring invoicing of the contract, then posting: ``(create seconds, post
    seconds, sampler, invoices)``, the seconds ``None`` when the server dropped it."""
    domain = [("invoice_line_ids.contract_line_id.contract_id", "=", contract_id)]
    if admin("account.move", "search_count", domain):
        raise BenchError("the baseline contract was invoiced before the benchmark (OCA's cron?)")
    create_s = post_s = None
    dropped = None
    with MemorySampler(url) as sampler:
        try:
            create_s, _result = timed(
                admin,
                "contract.contract",
                "recurring_create_invoice",
                [contract_id],
                timeout=7200,
            )
            invoice_ids = admin("account.move", "search", domain)
            if not invoice_ids:
                raise BenchError("recurring_create_invoice made no invoice for the baseline")
            post_s, _result = timed(admin, "account.move", "action_post", invoice_ids, timeout=7200)
        except Dropped as exc:
            dropped = exc.seconds
    invoices = admin(
        "account.move",
        "search_read",
        domain,
        fields=["state", "amount_untaxed", "amount_total", "invoice_line_ids"],
    )
    return create_s, post_s, dropped, sampler, invoices


def run_baseline(admin, url, fleet, product_id):
    """The baseline for the size of ``fleet``: its own customer and contract."""
    baseline = Fleet(
        fleet.run, f"base{fleet.label}", fleet.devices, 0, fleet.start.strftime("%Y-%m")
    )
    baseline.customer_ref = f"BBBASE{fleet.label}_{fleet.run}"
    partner_id = create_partner(
        admin, baseline, f"Bench baseline customer {fleet.label} {fleet.run}"
    )
    print(
        f"baseline: a contract of {fleet.devices:,} lines (JSON-RPC, 1,000 lines a call)...",
        flush=True,
    )
    contract_id, contract_s = baseline_contract(admin, baseline, partner_id, product_id)
    print(
        f"baseline: recurring_create_invoice + action_post of {fleet.devices:,} lines...",
        flush=True,
    )
    create_s, post_s, dropped, sampler, invoices = baseline_invoicing(admin, url, contract_id)
    if dropped is None:
        seconds = create_s + post_s
    else:
        seconds = (create_s or 0) + dropped
    return {
        "devices": fleet.devices,
        "contract_s": contract_s,
        "create_s": create_s,
        "post_s": post_s,
        "dropped": dropped,
        "seconds": seconds,
        "sampler": sampler,
        "invoices": invoices,
    }


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def mib(value):
    return "" if not value else f"{value / 2**20:,.0f}"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--url", default="http://localhost:8071")
    parser.add_argument("--db", default="iot_billbench")
    parser.add_argument("--quick", action="store_true", help="every count 10x smaller")
    parser.add_argument("--devices", type=int, default=10_000, help="the large fleet")
    parser.add_argument("--small-devices", type=int, default=1_000, help="the small fleet")
    parser.add_argument("--readings", type=int, default=100, help="usage records per device")
    parser.add_argument("--batch", type=int, default=10_000, help="usage records per request")
    parser.add_argument("--month", default="2026-04", help="the month billed (YYYY-MM)")
    add_access_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        for name in ("devices", "small_devices"):
            setattr(args, name, max(1, getattr(args, name) // 10))
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.month):
        parser.error("--month must be YYYY-MM")
    run_main(run_bench, args)


def run_bench(args):
    access = connect(args, " --workers 2 --limit-time-cpu 900 --limit-time-real 1800")
    url, session, key, admin_uid = access.url, access.session, access.key, access.admin_uid
    run_started = time.perf_counter()
    admin = Caller(session, url, args.db, admin_uid, args.admin_password)
    [user] = admin("res.users", "read", [admin_uid], ["company_id"])
    company_id = user["company_id"][0]
    plan = admin(
        "product.product", "search_read", [("default_code", "=", PLAN_PRODUCT)], fields=["id"]
    )
    if not plan:
        raise BenchError(f"no product {PLAN_PRODUCT} (the demo data's plan) in {args.db}")
    run = time.strftime("%y%m%d%H%M%S")
    if args.small_devices == args.devices:
        raise BenchError("--small-devices must differ from --devices")
    small = Fleet(run, str(args.small_devices), args.small_devices, args.readings, args.month)
    large = Fleet(run, str(args.devices), args.devices, args.readings, args.month)
    check_month_is_free(admin, company_id, large)
    print(
        f"run {run}: fleets of {small.devices:,} and {large.devices:,} devices, "
        f"{args.readings} records each in {args.month}, server {url}, db {args.db}"
    )
    warning = contract_cron_warning(admin)
    if warning:
        print(warning)
    calculator_id, deactivated = setup_calculator(admin, run, company_id)
    if deactivated:
        print(f"deactivated {len(deactivated)} other invoiced calculator(s) for the run")
    try:
        results = {}
        for fleet in (small, large):
            create_partner(admin, fleet, f"Bench customer {fleet.label} {run}")
            print(f"creating and activating {fleet.devices:,} devices...", flush=True)
            create_s = create_fleet(session, url, key, fleet)
            print(
                f"loading {fleet.records:,} usage records of {args.month} "
                f"({fleet.devices:,} devices)...",
                flush=True,
            )
            load_s = load_usage(session, url, key, fleet, args.batch)
            print(f"billing {args.month} ({fleet.devices:,} devices)...", flush=True)
            run_s, dropped, sampler, summary = billing_run(admin, url, fleet)
            if dropped and fleet is small:
                raise BenchError(dropped_message("the billing run", run_s))
            results[fleet.label] = (create_s, load_s, run_s, dropped, sampler, summary)

        baselines = {}
        for fleet in (small, large):  # the small one first: context, measured in full
            baselines[fleet.label] = run_baseline(admin, url, fleet, plan[0]["id"])
    finally:
        try:
            admin("iot.usage.calculator", "write", [calculator_id], {"active": False})
            if deactivated:
                admin("iot.usage.calculator", "write", deactivated, {"active": True})
        except (BenchError, requests.RequestException):
            print("warning: the calculators could not be restored", file=sys.stderr)

    report(args, small, large, results, baselines)
    print(f"full run: {time.perf_counter() - run_started:,.0f} s")


def report(args, small, large, results, baselines):
    header = (
        f"{'step':<52} {'devices':>8} {'records':>10} {'seconds':>9} {'RSS MiB':>8} "
        f"{'PSS MiB':>8}"
    )
    print(f"\n{header}")
    print("-" * len(header))

    def row(name, devices, records, seconds, sampler=None, shown=None):
        records_shown = f"{records:,}" if records else ""
        seconds_shown = shown if shown is not None else f"{seconds:,.1f}"
        rss = mib(sampler.peak) if sampler else ""
        pss = mib(sampler.peak_pss) if sampler else ""
        print(f"{name:<52} {devices:>8,} {records_shown:>10} {seconds_shown:>9} {rss:>8} {pss:>8}")

    for number, fleet in (("1", large), ("2", small)):
        create_s, load_s, run_s, dropped, sampler, _summary = results[fleet.label]
        row(f"{number}a. create + activate devices (POST /devices)", fleet.devices, 0, create_s)
        row(f"{number}b. load usage (POST /usage)", fleet.devices, fleet.records, load_s)
        row(
            f"{number}c. billing run {args.month} (rate, schedules, post)"
            + (" (DROPPED)" if dropped else ""),
            fleet.devices,
            fleet.records,
            run_s,
            sampler,
            shown=f">{run_s:,.0f}" if dropped else None,
        )
    for number, fleet in (("3", large), ("4", small)):
        base = baselines[fleet.label]
        row(
            f"{number}a. baseline: contract + lines (JSON-RPC create)",
            fleet.devices,
            0,
            base["contract_s"],
        )
        if base["dropped"] is None:
            row(
                f"{number}b. baseline: recurring_create_invoice", fleet.devices, 0, base["create_s"]
            )
            row(
                f"{number}c. baseline: action_post of its invoice", fleet.devices, 0, base["post_s"]
            )
            row(
                f"{number}.  baseline: create invoice + post *",
                fleet.devices,
                0,
                base["seconds"],
                base["sampler"],
            )
        else:
            row(
                f"{number}.  baseline: create invoice + post * (DROPPED)",
                fleet.devices,
                0,
                base["seconds"],
                base["sampler"],
                shown=f">{base['seconds']:,.0f}",
            )
    print(
        "RSS/PSS: peaks of the server's processes summed (master, HTTP and cron workers, "
        "gevent, queue job runner), sampled every 0.2 s during the timed call; RSS counts "
        "the pages the forked processes share once per process, PSS splits them"
    )
    print(
        "* the brief's baseline also invoices a usage quantity per line through a formula "
        "(OCA contract_variable_quantity), not installed here: measured is the plain "
        "recurring invoicing of the same lines, a lower bound of the baseline's cost"
    )
    for base in baselines.values():
        if base["dropped"] is not None:
            print(
                dropped_message(f"baseline of {base['devices']:,} lines", base["dropped"])
                + ": rolled back, its time is a lower bound"
            )
    large_s, large_dropped, large_sampler = results[large.label][2:5]
    if large_dropped:
        print(
            dropped_message(f"billing run of {large.devices:,} devices", large_s)
            + ": rolled back, its time is a lower bound"
        )

    print()
    for fleet in (large, small):
        create_s, load_s, run_s, dropped, sampler, summary = results[fleet.label]
        if dropped:
            print(
                f"{fleet.devices:>6,} devices: the billing run was dropped after {run_s:,.0f} s; "
                f"setup {fleet.devices / create_s:,.0f} devices/s, "
                f"{fleet.records / load_s:,.0f} records/s; memory of {sampler.processes} "
                f"processes: RSS {mib(sampler.start_rss)} -> {mib(sampler.peak)} MiB, PSS "
                f"{mib(sampler.start_pss)} -> {mib(sampler.peak_pss)} MiB, largest process "
                f"{mib(sampler.peak_process)} MiB"
            )
            continue
        invoices = summary["invoices"]
        lines = sum(len(invoice["invoice_line_ids"]) for invoice in invoices)
        untaxed = sum(invoice["amount_untaxed"] for invoice in invoices)
        expected = round(fleet.devices * PLAN_PRICE + fleet.quantity() * UNIT_PRICE, 2)
        states = "/".join(sorted({invoice["state"] for invoice in invoices})) or "none"
        check = "ok" if abs(untaxed - expected) < 0.005 else f"MISMATCH, expected {expected:,.2f}"
        print(
            f"{fleet.devices:>6,} devices: {summary['schedule_count']:,} schedules, "
            f"{summary['contract_count']} contract(s)"
            f"{' in queue jobs' if summary['jobs'] else ''}, {len(invoices)} invoice(s) {states} "
            f"with {lines} lines, untaxed {untaxed:,.2f} ({check}), total "
            f"{summary['amount_total']:,.2f}; setup {fleet.devices / create_s:,.0f} devices/s, "
            f"{fleet.records / load_s:,.0f} records/s; memory of {sampler.processes} processes: "
            f"RSS {mib(sampler.start_rss)} -> {mib(sampler.peak)} MiB, PSS "
            f"{mib(sampler.start_pss)} -> {mib(sampler.peak_pss)} MiB, largest process "
            f"{mib(sampler.peak_process)} MiB"
        )
    for fleet in (large, small):
        base = baselines[fleet.label]
        invoices, sampler = base["invoices"], base["sampler"]
        lines = sum(len(invoice["invoice_line_ids"]) for invoice in invoices)
        states = "/".join(sorted({invoice["state"] for invoice in invoices})) or "none"
        print(
            f"baseline {fleet.devices:>6,} lines: {len(invoices)} invoice(s) {states} with "
            f"{lines:,} lines, untaxed {sum(inv['amount_untaxed'] for inv in invoices):,.2f} "
            f"(expected {fleet.devices * PLAN_PRICE:,.2f}); memory: RSS "
            f"{mib(sampler.start_rss)} -> {mib(sampler.peak)} MiB, PSS {mib(sampler.start_pss)}"
            f" -> {mib(sampler.peak_pss)} MiB, largest process {mib(sampler.peak_process)} MiB"
        )

    small_s = results[small.label][2]
    print(
        f"\nlinearity: {large.devices / small.devices:.1f}x the devices took "
        f"{'>' if large_dropped else ''}{large_s / small_s:.1f}x the time "
        f"({large_s:,.1f} s / {small_s:,.1f} s; "
        f"{large_s / large.devices * 1000:.2f} ms vs {small_s / small.devices * 1000:.2f} ms "
        "a device)"
    )
    base_large, base_small = baselines[large.label], baselines[small.label]
    base_s, base_dropped = base_large["seconds"], base_large["dropped"]
    if base_small["dropped"] is None:
        estimate = base_small["seconds"] * large.devices / small.devices
        print(
            f"baseline: {small.devices:,} lines took {base_small['seconds']:,.1f} s "
            f"({base_small['seconds'] / small.devices * 1000:.1f} ms a line); "
            f"{large.devices:,} lines {'> ' if base_dropped is not None else ''}"
            f"{base_s:,.1f} s; at the small size's rate {large.devices:,} lines would take "
            f"~{estimate:,.0f} s, ~{estimate / large_s:,.0f}x our billing run (an estimate, "
            "not judged)"
        )
    ratio = base_s / large_s  # meaningless when our run was dropped: judged MISSED
    print(
        f"ratio baseline / billing run ({large.devices:,} devices): "
        f"{'>= ' if base_dropped is not None else ''}{'<= ' if large_dropped else ''}"
        f"{ratio:,.1f}x "
        f"({base_s:,.1f} s / {large_s:,.1f} s)"
    )
    if large_dropped:
        ratio_verdict = "MISSED (the billing run was dropped)"
    elif base_dropped is not None and ratio < TARGETS["ratio"]:
        ratio_verdict = "undetermined (the baseline was cut short)"
    else:
        ratio_verdict = verdict(ratio >= TARGETS["ratio"])
    print(
        "targets: billing run of %s devices <= %.0f s: %s; peak memory (PSS) <= %s MiB: %s "
        "(summed RSS %s MiB, largest process %s MiB); "
        ">= %.0fx the baseline: %s"
        % (
            f"{large.devices:,}",
            TARGETS["run"],
            verdict(large_s <= TARGETS["run"] and not large_dropped),
            f"{TARGETS['memory'] / 2**20:,.0f}",
            verdict(large_sampler.peak_pss <= TARGETS["memory"]),
            mib(large_sampler.peak),
            mib(large_sampler.peak_process),
            TARGETS["ratio"],
            ratio_verdict,
        )
    )


if __name__ == "__main__":
    main()
