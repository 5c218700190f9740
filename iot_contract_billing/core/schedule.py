"""Billing periods of a device's term, and the recurring amount of each.

A term starts on the activation date and lasts ``term_months``. Periods are blocks of
``interval_months``, either from the start date on (anniversary) or on calendar
blocks (calendar: the first and last periods are partial). A partial period's amount
is the full amount prorated by days: the days it covers over the days of its block.
"""

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ALIGNMENTS = ("anniversary", "calendar")
ONE_DAY = datetime.timedelta(days=1)


class Period(NamedTuple):
    start: datetime.date  # first day
    end: datetime.date  # last day, inclusive
    ratio: float  # days covered / days of the full block: 1.0 for a full period
    amount: float


def add_months(day, months):
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _block_start(day, interval_months):
    """The first day of the calendar block of ``interval_months`` holding ``day``."""
    month_index = (day.month - 1) // interval_months * interval_months
    return datetime.date(day.year, month_index + 1, 1)


def _round(value, digits):
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def billing_periods(
    date_start, term_months, amount, interval_months=1, alignment="anniversary", digits=2
):
    """The periods of a term, each with its prorated amount.

    >>> [p.start.isoformat() for p in billing_periods(datetime.date(2026, 4, 1), 3, 9.9)]
    ['2026-04-01', '2026-05-01', '2026-06-01']
    """
    if alignment not in ALIGNMENTS:
        raise ValueError(f"alignment must be one of {', '.join(ALIGNMENTS)}")
    if term_months < 1 or interval_months < 1:
        raise ValueError("the term and the interval are at least one month")
    if amount < 0:
        raise ValueError("the recurring amount cannot be negative")
    term_end = add_months(date_start, term_months) - ONE_DAY
    periods = []
    if alignment == "anniversary":
        step = 0
        while True:
            block_start = add_months(date_start, step * interval_months)
            if block_start > term_end:
                break
            block_end = add_months(date_start, (step + 1) * interval_months) - ONE_DAY
            periods.append((block_start, min(block_end, term_end), block_start, block_end))
            step += 1
    else:
        block_start = _block_start(date_start, interval_months)
        while block_start <= term_end:
            block_end = add_months(block_start, interval_months) - ONE_DAY
            periods.append(
                (max(block_start, date_start), min(block_end, term_end), block_start, block_end)
            )
            block_start = block_end + ONE_DAY
    result = []
    for start, end, block_start, block_end in periods:
        ratio = ((end - start).days + 1) / ((block_end - block_start).days + 1)
        result.append(Period(start, end, ratio, _round(amount * ratio, digits)))
    return result


def status_days(start, end, initial_status, changes):
    """Days of ``start``..``end`` (inclusive) spent in each status.

    ``changes`` are ``(day, status)`` in time order: the status holds from that day on,
    so the day of a change counts in the new status.

    >>> status_days(datetime.date(2026, 4, 1), datetime.date(2026, 4, 30), "active",
    ...             [(datetime.date(2026, 4, 11), "suspended")])
    {'active': 10, 'suspended': 20}
    """
    days = {}
    status, since = initial_status, start
    for day, new_status in changes:
        if day > end:
            break
        if day > since:
            days[status] = days.get(status, 0) + (day - since).days
            since = day
        status = new_status
    days[status] = days.get(status, 0) + (end - since).days + 1
    return {key: value for key, value in days.items() if value}


def status_amount(start, end, ratio, days_by_status, prices, digits=2):
    """A period's recurring amount when each status has its own price per full period.

    The full block's length follows from the period's ``ratio`` (days covered over the
    block's days), so a partial first period is prorated the same way as a flat price.
    """
    covered = (end - start).days + 1
    if sum(days_by_status.values()) != covered:
        raise ValueError("the days in each status must cover the period")
    block_days = round(covered / ratio) if ratio else covered
    total = sum(
        Decimal(str(prices[status])) * days for status, days in days_by_status.items() if days
    )
    return _round(float(total / block_days), digits)
