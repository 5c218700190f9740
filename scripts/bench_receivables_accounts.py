#!/usr/bin/env python3
"""Benchmarks of iot_receivables, run in-process on a database with the addons installed
(every change is rolled back: the database is left as it was).

Transaction accounts (``--accounts``, 100,000 by default): that many customers with two
open entries each (October and November, a taxed product at 10.00), all due on the fiscal
year end. Measured:

- the claim: the one statement that selects the due accounts' open entries under row
  locks (``iot.account.entry._claim_due``), over all the accounts;
- the flush (``_flush_accounts``: claim, one invoice per account through the ORM in
  batches, posted, entries and schedules marked invoiced), on ``--sample`` accounts or
  on all of them with ``--full``; its time for all the accounts is extrapolated from the
  sample (the cost per account does not fall with the count);
- baseline: per account, one ORM ``create`` of its invoice, ``action_post`` and a
  ``write`` of its entries (``--baseline-sample`` accounts), extrapolated likewise.

Usage:
    .venv/bin/python scripts/bench_receivables_accounts.py --db iot_bench
    .venv/bin/python scripts/bench_receivables_accounts.py --db iot_bench --accounts 100000 --full
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FISCAL_YEAR_END = datetime.date(2026, 12, 31)
TARGET_SECONDS = 60.0


def odoo_env(db, config):
    import odoo

    odoo.tools.config.parse_config(["-c", str(config), "-d", db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    return odoo, registry


def create_accounts(env, count, tag):
    """``count`` customers (one SQL statement) with two open entries each; returns the
    partner ids."""
    cr = env.cr
    company = env.company
    tax = env["account.tax"].search(
        [
            ("company_id", "=", company.id),
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
        ],
        limit=1,
    )
    product = env["product.product"].create(
        {
            "name": f"Bench plan {tag}",
            "type": "service",
            "list_price": 10.0,
            "taxes_id": [(6, 0, tax.ids)],
        }
    )
    env.flush_all()
    cr.execute(
        """INSERT INTO res_partner (name, complete_name, active, type, is_company, lang,
                                    autopost_bills, iot_hold_policy, create_uid, create_date,
                                    write_uid, write_date)
           SELECT 'Bench account ' || %s || ' ' || n, 'Bench account ' || %s || ' ' || n,
                  TRUE, 'contact', TRUE, 'en_US', 'ask', 'company', 1, now(), 1, now()
             FROM generate_series(1, %s) n
        RETURNING id""",
        [tag, tag, count],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partner_ids]
    )
    cr.execute(
        """INSERT INTO iot_account_entry
               (company_id, partner_id, currency_id, product_id, product_uom_id, name,
                quantity, price_unit, amount, date, date_start, date_end, source,
                idempotency_key, state, create_uid, create_date, write_uid, write_date)
           SELECT %(company)s, p.id, %(currency)s, %(product)s, %(uom)s, %(name)s, 1, 10, 10,
                  m.date_end, m.date_start, m.date_end, 'billing_run',
                  'bench-' || %(tag)s || '-' || p.id || '-' || m.n, 'open', 1, now(), 1, now()
             FROM unnest(%(partners)s) p(id)
            CROSS JOIN (VALUES (1, DATE '2026-10-01', DATE '2026-10-31'),
                               (2, DATE '2026-11-01', DATE '2026-11-30'))
                       AS m(n, date_start, date_end)""",
        {
            "company": company.id,
            "currency": company.currency_id.id,
            "product": product.id,
            "uom": product.uom_id.id,
            "name": product.name,
            "tag": tag,
            "partners": partner_ids,
        },
    )
    env.invalidate_all()
    return partner_ids


def bench_transaction_accounts(odoo, registry, args):
    """The transaction accounts' flush: ``(rows, notes)`` for the report."""
    rows, notes = [], []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        Entry = env["iot.account.entry"]
        company = env.company
        company.write({"iot_billing_threshold": 50.0, "iot_holding_time": 0})
        tag = str(int(time.time()))
        started = time.perf_counter()
        partner_ids = create_accounts(env, args.accounts, tag)
        print(
            f"  set-up: {args.accounts:,} accounts, {2 * args.accounts:,} entries "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )

        cr.execute("SAVEPOINT claim")
        started = time.perf_counter()
        claimed = Entry._claim_due(company, FISCAL_YEAR_END, None, False)
        claim_seconds = time.perf_counter() - started
        cr.execute("ROLLBACK TO SAVEPOINT claim")
        if len(claimed) < 2 * args.accounts:
            notes.append(f"only {len(claimed):,} entries claimed: other open entries exist")
        rows.append(
            (
                "claim: due accounts' open entries under row locks (1 statement)",
                args.accounts,
                claim_seconds,
                None,
            )
        )

        sample = args.accounts if args.full else min(args.sample, args.accounts)
        partners = env["res.partner"].browse(partner_ids[:sample])
        cr.execute("SAVEPOINT flush")
        started = time.perf_counter()
        invoices = Entry._flush_accounts(company, FISCAL_YEAR_END, partners)
        env.flush_all()
        flush_seconds = time.perf_counter() - started
        if len(invoices) != sample:
            notes.append(f"the flush made {len(invoices):,} invoices for {sample:,} accounts")
        cr.execute("ROLLBACK TO SAVEPOINT flush")
        env.invalidate_all()
        estimate = flush_seconds / sample * args.accounts
        rows.append(
            (
                "flush: claim, one posted invoice per account (ORM, batches), entries marked",
                sample,
                flush_seconds,
                estimate,
            )
        )

        baseline = min(args.baseline_sample, args.accounts)
        started = time.perf_counter()
        for partner_id in partner_ids[sample : sample + baseline]:
            entries = Entry.search([("partner_id", "=", partner_id), ("state", "=", "open")])
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner_id,
                    "invoice_date": FISCAL_YEAR_END,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": entry.product_id.id,
                                "name": entry.name,
                                "quantity": entry.quantity,
                                "price_unit": entry.price_unit,
                            },
                        )
                        for entry in entries
                    ],
                }
            )
            invoice.action_post()
            entries.sudo().write({"state": "invoiced", "move_id": invoice.id})
        env.flush_all()
        baseline_seconds = time.perf_counter() - started
        rows.append(
            (
                "baseline: per account, ORM create + post + write of its entries",
                baseline,
                baseline_seconds,
                baseline_seconds / baseline * args.accounts,
            )
        )
        cr.rollback()
    return rows, notes


