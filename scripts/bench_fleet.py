#!/usr/bin/env python3
"""Benchmark device creation against a running server (./scripts/run).

Creates devices through ``POST /iot/api/v1/devices`` in lists of 1,000 and, as the
baseline measured in the same run, through one JSON-RPC ``create`` per device, and
prints devices/s for both and their ratio.

    ./scripts/run &                      # serves iot_demo on :8069
    .venv/bin/python scripts/bench_fleet.py [--count 100000] [--baseline-count 100000]

An API key is made with ./scripts/api-key unless --key and --login are given.
"""

import argparse
import sys
import time

from benchlib import Caller, add_access_arguments, connect, run_main, verdict


def bench_api(session, url, key, prefix, count, batch):
    headers = {"Authorization": f"Bearer {key}"}
    created = 0
    started = time.perf_counter()
    for start in range(0, count, batch):
        devices = [
            {"identifier": f"{prefix}{index:07d}", "serial": f"S{index}"}
            for index in range(start, min(start + batch, count))
        ]
        response = session.post(
            f"{url}/iot/api/v1/devices", json=devices, headers=headers, timeout=300
        )
        response.raise_for_status()
        created += response.json()["created"]
    elapsed = time.perf_counter() - started
    if created != count:
        sys.exit(f"expected {count} devices created through the API, got {created}")
    return elapsed


def bench_jsonrpc(gateway, prefix, count):
    started = time.perf_counter()
    for index in range(count):
        gateway(
            "iot.device", "create", {"identifier": f"{prefix}{index:07d}", "serial": f"S{index}"}
        )
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="iot_demo")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--baseline-count",
        type=int,
        default=None,
        help="devices created one JSON-RPC call each; at about 30/s the baseline samples "
        "2,000 by default (its per-device cost does not fall with the count)",
    )
    add_access_arguments(parser)
    args = parser.parse_args()
    run_main(run_bench, args)


def run_bench(args):
    baseline_count = args.baseline_count or min(args.count, 2000)
    access = connect(args)
    session, key, uid = access.session, access.key, access.uid
    run = time.strftime("%H%M%S")
    api_s = bench_api(session, access.url, key, f"BA{run}_", args.count, args.batch)
    gateway = Caller(session, access.url, args.db, uid, key)
    rpc_s = bench_jsonrpc(gateway, f"BR{run}_", baseline_count)
    api_rate = args.count / api_s
    rpc_rate = baseline_count / rpc_s
    rows = [
        ("POST /iot/api/v1/devices, lists of %d" % args.batch, args.count, api_s, api_rate),
        ("baseline: JSON-RPC create per device", baseline_count, rpc_s, rpc_rate),
    ]
    print(f"\n{'path':<44} {'devices':>9} {'seconds':>9} {'devices/s':>10}")
    for name, count, seconds, rate in rows:
        print(f"{name:<44} {count:>9,} {seconds:>9.1f} {rate:>10,.0f}")
    ratio = api_rate / rpc_rate
    print(f"\nratio API / baseline: {ratio:.1f}x")
    print(
        "targets: >= 1,000 devices/s through the API: %s; >= 10x the baseline: %s"
        % (verdict(api_rate >= 1000), verdict(ratio >= 10))
    )


if __name__ == "__main__":
    main()
