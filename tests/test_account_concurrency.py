"""Concurrent flushes of transaction accounts invoice each entry exactly once.

Real, committed transactions in cursors of their own (not Odoo's single test cursor): the
row locks that the flush takes (``FOR UPDATE SKIP LOCKED``) are what keep an entry off a
second invoice. The data is committed into the throwaway test database under names no
other test uses, and left invoiced (no open entry remains for the scheduled flush).
"""

import datetime
import functools
import threading
import uuid

import pytest

odoo = pytest.importorskip("odoo")

DAY = datetime.date(2026, 11, 30)


@pytest.fixture
def accounts():
    """Three customers, two open entries each (committed); ``(registry, company id,
    partner ids, entry ids)``."""
    from odoo.tests.common import get_db_name

    registry = odoo.modules.registry.Registry(get_db_name())
    tag = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "iot.account.entry" not in env:
            pytest.skip("iot_receivables is not installed")
        product = env["product.product"].create(
            {"name": f"Concurrency plan {tag}", "type": "service", "taxes_id": False}
        )
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Concurrency {tag} {n}",
                    "iot_hold_policy": "custom",
                    "iot_billing_threshold": 1000.0,
                }
                for n in range(3)
            ]
        )
        entries = env["iot.account.entry"].create(
            [
                {
                    "company_id": env.company.id,
                    "partner_id": partner.id,
                    "currency_id": env.company.currency_id.id,
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "name": product.name,
                    "quantity": 1.0,
                    "price_unit": 10.0,
                    "amount": 10.0,
                    "date": datetime.date(2026, 10, 31) + datetime.timedelta(days=30 * month),
                    "date_start": datetime.date(2026, 10 + month, 1),
                    "date_end": datetime.date(2026, 10, 31) + datetime.timedelta(days=30 * month),
                    "idempotency_key": f"concurrency-{tag}-{partner.id}-{month}",
                }
                for partner in partners
                for month in range(2)
            ]
        )
        result = (registry, env.company.id, partners.ids, entries.ids)
    yield result
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        # Whatever a failing test left open is invoiced, so no later flush meets it.
        env["iot.account.entry"]._flush_accounts(
            env.company, DAY, env["res.partner"].browse(result[2]), force=True
        )


def flush(env, company_id, partner_ids):
    return env["iot.account.entry"]._flush_accounts(
        env["res.company"].browse(company_id),
        DAY,
        env["res.partner"].browse(partner_ids),
        force=True,
    )


def invoiced(registry, entry_ids):
    """``{entry id: invoice id}`` and the invoices' amounts, as committed."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT id, state, move_id FROM iot_account_entry WHERE id = ANY(%s)", [entry_ids]
        )
        rows = cr.fetchall()
        assert {state for _id, state, _move in rows} == {"invoiced"}
        cr.execute(
            """SELECT m.id, m.amount_untaxed, COUNT(l.id)
                 FROM account_move m JOIN account_move_line l ON l.move_id = m.id
                WHERE m.id = ANY(%s) AND l.display_type = 'product'
                GROUP BY m.id""",
            [list({move for _id, _state, move in rows})],
        )
        return {entry: move for entry, _state, move in rows}, cr.fetchall()


def test_two_concurrent_flushes_invoice_each_entry_once(accounts):
    registry, company_id, partner_ids, entry_ids = accounts
    with registry.cursor() as cr_a, registry.cursor() as cr_b:
        env_a = odoo.api.Environment(cr_a, odoo.SUPERUSER_ID, {})
        env_b = odoo.api.Environment(cr_b, odoo.SUPERUSER_ID, {})
        first = flush(env_a, company_id, partner_ids)
        # A holds its entries, uncommitted: B does not wait for them, and skips them.
        second = flush(env_b, company_id, partner_ids)
        assert len(first) == 3
        assert not second
        first_ids = first.ids
        cr_b.commit()
        cr_a.commit()
    with registry.cursor() as cr:
        assert not flush(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), company_id, partner_ids)
    moves, amounts = invoiced(registry, entry_ids)
    assert sorted(set(moves.values())) == sorted(first_ids)
    # One invoice per customer, a line per month, 2 x 10.00 each.
    assert sorted((float(amount), lines) for _move, amount, lines in amounts) == [(20.0, 2)] * 3


def test_flushes_in_parallel_threads_invoice_each_entry_once(accounts):
    registry, company_id, partner_ids, entry_ids = accounts
    from odoo.service.model import retrying

    results, errors = [], []
    start = threading.Barrier(4)

    def run():
        try:
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                start.wait(timeout=30)
                # Retried on a serialization failure, as Odoo retries requests and jobs.
                moves = retrying(functools.partial(flush, env, company_id, partner_ids), env)
                results.append(moves.ids)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    created = [move for ids in results for move in ids]
    assert len(created) == len(set(created)) == 3
    moves, amounts = invoiced(registry, entry_ids)
    assert sorted(set(moves.values())) == sorted(created)
    assert sorted(float(amount) for _move, amount, _lines in amounts) == [20.0] * 3