def report(args, rows, notes):
    print(f"\nTransaction accounts ({args.accounts:,} accounts, 2 entries each)\n")
    print("| step | accounts | seconds | accounts/s | 100% of the accounts (s) |")
    print("|---|---:|---:|---:|---:|")
    for label, count, seconds, estimate in rows:
        full = (
            f"{estimate:,.0f} (estimated)"
            if estimate and count < args.accounts
            else (f"{seconds:,.1f}")
        )
        print(f"| {label} | {count:,} | {seconds:,.2f} | {count / seconds:,.0f} | {full} |")
    flush = rows[1]
    total = flush[3] if flush[1] < args.accounts else flush[2]
    baseline = rows[2][3]
    verdict = "met" if total <= TARGET_SECONDS else "MISSED"
    print(
        f"\nTarget: flushing {args.accounts:,} accounts in at most {TARGET_SECONDS:.0f} s: "
        f"{verdict} ({total:,.0f} s); {baseline / total:.1f}x the per-account baseline."
    )
    for note in notes:
        print(f"Note: {note}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="iot_bench", help="a database with the addons installed")
    parser.add_argument("--config", default=str(ROOT / ".state" / "odoo.conf"))
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000, help="accounts flushed")
    parser.add_argument("--full", action="store_true", help="flush every account")
    parser.add_argument("--baseline-sample", type=int, default=100)
    args = parser.parse_args()
    odoo, registry = odoo_env(args.db, args.config)
    rows, notes = bench_transaction_accounts(odoo, registry, args)
    report(args, rows, notes)


if __name__ == "__main__":
    main()
