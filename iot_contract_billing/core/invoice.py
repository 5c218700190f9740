"""Invoice lines a customer can check: splitting a rounded line over its devices.

An invoice line shows ``quantity x unit price`` for many devices together and is
rounded once, to the currency. Each device's share of it (the invoice's detail) is
that rounded amount split in proportion to the devices' exact amounts, by the
largest remainder: the shares are whole cents and add up to the line to the cent.
"""

from decimal import ROUND_FLOOR, Decimal


def allocate(total, weights, digits=2):
    """Split ``total`` over ``weights`` in whole units of ``digits`` decimals.

    Each share is proportional to its weight, rounded down, and the cents left go to
    the largest remainders (the first of equal ones): the shares always add up to
    ``total``. Weights that add up to nothing put ``total`` on the largest one.

    >>> allocate(Decimal("1.00"), [1, 1, 1])
    [Decimal('0.34'), Decimal('0.33'), Decimal('0.33')]
    >>> allocate(Decimal("0.04"), [Decimal("0.0125")] * 3)
    [Decimal('0.02'), Decimal('0.01'), Decimal('0.01')]
    >>> allocate(Decimal("462.50"), [Decimal("462.5")])
    [Decimal('462.50')]
    >>> allocate(Decimal("5.00"), [2, -2])
    [Decimal('5.00'), Decimal('0.00')]
    >>> allocate(Decimal("0"), [])
    []
    """
    step = Decimal(1).scaleb(-digits)
    total = Decimal(total).quantize(step)
    weights = [
        Decimal(str(weight)) if isinstance(weight, float) else Decimal(weight) for weight in weights
    ]
    if not weights:
        return []
    weight_sum = sum(weights)
    if not weight_sum:
        largest = max(range(len(weights)), key=lambda index: abs(weights[index]))
        return [total if index == largest else step * 0 for index in range(len(weights))]
    exact = [weight * total / weight_sum for weight in weights]
    shares = [(value / step).to_integral_value(rounding=ROUND_FLOOR) * step for value in exact]
    left = int(((total - sum(shares)) / step).to_integral_value())
    by_remainder = sorted(range(len(exact)), key=lambda index: shares[index] - exact[index])
    for index in by_remainder[:left]:
        shares[index] += step
    return shares
