"""Which dunning level a customer has reached, and what moving to it means.

A policy is a list of levels, each with conditions measured from the invoices' **due
date**. A level counts the customer's open invoices overdue by at least its
``days_overdue`` days; it is reached when there are at least ``min_count`` of them and
they owe at least ``min_amount`` together. The customer stands at the highest level
reached (by sequence); a later level whose conditions do not hold leaves the customer
at an earlier one, whatever the order of the days.

The production run evaluates every customer in one SQL statement
(``res.partner._iot_dunning_levels``); the tests hold it against ``reached_level``.
"""

import datetime
from typing import NamedTuple


class Level(NamedTuple):
    key: object  # what the caller identifies the level by (a record id)
    sequence: int
    days_overdue: int
    min_amount: float = 0.0
    min_count: int = 1
    blocks: bool = False  # the level blocks the customer's devices


class OpenInvoice(NamedTuple):
    due: datetime.date
    residual: float  # what is still owed, in the company's currency


class Debt(NamedTuple):
    count: int
    amount: float
    days: int  # days the oldest of them is overdue


def overdue_days(due, today):
    """Days past the due date; 0 on the due date and before it.

    >>> overdue_days(datetime.date(2026, 3, 1), datetime.date(2026, 3, 11))
    10
    >>> overdue_days(datetime.date(2026, 3, 20), datetime.date(2026, 3, 11))
    0
    """
    return max((today - due).days, 0)


def debt_for(level, invoices, today):
    """The invoices a level counts: open, with something owed, overdue by its days.

    An invoice due today is not overdue: a level of 0 days counts the invoices due
    yesterday and before.

    >>> inv = [OpenInvoice(datetime.date(2026, 3, 1), 50.0),
    ...        OpenInvoice(datetime.date(2026, 3, 9), 20.0),
    ...        OpenInvoice(datetime.date(2026, 3, 11), 99.0)]
    >>> debt_for(Level(1, 10, 5), inv, datetime.date(2026, 3, 11))
    Debt(count=1, amount=50.0, days=10)
    >>> debt_for(Level(1, 10, 0), inv, datetime.date(2026, 3, 11))
    Debt(count=2, amount=70.0, days=10)
    """
    counted = [
        invoice
        for invoice in invoices
        if invoice.residual > 0
        and invoice.due < today
        and overdue_days(invoice.due, today) >= level.days_overdue
    ]
    return Debt(
        count=len(counted),
        amount=round(sum(invoice.residual for invoice in counted), 6),
        days=max((overdue_days(invoice.due, today) for invoice in counted), default=0),
    )


def is_reached(level, debt):
    """Whether the invoices a level counts meet its number and amount.

    >>> is_reached(Level(1, 10, 30, min_amount=100, min_count=2), Debt(2, 100.0, 31))
    True
    >>> is_reached(Level(1, 10, 30, min_amount=100, min_count=2), Debt(1, 500.0, 31))
    False
    """
    return debt.count >= max(level.min_count, 1) and debt.amount >= level.min_amount


def reached_level(levels, invoices, today):
    """The highest level (by sequence) whose conditions hold, or ``None``.

    >>> levels = [Level("reminder", 10, 7), Level("block", 30, 30, min_amount=100, blocks=True)]
    >>> reached_level(levels, [OpenInvoice(datetime.date(2026, 1, 1), 80.0)],
    ...               datetime.date(2026, 3, 1)).key
    'reminder'
    >>> reached_level(levels, [OpenInvoice(datetime.date(2026, 1, 1), 180.0)],
    ...               datetime.date(2026, 3, 1)).key
    'block'
    >>> reached_level(levels, [OpenInvoice(datetime.date(2026, 2, 27), 180.0)],
    ...               datetime.date(2026, 3, 1)) is None
    True
    """
    best = None
    for level in sorted(levels, key=lambda lv: lv.sequence):
        if is_reached(level, debt_for(level, invoices, today)):
            best = level
    return best


def step(current, target):
    """What the run does for a customer standing at ``current`` whose debt reaches
    ``target`` (levels or ``None``): ``"escalate"`` (the target level's actions are
    taken), ``"lower"`` (the customer moves down; no action is taken, blocks are lifted
    when the new level does not block) or ``None`` (nothing changes, nothing is sent
    twice).

    >>> first, second = Level(1, 10, 7), Level(2, 20, 30, blocks=True)
    >>> step(None, first), step(first, second), step(second, first), step(second, None)
    ('escalate', 'escalate', 'lower', 'lower')
    >>> step(first, first) is None, step(None, None) is None
    (True, True)
    """
    rank = _rank(target) - _rank(current)
    if rank > 0:
        return "escalate"
    if rank < 0:
        return "lower"
    if current is not None and target is not None and current.key != target.key:
        return "escalate"
    return None


def _rank(level):
    return -1 if level is None else level.sequence


def blocks(level):
    """Whether standing at ``level`` blocks the customer's devices.

    >>> blocks(None), blocks(Level(1, 1, 1, blocks=True))
    (False, True)
    """
    return bool(level is not None and level.blocks)


def blockable(paid_through, today):
    """A device may be blocked unless its current period was invoiced in advance and
    that invoice is paid: ``paid_through`` is the last day of the latest paid period
    (``None`` when none is paid).

    >>> blockable(None, datetime.date(2026, 3, 1))
    True
    >>> blockable(datetime.date(2026, 3, 31), datetime.date(2026, 3, 1))
    False
    >>> blockable(datetime.date(2026, 2, 28), datetime.date(2026, 3, 1))
    True
    """
    return paid_through is None or paid_through < today
