"""Turning one device's readings in one billing period into one quantity.

This is the reference implementation: production aggregates every device at once
in a single SQL query, and the tests compare that query with :func:`aggregate`.
So each method's rules are spelled out exactly below, including the edge cases
(no readings, readings without a value, equal timestamps, counter resets), and
the SQL must follow them.

Readings are ``(dtu, value)`` pairs: ``dtu`` a naive UTC ``datetime``, ``value``
an ``int``, a ``float`` or ``None`` (a device may report that it is alive without
a measure). Readings are put in ``dtu`` order with a stable sort, so readings with
the same ``dtu`` keep the order they were given in (in SQL: order by ``dtu`` then
by the reading's id, the order in which they were received).
"""

import math
from itertools import pairwise

METHODS = ("sum", "count", "min", "max", "avg", "latest", "unique_count", "delta")


def aggregate(readings, method, previous=None):
    """Aggregate ``readings`` with ``method`` and return a ``float``.

    - ``sum``, ``min``, ``max``, ``avg``: over the readings that have a value
      (``None`` is skipped); ``0.0`` when none has one. Sums use ``math.fsum``,
      so the result does not depend on the order of the readings.
    - ``count``: the number of readings, those without a value included (a
      reading is an event: a message sent, a connection made).
    - ``latest``: the value of the last reading, by ``dtu``, that has one.
    - ``unique_count``: the number of distinct values (``1`` and ``1.0`` are the
      same value); ``None`` is not a value.
    - ``delta``: the consumption of a cumulative meter, see :func:`delta`;
      ``previous`` is only used by this method.

    Raises ``ValueError`` for an unknown method.
    """
    if method not in METHODS:
        raise ValueError(
            f"unknown aggregation method {method!r}: expected one of {', '.join(METHODS)}"
        )
    ordered = _ordered(readings)
    if method == "count":
        return float(len(ordered))
    if method == "delta":
        return delta(ordered, previous)
    values = _values(ordered)
    if not values:
        return 0.0
    if method == "sum":
        return math.fsum(values)
    if method == "min":
        return min(values)
    if method == "max":
        return max(values)
    if method == "avg":
        return math.fsum(values) / len(values)
    if method == "latest":
        return values[-1]
    return float(len(set(values)))  # unique_count


def delta(readings, previous=None):
    """Consumption of a cumulative meter (an index that only goes up) in the period.

    It is the sum of the increments between consecutive values, in ``dtu`` order,
    starting from ``previous`` (the value of the last reading before the period)
    when given; otherwise the first reading of the period is the starting point
    and contributes nothing. Readings without a value are skipped.

    A value lower than the one before means the counter restarted from zero (the
    meter was replaced, or the counter overflowed): that increment is the value
    itself, not the (negative) difference. Counting a reset as a drop would make
    the consumption negative, while what was consumed since the reset is exactly
    the new index. A negative value after a reset contributes nothing, so the
    result is never negative.
    """
    values = _values(_ordered(readings))
    if previous is not None:
        values.insert(0, float(previous))
    return math.fsum(_increment(before, after) for before, after in pairwise(values))


def _increment(before, after):
    """The consumption between two consecutive meter values (see :func:`delta`)."""
    if after >= before:
        return after - before
    return max(after, 0.0)


def _ordered(readings):
    """Readings sorted by ``dtu``; ``sorted`` is stable, so ties keep their order."""
    return sorted(readings, key=lambda reading: reading[0])


def _values(ordered):
    """The readings' values as floats, in order, skipping readings without one."""
    return [float(value) for _dtu, value in ordered if value is not None]
