"""The transaction account's rules: when held entries are worth an invoice.

A customer whose billing runs would invoice less than its threshold has the amounts
held on its account; the account is invoiced - all its open entries on one invoice -
as soon as one of these holds on the day of the flush:

- the balance reached the threshold;
- the oldest entry has been held for the maximum holding time;
- the fiscal year ends that day, or the oldest entry is of an earlier fiscal year (a
  year's revenue is invoiced within the year).

The flush's SQL (``iot.account.entry._due_accounts_sql``) says the same; the tests hold
it against these functions.
"""

import calendar
import datetime
from typing import NamedTuple


class Policy(NamedTuple):
    """A customer's holding policy: ``threshold`` 0 holds nothing; ``holding`` 0 holds
    without a time limit (up to the fiscal year end); ``unit`` is "day" or "month"."""

    threshold: float
    holding: int = 0
    unit: str = "month"


def add_months(day, months):
    """``day`` moved by whole months, kept within the month's length.

    >>> add_months(datetime.date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(datetime.date(2026, 11, 15), 3)
    datetime.date(2027, 2, 15)
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def holding_ends(oldest, policy):
    """The day from which an account whose oldest entry is of ``oldest`` is invoiced
    whatever its balance; None without a holding time.

    >>> holding_ends(datetime.date(2026, 1, 31), Policy(50, 3, "month"))
    datetime.date(2026, 4, 30)
    >>> holding_ends(datetime.date(2026, 1, 31), Policy(50, 45, "day"))
    datetime.date(2026, 3, 17)
    >>> holding_ends(datetime.date(2026, 1, 31), Policy(50)) is None
    True
    """
    if policy.holding <= 0:
        return None
    if policy.unit == "day":
        return oldest + datetime.timedelta(days=policy.holding)
    return add_months(oldest, policy.holding)


def flush_reason(balance, oldest, policy, day, fiscal_year):
    """Why an account with this ``balance`` (untaxed, open entries) and oldest entry
    is invoiced on ``day`` - "threshold", "holding" or "fiscal_year" - or None to keep
    holding. ``fiscal_year``: the first and last day of the fiscal year of ``day``.

    >>> fy = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    >>> policy = Policy(50.0, 3, "month")
    >>> flush_reason(49.99, datetime.date(2026, 10, 31), policy, datetime.date(2026, 11, 30), fy)
    >>> flush_reason(50.0, datetime.date(2026, 10, 31), policy, datetime.date(2026, 11, 30), fy)
    'threshold'
    >>> flush_reason(10.0, datetime.date(2026, 7, 31), policy, datetime.date(2026, 10, 31), fy)
    'holding'
    >>> flush_reason(10.0, datetime.date(2026, 11, 30), policy, datetime.date(2026, 12, 31), fy)
    'fiscal_year'
    >>> last_year = datetime.date(2025, 12, 31)
    >>> flush_reason(10.0, last_year, Policy(50.0), datetime.date(2026, 1, 31), fy)
    'fiscal_year'
    """
    if policy.threshold <= 0 or balance >= policy.threshold:
        return "threshold"
    ends = holding_ends(oldest, policy)
    if ends is not None and ends <= day:
        return "holding"
    start, end = fiscal_year
    if day >= end or oldest < start:
        return "fiscal_year"
    return None


def line_groups(entries):
    """Entries grouped as the invoice shows them: one line per product, unit, unit
    price, description and service period, its quantity summed. ``entries`` are
    mappings with ``id, product_id, product_uom_id, price_unit, name, date_start,
    date_end, quantity``; the answer is ``[(key, quantity, [entry ids])]`` in the
    order of the entries' service periods, then of their first entry.

    >>> rows = [
    ...     dict(id=1, product_id=7, product_uom_id=1, price_unit=9.9, name="Plan",
    ...          date_start=datetime.date(2026, 10, 1), date_end=datetime.date(2026, 10, 31),
    ...          quantity=2.0),
    ...     dict(id=2, product_id=7, product_uom_id=1, price_unit=9.9, name="Plan",
    ...          date_start=datetime.date(2026, 9, 1), date_end=datetime.date(2026, 9, 30),
    ...          quantity=2.0),
    ...     dict(id=3, product_id=7, product_uom_id=1, price_unit=9.9, name="Plan",
    ...          date_start=datetime.date(2026, 10, 1), date_end=datetime.date(2026, 10, 31),
    ...          quantity=1.0),
    ... ]
    >>> [(key[5].month, quantity, ids) for key, quantity, ids in line_groups(rows)]
    [(9, 2.0, [2]), (10, 3.0, [1, 3])]
    """
    groups = {}
    for entry in sorted(entries, key=lambda row: (row["date_start"], row["date_end"], row["id"])):
        key = (
            entry["product_id"],
            entry["product_uom_id"],
            entry["price_unit"],
            entry["name"],
            entry["date_start"],
            entry["date_end"],
        )
        group = groups.setdefault(key, [0.0, []])
        group[0] += entry["quantity"]
        group[1].append(entry["id"])
    return [(key, quantity, ids) for key, (quantity, ids) in groups.items()]
