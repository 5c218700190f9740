"""Levelised (average) billing: an estimated annual cost paid in equal instalments.

A customer pays the year's estimate in equal monthly instalments instead of what each
month costs. At chosen months a review compares the usage valued so far with the
estimate pro rata; beyond a tolerance the rest of the year is re-levelled so that the
year's instalments add up to the new projection. At the year's end a settlement
invoices (or credits) the difference between what the months actually cost, each at
its own prices, and what was invoiced in instalments and earlier settlements.

Amounts are ``Decimal`` in whole units of the currency (``digits`` decimals): the
instalments of a total always add up to it to the cent.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ZERO = Decimal(0)


def _step(digits):
    return Decimal(1).scaleb(-digits)


def to_amount(value, digits=2):
    """``value`` (a float, string or Decimal) rounded half up to ``digits`` decimals.

    >>> to_amount(0.1 + 0.2)
    Decimal('0.30')
    >>> to_amount("2.675")
    Decimal('2.68')
    >>> to_amount(-1.005, digits=2)
    Decimal('-1.01')
    """
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(_step(digits), rounding=ROUND_HALF_UP)


def split(total, count, digits=2):
    """``total`` in ``count`` instalments that differ by at most a cent and add up to it.

    The cents that do not divide evenly go to the first instalments, so the customer
    pays the same amount from the first month the rest of the year on.

    >>> split(Decimal("1000"), 12)  # doctest: +NORMALIZE_WHITESPACE
    [Decimal('83.34'), Decimal('83.34'), Decimal('83.34'), Decimal('83.34'),
     Decimal('83.33'), Decimal('83.33'), Decimal('83.33'), Decimal('83.33'),
     Decimal('83.33'), Decimal('83.33'), Decimal('83.33'), Decimal('83.33')]
    >>> sum(split(Decimal("1000"), 12))
    Decimal('1000.00')
    >>> split(Decimal("0.05"), 3)
    [Decimal('0.02'), Decimal('0.02'), Decimal('0.01')]
    >>> split(Decimal("-10"), 3)
    [Decimal('-3.34'), Decimal('-3.33'), Decimal('-3.33')]
    >>> split(Decimal("10"), 0)
    []
    """
    if count <= 0:
        return []
    step = _step(digits)
    total = to_amount(total, digits)
    sign = -1 if total < 0 else 1
    cents = int(abs(total) / step)
    base, left = divmod(cents, count)
    return [sign * (base + (1 if index < left else 0)) * step for index in range(count)]


def pro_rata(estimate, month, months=12, digits=2):
    """What the first ``month`` of ``months`` should have cost under ``estimate``.

    >>> pro_rata(Decimal("1200"), 4)
    Decimal('400.00')
    >>> pro_rata(Decimal("1000"), 4)
    Decimal('333.33')
    """
    return to_amount(Decimal(estimate) * month / months, digits)


def deviation(actual, expected):
    """How far ``actual`` is from ``expected``, as a percentage of ``expected``.

    >>> deviation(Decimal("460"), Decimal("400"))
    Decimal('15.00')
    >>> deviation(Decimal("300"), Decimal("400"))
    Decimal('-25.00')
    >>> deviation(Decimal("5"), ZERO) is None  # nothing expected: no percentage
    True
    """
    if not expected:
        return None
    return to_amount((Decimal(actual) - Decimal(expected)) * 100 / Decimal(expected), 2)


def project(actual, month, months=12, digits=2):
    """The year's cost if the rest of it goes on at the pace of its first ``month``.

    >>> project(Decimal("460"), 4)
    Decimal('1380.00')
    """
    return to_amount(Decimal(actual) * months / month, digits)


class Review(NamedTuple):
    """What a review found: the usage valued so far, what the estimate expected by
    then, the deviation (percent), the year's projection, and the instalments still
    to invoice (``None`` when the deviation is within the tolerance)."""

    actual: Decimal
    expected: Decimal
    deviation: Decimal
    projection: Decimal
    remaining: list | None


def review(estimate, month, actual, invoiced, remaining_count, tolerance, months=12, digits=2):
    """Review the plan after its ``month``-th month.

    ``actual``: what its first ``month`` months cost (the valued schedules);
    ``invoiced``: the total of the instalments invoiced so far; ``remaining_count``:
    the instalments not invoiced yet; ``tolerance``: the deviation (percent, either
    way) that is still left alone.

    Beyond the tolerance the year is re-levelled: the projection less what was
    invoiced, split over the remaining instalments. A projection below what was
    invoiced already leaves the remaining instalments at zero (the settlement credits
    the difference): an instalment is never a credit note.

    >>> r = review(Decimal("1200"), 4, Decimal("460"), Decimal("500"), 7, 10)
    >>> r.deviation, r.projection, sum(r.remaining), r.remaining[0]
    (Decimal('15.00'), Decimal('1380.00'), Decimal('880.00'), Decimal('125.72'))
    >>> review(Decimal("1200"), 4, Decimal("420"), Decimal("500"), 7, 10).remaining is None
    True
    >>> review(Decimal("1200"), 8, Decimal("200"), Decimal("900"), 3, 10).remaining
    [Decimal('0.00'), Decimal('0.00'), Decimal('0.00')]
    """
    actual = to_amount(actual, digits)
    expected = pro_rata(estimate, month, months, digits)
    found = deviation(actual, expected)
    projection = project(actual, month, months, digits)
    if found is None:
        beyond = bool(actual)
        found = Decimal("100.00") if beyond else ZERO.quantize(_step(2))
    else:
        beyond = abs(found) > Decimal(str(tolerance))
    remaining = None
    if beyond:
        rest = max(projection - to_amount(invoiced, digits), ZERO)
        remaining = split(rest, remaining_count, digits)
    return Review(actual, expected, found, projection, remaining)


def settlement(actual_by_month, instalments, settled=(), digits=2):
    """What is left to settle: the months' actual cost, each priced at its own
    month's prices, less the instalments invoiced and the settlements made before
    (an invoice counts positive, a credit note negative). Positive: to invoice;
    negative: to credit; zero: nothing (a settlement run twice settles once).

    >>> months = [Decimal("90.10"), Decimal("120.00"), Decimal("80.50")]
    >>> settlement(months, [Decimal("100")] * 3)
    Decimal('-9.40')
    >>> settlement(months, [Decimal("100")] * 3, settled=[Decimal("-9.40")])
    Decimal('0.00')
    """
    total = sum((to_amount(amount, digits) for amount in actual_by_month), ZERO)
    paid = sum((to_amount(amount, digits) for amount in instalments), ZERO)
    before = sum((to_amount(amount, digits) for amount in settled), ZERO)
    return (total - paid - before).quantize(_step(digits))


def parse_months(text, months=12):
    """The review months of a plan from its text ("4, 8"): sorted, each in 1 to
    ``months`` - 1 (the last month is settled, not reviewed).

    >>> parse_months("8, 4,4")
    [4, 8]
    >>> parse_months("")
    []
    >>> parse_months("13")
    Traceback (most recent call last):
    ...
    ValueError: 13
    """
    found = set()
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) < months:
            raise ValueError(part)
        found.add(int(part))
    return sorted(found)
