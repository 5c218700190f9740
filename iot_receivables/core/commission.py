"""A device owner's share of an invoice line, and what it earns on it.

An invoice line of a billing run bills many devices at once; its detail says what
each device's part of it is (an untaxed amount to the cent and a quantity). The owner
of some of those devices earns a commission on the part of the line its devices
brought: the line's untaxed amount times the owner's share of it, or - for a rate per
unit - the line's quantity times the owner's share of the quantity.

Shares are kept as fractions of the line rather than as amounts, so that a credit note
copied from the invoice (and perhaps lowered before it is posted) pays back the same
proportion of what it credits.
"""

from decimal import Decimal


def share(part, whole):
    """The fraction ``part`` is of ``whole``: 0 when the whole is nothing.

    >>> share(25, 100)
    0.25
    >>> share(Decimal("3.30"), Decimal("9.90"))
    0.3333333333333333
    >>> share(5, 0)
    0.0
    >>> share(-10, -40)
    0.25
    """
    if not whole:
        return 0.0
    return float(Decimal(str(part)) / Decimal(str(whole)))


def owner_shares(owner_amount, line_amount, owner_quantity, line_quantity):
    """``(amount share, quantity share)`` of an owner's devices in one invoice line.

    A line that bills nothing (a plan priced 0) is shared by quantity, so that a rate
    per unit still counts the owner's units and a percentage still earns nothing.

    >>> owner_shares(19.8, 99.0, 2, 10)
    (0.2, 0.2)
    >>> owner_shares(0, 0, 3, 12)
    (0.25, 0.25)
    >>> owner_shares(0, 0, 0, 0)
    (0.0, 0.0)
    """
    quantity_share = share(owner_quantity, line_quantity)
    amount_share = share(owner_amount, line_amount) if line_amount else quantity_share
    return amount_share, quantity_share


def per_unit(quantity, rate):
    """A commission of ``rate`` per unit on ``quantity`` units.

    >>> per_unit(250, 0.05)
    12.5
    >>> per_unit(-4, 0.5)
    -2.0
    """
    return quantity * rate
