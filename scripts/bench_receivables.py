#!/usr/bin/env python3
"""Benchmark collection (iot_receivables) in-process, on a database of its own.

Sections (``--only`` picks some; each runs in a transaction rolled back at its end, so
the database can be used again):

* ``dunning``: the dunning run (``res.partner._iot_dunning_run``) over --customers
  customers with --invoices open posted invoices and --devices devices, written with
  SQL (invoices as ``account_move`` rows: what the run reads). One customer in five is
  overdue: 5% reach the reminder (e-mail), 5% the letter and fee, 5% the blocking level
  and 5% the collection level (block and hand-over), so the run writes a history record,
  a chatter note and, for a tenth of the customers, blocks 2 devices each (Blocked
  transition, block records, events). Reminders and fee invoices go to queue jobs (more
  than 200 of them) and are not in the figure. Target: at most 30 s. Baseline, printed
  beside it: the same evaluation as a per-customer ORM loop (search the customer's open
  invoices, apply the levels in Python), timed on a sample and extrapolated.
* ``payment``: a customer with --payment-devices devices blocked by dunning pays its
  invoice through ``account.payment.register`` (what the Register Payment button
  does); the devices come back in the same transaction. Target: at most 2 s for the
  whole payment. Baseline beside it: the same devices unblocked one by one
  (``_iot_unblock`` per device), sampled and extrapolated.

    createdb -h 127.0.0.1 -U odoo iot_recbench   # or any database name
    .venv/bin/python .state/../odoo-bin ...      # see below: the script installs it
    .venv/bin/python scripts/bench_receivables.py [--db iot_recbench] [--quick]

The database is created and the addons installed (without demo data) when it does not
exist yet (a few minutes, once). --quick divides every count by 10.
"""

import argparse
import contextlib
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"dunning": 30.0, "payment": 2.0}  # seconds
ADDONS = "iot_fleet,iot_usage,iot_contract_billing,iot_receivables"


def verdict(ok):
    return "met" if ok else "MISSED"


# ----------------------------------------------------------------------
# Odoo in-process
# ----------------------------------------------------------------------


def odoo_config(db):
    venv = Path(os.environ.get("VENV", ROOT / ".venv"))
    conf = ROOT / ".state" / "odoo.conf"
    if not conf.exists():
        sys.exit(f"error: no {conf}: run ./scripts/test or ./scripts/run once")
    return venv, conf


def ensure_database(db):
    """Create ``db`` with the addons installed (no demo data) when it is missing."""
    import odoo
    from odoo.service import db as db_service

    if db in db_service.list_dbs(force=True):
        return
    venv, conf = odoo_config(db)
    odoo_bin = os.environ.get("ODOO_BIN", "/opt/odoo/18.0/odoo-bin")
    print(f"installing {ADDONS} in a new database {db} (once, a few minutes)...", flush=True)
    subprocess.run(
        [
            sys.executable,
            odoo_bin,
            "-c",
            str(conf),
            "-d",
            db,
            "-i",
            ADDONS,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ],
        check=True,
    )
    odoo.tools.config["db_name"] = db


@contextlib.contextmanager
def environment(db):
    """An environment as the superuser in a transaction rolled back at the end."""
    import odoo
    from odoo.modules.registry import Registry

    registry = Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tz": "UTC"})
        try:
            yield env
        finally:
            cr.rollback()


def timed(call, *args, **kwargs):
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return time.perf_counter() - started, result


# ----------------------------------------------------------------------
# Data, written with SQL
# ----------------------------------------------------------------------

# Days past due of the overdue invoices, per customer class (index % 20): 16 reminder,
# 17 letter and fee, 18 blocked, 19 collection (two invoices 70 days overdue).
OVERDUE = {16: (15,), 17: (25,), 18: (40,), 19: (70, 70)}


# The bench policy: (days overdue, minimum amount, minimum count, actions) per level.
LEVELS = {
    "Reminder": (10, 0, 1, {"send_email": True}),
    "Letter and fee": (20, 0, 1, {"print_letter": True, "fee": True}),
    "Blocked": (30, 50, 1, {"block_devices": True}),
    "Collection": (60, 0, 2, {"block_devices": True, "hand_over": True}),
}


def make_policy(env, company):
    fee = env["product.product"].create(
        {"name": "Bench dunning fee", "type": "service", "list_price": 5.0}
    )
    levels = []
    for sequence, (name, (days, amount, count, actions)) in enumerate(LEVELS.items()):
        values = dict(actions, name=name, sequence=sequence, days_overdue=days)
        values.update(min_amount=amount, min_count=count)
        if values.pop("fee", False):
            values["fee_product_id"] = fee.id
        levels.append((0, 0, values))
    policy = env["iot.dunning.policy"].create(
        {"name": "Bench policy", "company_id": company.id, "level_ids": levels}
    )
    return policy


def make_data(env, company, policy, customers, invoices, devices, today):
    """Customers, open invoices and active devices, with SQL; returns the customers' ids."""
    cr = env.cr
    env.flush_all()
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, is_company, type, company_id,
                                 autopost_bills, iot_dunning_policy_id, create_date,
                                 write_date)
        SELECT 'Bench customer ' || i, 'Bench customer ' || i, true, true, 'contact', %s,
               'ask', %s, now(), now()
          FROM generate_series(0, %s - 1) AS i
     RETURNING id
        """,
        (company.id, policy.id, customers),
    )
    ids = sorted(row[0] for row in cr.fetchall())
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", (ids,))
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    per_customer = invoices // customers
    # Invoice k of customer i: overdue by OVERDUE[i % 20][k] days when defined, else due
    # in 1 to 30 days.
    cr.execute(
        """
        INSERT INTO account_move (name, journal_id, company_id, currency_id, date,
                                  invoice_date, invoice_date_due, state, move_type,
                                  partner_id, commercial_partner_id, payment_state,
                                  amount_total, amount_total_signed, amount_residual,
                                  amount_residual_signed, auto_post, create_date,
                                  write_date)
        SELECT 'BENCH/' || p.n || '/' || k, %(journal)s, %(company)s, %(currency)s,
               due - 30, due - 30, due, 'posted', 'out_invoice', p.id, p.id, 'not_paid',
               60, 60, 60, 60, 'no', now(), now()
          FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM res_partner WHERE id = ANY(%(ids)s)) AS p
    CROSS JOIN generate_series(0, %(per)s - 1) AS k
    CROSS JOIN LATERAL (SELECT CASE
                 WHEN p.n %% 20 = 16 AND k = 0 THEN %(today)s::date - 15
                 WHEN p.n %% 20 = 17 AND k = 0 THEN %(today)s::date - 25
                 WHEN p.n %% 20 = 18 AND k = 0 THEN %(today)s::date - 40
                 WHEN p.n %% 20 = 19 AND k < 2 THEN %(today)s::date - 70
                 ELSE %(today)s::date + 1 + ((p.n + k) %% 30)::int END AS due) AS d
        """,
        {
            "journal": journal.id,
            "company": company.id,
            "currency": company.currency_id.id,
            "ids": ids,
            "per": per_customer,
            "today": today,
        },
    )
    device_type = env["iot.device.type"].search([], limit=1)
    active = env.ref("iot_fleet.state_active")
    per_device = max(devices // customers, 1)
    cr.execute(
        """
        INSERT INTO iot_device (identifier, name, active, type_id, partner_id, company_id,
                                state_id, base_status, activation_date, create_date,
                                write_date)
        SELECT 'BENCHDEV' || p.n || '_' || k, 'BENCHDEV' || p.n || '_' || k, true, %s,
               p.id, %s, %s, 'active', %s::date - 365, now(), now()
          FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM res_partner WHERE id = ANY(%s)) AS p
    CROSS JOIN generate_series(0, %s - 1) AS k
        """,
        (device_type.id, company.id, active.id, today, ids, per_device),
    )
    for table in ("res_partner", "account_move", "iot_device"):
        cr.execute(f"ANALYZE {table}")
    env.invalidate_all()
    return ids


# ----------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------


def orm_loop_levels(env, company, policy, partners, today):
    """The baseline: each customer's open invoices searched and its level found in
    Python, one customer at a time (what a naive run does before taking any action)."""
    from odoo.addons.iot_receivables.core import dunning

    levels = [level._iot_core_level() for level in policy.level_ids]
    found = {}
    Move = env["account.move"]
    for partner in partners:
        moves = Move.search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        invoices = [
            dunning.OpenInvoice(move.invoice_date_due, move.amount_residual_signed)
            for move in moves
        ]
        level = dunning.reached_level(levels, invoices, today)
        if level and level.blocks:
            partner.env["iot.device"].search(
                [("partner_id.commercial_partner_id", "=", partner.id)]
            ).mapped("state_id")
        found[partner.id] = level
    return found


def bench_dunning(env, args):
    company = env.company
    today = datetime.date.today()
    policy = make_policy(env, company)
    print(
        f"writing {args.customers:,} customers, {args.invoices:,} open invoices and "
        f"{args.devices:,} devices with SQL...",
        flush=True,
    )
    seconds, ids = timed(
        make_data, env, company, policy, args.customers, args.invoices, args.devices, today
    )
    print(f"  data written in {seconds:,.1f} s", flush=True)
    env.cr.execute("SAVEPOINT bench_baseline")
    sample = env["res.partner"].browse(ids[: args.sample])
    base_s, _found = timed(orm_loop_levels, env, company, policy, sample, today)
    baseline = base_s * len(ids) / len(sample)
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_baseline")
    env.invalidate_all()
    print("dunning run...", flush=True)
    run_s, logs = timed(env["res.partner"]._iot_dunning_run, company, today)
    env.cr.execute(
        "SELECT count(*) FROM iot_device_block WHERE reason = 'dunning' AND state = 'in_force'"
    )
    blocked = env.cr.fetchone()[0]
    env.cr.execute("SELECT count(*) FROM queue_job WHERE state = 'pending'")
    jobs = env.cr.fetchone()[0]
    print()
    print(f"{'dunning run':<58}{'seconds':>10}")
    print(
        f"{f'set-based: {args.customers:,} customers, {args.invoices:,} invoices':<58}"
        f"{run_s:>10.1f}"
    )
    print(
        f"{f'baseline: per-customer ORM loop ({len(sample)} sampled, extrapolated)':<58}"
        f"{baseline:>10.1f}"
    )
    print(
        f"  {len(logs):,} history records, {blocked:,} devices blocked, {jobs:,} queue jobs "
        f"for reminders and fees; baseline / run: {baseline / run_s:,.0f}x"
    )
    print(f"  target <= {TARGETS['dunning']:.0f} s: {verdict(run_s <= TARGETS['dunning'])}")
    return run_s


def bench_payment(env, args):
    company = env.company
    today = datetime.date.today()
    policy = make_policy(env, company)
    partner = env["res.partner"].create(
        {"name": "Bench payer", "is_company": True, "iot_dunning_policy_id": policy.id}
    )
    Command = __import__("odoo").fields.Command
    product = env["product.product"].create({"name": "Bench service", "type": "service"})
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today - datetime.timedelta(days=70),
            "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": 500})],
        }
    )
    invoice.invoice_date_due = today - datetime.timedelta(days=40)
    invoice.action_post()
    device_type = env["iot.device.type"].search([], limit=1)
    devices = env["iot.device"].create(
        [
            {"identifier": f"BENCHPAY{index:05d}", "type_id": device_type.id}
            for index in range(args.payment_devices)
        ]
    )
    devices._activate(partner, today - datetime.timedelta(days=90))
    env["res.partner"]._iot_dunning_run(company, today)
    blocked = devices.filtered(lambda d: d.state_id.code == "blocked")
    if len(blocked) != len(devices):
        sys.exit(f"error: dunning blocked {len(blocked)} devices of {len(devices)}")
    env.flush_all()
    env.cr.execute("SAVEPOINT bench_payment")

    def pay():
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        wizard.action_create_payments()
        env.flush_all()

    pay_s, _result = timed(pay)
    back = devices.filtered(lambda d: d.state_id.code == "active")
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_payment")
    env.invalidate_all()
    sample = devices[: args.sample_devices]

    def one_by_one():
        for device in sample:
            device._iot_unblock("dunning", origin="payment")
        env.flush_all()

    base_s, _result = timed(one_by_one)
    baseline = base_s * len(devices) / len(sample)
    print()
    print(f"{'payment that clears a blocked customer':<58}{'seconds':>10}")
    print(f"{f'Register Payment, {len(back):,} devices back':<58}{pay_s:>10.2f}")
    print(
        f"{f'baseline: one device at a time ({len(sample)} sampled, extrapolated)':<58}"
        f"{baseline:>10.2f}"
    )
    if len(back) != len(devices):
        print(f"  only {len(back)} of {len(devices)} devices came back: check the hooks")
    print(f"  target <= {TARGETS['payment']:.0f} s: {verdict(pay_s <= TARGETS['payment'])}")
    return pay_s


SECTIONS = {"dunning": bench_dunning, "payment": bench_payment}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--db", default="iot_recbench")
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="every count 10x smaller")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=200, help="customers of the baseline")
    parser.add_argument("--payment-devices", type=int, default=1_000)
    parser.add_argument("--sample-devices", type=int, default=50, help="of the baseline")
    args = parser.parse_args()
    if args.quick:
        for name in ("customers", "invoices", "devices", "payment_devices"):
            setattr(args, name, max(20, getattr(args, name) // 10))
    _venv, conf = odoo_config(args.db)
    import odoo

    odoo.tools.config.parse_config(["-c", str(conf), "--log-level=warn"])
    ensure_database(args.db)
    odoo.tools.config["db_name"] = args.db
    for name in args.only or list(SECTIONS):
        with environment(args.db) as env:
            SECTIONS[name](env, args)


if __name__ == "__main__":
    main()
