"""Pricing a billable quantity, with an explanation a customer can check.

A :class:`PriceModel` says how a quantity (from :mod:`.aggregation`) becomes an
amount: per unit, per graduated or volume tiers, or per started package, after
rounding the quantity and subtracting a free allowance, with a minimum charge.
:func:`price_bands` does the same for a quantity split into time-of-day bands.

Money is computed with ``Decimal``: a float is first read through ``str`` (its
shortest representation), so ``0.1`` is exactly one tenth and ``0.1 x 3`` is
``0.30``. Amounts are rounded half up to the currency's digits once, at the end.
The models validate themselves when they are built, so a bad configuration is
refused with a ``ValueError`` that says what is wrong instead of pricing wrongly.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
)
from itertools import pairwise

MODES = ("unit", "graduated", "volume", "package")
ROUNDINGS = ("none", "up", "down", "nearest")
# Name given in explanations to the part of a banded quantity outside every band.
OTHER_LABEL = "other"

_ROUNDING_MODES = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_UP}
_ROUNDING_WORDS = {"up": "rounded up to", "down": "rounded down to", "nearest": "rounded to"}
# A float carries about 15 reliable significant digits; the digits beyond are noise
# from binary arithmetic (a SQL sum of 0.1 and 0.2 is 0.30000000000000004). Keeping
# them would make "round up to 0.1" bill 0.4, so floats are read to 15 digits.
_FLOAT_CONTEXT = Context(prec=15, rounding=ROUND_HALF_UP)
_ZERO = Decimal(0)


def _decimal(value, field):
    """``value`` as a finite ``Decimal``; floats are read to 15 significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{field} must be a number, not {value!r}")
    if isinstance(value, float):
        result = _FLOAT_CONTEXT.create_decimal(repr(value))
    else:
        result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return result


def _non_negative(value, field):
    result = _decimal(value, field)
    if result < 0:
        raise ValueError(f"{field} must not be negative, got {value!r}")
    return result


def _quantity(value):
    return _non_negative(value, "quantity")


@dataclass(frozen=True)
class Tier:
    """A price tier: the quantities up to ``up_to`` included (``None``: no limit).

    ``flat_fee`` is charged once when the billable quantity reaches into the tier
    (is above the previous tier's ``up_to``).
    """

    up_to: float | None
    unit_price: float
    flat_fee: float = 0.0

    def __post_init__(self):
        if self.up_to is not None and _decimal(self.up_to, "tier up_to") <= 0:
            raise ValueError(
                f"tier up_to must be positive (or None for no upper limit), got {self.up_to!r}"
            )
        _non_negative(self.unit_price, "tier unit_price")
        _non_negative(self.flat_fee, "tier flat_fee")


@dataclass(frozen=True)
class Band:
    """A time-of-day / day-of-week rate.

    A band covers, on each of its ``days`` (0 = Monday ... 6 = Sunday, the calendar
    day of the moment), the hours from ``start_hour`` included to ``end_hour``
    excluded. When ``start_hour > end_hour`` the band wraps midnight: it covers
    ``[start_hour, 24)`` and ``[0, end_hour)`` of each of its days. So a night band
    22 -> 6 on Monday to Friday covers Monday 00:00-06:00 and Friday 22:00-24:00,
    but not Saturday 00:00-06:00: each calendar day is judged on its own, which is
    what a tariff sheet lists and what a SQL filter on the local day and hour does.
    """

    name: str
    unit_price: float
    days: frozenset = frozenset(range(7))
    start_hour: int = 0
    end_hour: int = 24

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a band needs a name")
        _non_negative(self.unit_price, f"band {self.name!r} unit_price")
        days = frozenset(self.days)
        if not days or not days <= frozenset(range(7)):
            raise ValueError(
                f"band {self.name!r} days must be a non-empty set of 0 (Monday) to 6 (Sunday)"
            )
        object.__setattr__(self, "days", days)
        if not _is_int(self.start_hour) or not 0 <= self.start_hour <= 23:
            raise ValueError(f"band {self.name!r} start_hour must be an integer from 0 to 23")
        if not _is_int(self.end_hour) or not 1 <= self.end_hour <= 24:
            raise ValueError(f"band {self.name!r} end_hour must be an integer from 1 to 24")
        if self.start_hour == self.end_hour:
            raise ValueError(
                f"band {self.name!r} start_hour and end_hour are equal: use 0 to 24 for a "
                "whole day"
            )

    def contains(self, moment):
        """Whether the local datetime ``moment`` falls in this band (minutes ignored)."""
        if moment.weekday() not in self.days:
            return False
        if self.start_hour < self.end_hour:
            return self.start_hour <= moment.hour < self.end_hour
        return moment.hour >= self.start_hour or moment.hour < self.end_hour


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class PriceModel:
    """How a quantity is priced; see :func:`price` for the order of the steps.

    ``tiers`` (of :class:`Tier`, ascending ``up_to``) are used by the graduated and
    volume modes, which need them to end with ``up_to=None`` so that every quantity
    has a price. ``bands`` (of :class:`Band`) are only used by :func:`price_bands`.
    Lists are accepted for ``tiers`` and ``bands`` and stored as tuples.
    """

    mode: str = "unit"
    unit_price: float = 0.0
    tiers: tuple = ()
    package_size: float = 1.0
    package_price: float = 0.0
    included_quantity: float = 0.0
    minimum_charge: float = 0.0
    rounding: str = "none"
    rounding_step: float = 1.0
    unit: str = "unit"
    currency_digits: int = 2
    bands: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "tiers", tuple(self.tiers))
        object.__setattr__(self, "bands", tuple(self.bands))
        if self.mode not in MODES:
            raise ValueError(
                f"unknown price mode {self.mode!r}: expected one of {', '.join(MODES)}"
            )
        if self.rounding not in ROUNDINGS:
            raise ValueError(
                f"unknown rounding {self.rounding!r}: expected one of {', '.join(ROUNDINGS)}"
            )
        if _decimal(self.rounding_step, "rounding_step") <= 0:
            raise ValueError(f"rounding_step must be positive, got {self.rounding_step!r}")
        if _decimal(self.package_size, "package_size") <= 0:
            raise ValueError(f"package_size must be positive, got {self.package_size!r}")
        for field in ("unit_price", "package_price", "included_quantity", "minimum_charge"):
            _non_negative(getattr(self, field), field)
        if not _is_int(self.currency_digits) or not 0 <= self.currency_digits <= 10:
            raise ValueError("currency_digits must be an integer from 0 to 10")
        if not isinstance(self.unit, str) or not self.unit.strip():
            raise ValueError("unit must be a non-empty name, e.g. 'MB'")
        _check_tiers(self.tiers, self.mode)
        _check_bands(self.bands)


def _check_tiers(tiers, mode):
    if any(not isinstance(tier, Tier) for tier in tiers):
        raise ValueError("tiers must be Tier instances")
    if mode in ("graduated", "volume"):
        if not tiers:
            raise ValueError(f"{mode} pricing needs at least one tier")
        if tiers[-1].up_to is not None:
            raise ValueError(
                f"the last tier of {mode} pricing must have no upper limit (up_to=None)"
            )
    limits = [tier.up_to for tier in tiers]
    if None in limits[:-1]:
        raise ValueError("only the last tier may have no upper limit (up_to=None)")
    bounded = [_decimal(limit, "tier up_to") for limit in limits if limit is not None]
    if any(low >= high for low, high in pairwise(bounded)):
        raise ValueError("tiers must be in strictly ascending order of up_to")


def _check_bands(bands):
    if any(not isinstance(band, Band) for band in bands):
        raise ValueError("bands must be Band instances")
    names = [band.name for band in bands]
    if len(set(names)) != len(names):
        raise ValueError("band names must be unique")


@dataclass(frozen=True)
class PriceLine:
    """One part of an amount as an invoice shows it: ``quantity`` x ``unit_price``.

    ``kind`` says what the part is: ``unit`` (the billable quantity at the unit price),
    ``tier`` (the part of the quantity within a graduated tier), ``volume`` (the whole
    quantity at its volume tier's price), ``fee`` (a tier's flat fee, quantity 1),
    ``package`` (started blocks of ``size`` at the package price), ``band`` (a
    time-of-day band's quantity) or ``minimum`` (the top-up to the minimum charge:
    the amount as quantity, at a unit price of 1). ``lower`` and ``upper`` bound a
    tier (``upper`` None: no limit); ``band`` names the time-of-day band a part
    belongs to (``OTHER_LABEL`` outside every band), None for a model without bands.

    The parts of a price add up to its amount before rounding to the currency (and
    with the minimum's top-up, to the minimum), so that an invoice can show each
    part as quantity x price and round once per line.
    """

    kind: str
    quantity: float
    unit_price: float
    lower: float | None = None
    upper: float | None = None
    band: str | None = None
    size: float | None = None

    @property
    def key(self):
        """What tells parts apart when they are added up over devices."""
        return (self.kind, self.lower, self.upper, self.band, self.size, self.unit_price)


@dataclass(frozen=True)
class PriceResult:
    """What :func:`price` found, with the steps spelled out for the customer."""

    quantity: float  # the aggregated quantity given
    billable_quantity: float  # after rounding and allowance
    amount: float  # rounded to currency_digits, half up
    explanation: str
    lines: tuple = ()  # of PriceLine: the parts of the amount


def price(quantity, model):
    """Price ``quantity`` with ``model``, in this order:

    1. round the quantity to a multiple of ``rounding_step``: ``up`` (ceiling),
       ``down`` (floor), ``nearest`` (half up) or ``none``;
    2. subtract ``included_quantity``, not below zero: the billable quantity;
    3. price it: ``unit`` billable x ``unit_price``; ``graduated`` each tier prices
       the part of the billable quantity within it, plus the flat fee of each tier
       reached; ``volume`` the whole billable quantity at the price of the tier it
       falls in (a quantity equal to a tier's ``up_to`` falls in that tier), plus
       that tier's flat fee; ``package`` ``package_price`` per started block of
       ``package_size``. A billable quantity of zero reaches no tier and starts no
       block, so it costs nothing in every mode, flat fees included;
    4. round the amount half up to ``currency_digits``; the amount is at least
       ``minimum_charge``, even without usage (a minimum charge is a commitment).

    Raises ``ValueError`` for a negative or non-numeric quantity.
    """
    _check_model(model)
    allowance = _decimal(model.included_quantity, "included_quantity")
    billable, _used, text = _prepare(_quantity(quantity), allowance, model)
    lines = []
    amount, detail, attached = _amount(billable, model, lines)
    if detail:
        text += detail if attached else f": {detail}"
    return _result(quantity, billable, amount, text, model, lines)


def band_of(moment, bands):
    """The name of the first band, in the order given, containing the local ``moment``.

    ``None`` when no band contains it. Bands may overlap: the order decides, so a
    specific band (weekend) goes before a general one (every day).
    """
    _check_bands(tuple(bands))
    for band in bands:
        if band.contains(moment):
            return band.name
    return None


def price_bands(quantities, model):
    """Price a quantity split by band: ``quantities`` is ``{band name or None: quantity}``.

    Each band's quantity is priced per unit at its band's ``unit_price``; the
    ``None`` quantity (outside every band, named "other" in the explanation) is
    priced like :func:`price` prices a quantity, with the model's mode. Each part is
    rounded on its own as in :func:`price`. The allowance is consumed part by part
    in the order of ``model.bands``, then the ``None`` part: a fixed, documented
    order, independent of the order of ``quantities``. The minimum charge applies
    to the total, and the total is rounded once. Parts with a zero quantity are left
    out of the explanation. A model without bands prices ``quantities[None]``
    exactly like :func:`price`.

    Raises ``ValueError`` for a name that is not one of the model's bands.
    """
    _check_model(model)
    if not isinstance(quantities, Mapping):
        raise ValueError("quantities must be a mapping of band name (or None) to quantity")
    bands = {band.name: band for band in model.bands}
    unknown = sorted(str(name) for name in quantities if name is not None and name not in bands)
    if unknown:
        raise ValueError(f"unknown band(s): {', '.join(unknown)}")
    parsed = {name: _quantity(value) for name, value in quantities.items()}
    if not bands:
        return price(quantities.get(None, 0), model)
    allowance = _decimal(model.included_quantity, "included_quantity")
    total = billable_total = _ZERO
    texts, lines = [], []
    for name in [band.name for band in model.bands] + [None]:
        if name not in parsed:
            continue
        billable, used, text = _prepare(parsed[name], allowance, model)
        allowance -= used
        parts = []
        if name is None:
            amount, detail, attached = _amount(billable, model, parts)
        else:
            amount, detail, attached = _unit_amount(
                billable, bands[name].unit_price, model, parts, kind="band"
            )
        lines += [_in_band(part, OTHER_LABEL if name is None else name) for part in parts]
        if detail:
            text += detail if attached else f" ({detail})"
        if parsed[name]:
            texts.append(f"{OTHER_LABEL if name is None else name} {text}")
        total += amount
        billable_total += billable
    text = " + ".join(texts) or f"0 {model.unit}"
    given = math.fsum(float(value) for value in quantities.values())
    return _result(given, billable_total, total, text, model, lines)


def _in_band(line, band):
    return PriceLine(
        line.kind, line.quantity, line.unit_price, line.lower, line.upper, band, line.size
    )


def _check_model(model):
    if not isinstance(model, PriceModel):
        raise ValueError(f"model must be a PriceModel, not {type(model).__name__}")


def _prepare(quantity, allowance, model):
    """Round ``quantity`` and take what is left of ``allowance`` from it.

    Returns the billable quantity, the allowance used, and the explanation so far.
    """
    unit = model.unit
    text = f"{_num(quantity)} {unit}"
    rounded = _round_quantity(quantity, model)
    if rounded != quantity:
        text += f" {_ROUNDING_WORDS[model.rounding]} {_num(rounded)} {unit}"
    used = min(max(allowance, _ZERO), rounded)
    if used:
        text += f" - {_num(used)} included = {_num(rounded - used)} {unit}"
    return rounded - used, used, text


def _round_quantity(quantity, model):
    if model.rounding == "none":
        return quantity
    step = _decimal(model.rounding_step, "rounding_step")
    steps = (quantity / step).to_integral_value(rounding=_ROUNDING_MODES[model.rounding])
    return steps * step


def _amount(billable, model, lines):
    """The unrounded amount of ``billable`` in the model's mode, and its explanation;
    its parts are appended to ``lines`` (:class:`PriceLine`).

    Returns ``(amount, detail, attached)``: ``attached`` details continue the
    quantity (" x 0.05"), the others are a separate expression.
    """
    if model.mode == "unit":
        return _unit_amount(billable, model.unit_price, model, lines)
    if model.mode == "package":
        return _package_amount(billable, model, lines)
    if model.mode == "graduated":
        return _graduated_amount(billable, model, lines)
    return _volume_amount(billable, model, lines)


def _line(lines, kind, quantity, unit_price, **bounds):
    """Append a part of a price, unless it is nothing."""
    if quantity and unit_price:
        lines.append(
            PriceLine(
                kind,
                float(quantity),
                float(unit_price),
                **{name: None if value is None else float(value) for name, value in bounds.items()},
            )
        )


def _unit_amount(billable, unit_price, model, lines, kind="unit"):
    unit_price = _decimal(unit_price, "unit_price")
    _line(lines, kind, billable, unit_price)
    return billable * unit_price, f" x {_price(unit_price, model)}", True


def _package_amount(billable, model, lines):
    size = _decimal(model.package_size, "package_size")
    package_price = _decimal(model.package_price, "package_price")
    blocks = (billable / size).to_integral_value(rounding=ROUND_CEILING)
    noun = "block" if blocks == 1 else "blocks"
    detail = f"{_num(blocks)} {noun} of {_num(size)} x {_price(package_price, model)}"
    _line(lines, "package", blocks, package_price, size=size)
    return blocks * package_price, detail, False


def _graduated_amount(billable, model, lines):
    amount = lower = _ZERO
    terms = []
    for tier in model.tiers:
        if billable <= lower:
            break
        upper = None if tier.up_to is None else _decimal(tier.up_to, "tier up_to")
        part = (billable if upper is None else min(billable, upper)) - lower
        unit_price = _decimal(tier.unit_price, "tier unit_price")
        _line(lines, "tier", part, unit_price, lower=lower, upper=upper)
        amount += part * unit_price + _tier_fee(tier, terms, part, unit_price, model)
        _line(lines, "fee", 1, tier.flat_fee, lower=lower, upper=upper)
        if upper is None:
            break
        lower = upper
    return amount, " + ".join(terms), False


def _tier_fee(tier, terms, part, unit_price, model):
    """Explain a tier's part (appending to ``terms``) and return its flat fee."""
    terms.append(f"{_num(part)} x {_price(unit_price, model)}")
    fee = _decimal(tier.flat_fee, "tier flat_fee")
    if fee:
        terms.append(f"fee {_money(fee, model.currency_digits)}")
    return fee


def _volume_amount(billable, model, lines):
    if not billable:
        return _ZERO, "", False
    lower = _ZERO
    for tier in model.tiers:
        upper = None if tier.up_to is None else _decimal(tier.up_to, "tier up_to")
        if upper is None or billable <= upper:
            break
        lower = upper
    terms = []
    unit_price = _decimal(tier.unit_price, "tier unit_price")
    _line(lines, "volume", billable, unit_price, lower=lower, upper=upper)
    _line(lines, "fee", 1, tier.flat_fee, lower=lower, upper=upper)
    fee = _tier_fee(tier, terms, billable, unit_price, model)
    detail = " + ".join(terms)
    if upper is not None:
        detail += f" (tier up to {_num(upper)})"
    elif lower:
        detail += f" (tier above {_num(lower)})"
    return billable * unit_price + fee, detail, False


def _result(quantity, billable, amount, text, model, lines):
    """Round the amount, apply the minimum charge, and finish the explanation."""
    digits = model.currency_digits
    amount = _round_money(amount, digits)
    text += f" = {_money(amount, digits)}"
    minimum = _round_money(_decimal(model.minimum_charge, "minimum_charge"), digits)
    if amount < minimum:
        text += f", minimum charge {_money(minimum, digits)}"
        _line(lines, "minimum", minimum - amount, 1)
        amount = minimum
    return PriceResult(float(quantity), float(billable), float(amount), text, tuple(lines))


def _round_money(amount, digits):
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _money(amount, digits):
    """An amount with exactly the currency's digits and thousands separators."""
    return format(_round_money(amount, digits), ",f")


def _price(unit_price, model):
    """A unit price with at least the currency's digits, more when it has them (0.0125)."""
    exponent = unit_price.normalize().as_tuple().exponent
    if -exponent <= model.currency_digits:
        return _money(unit_price, model.currency_digits)
    return format(unit_price.normalize(), ",f")


def _num(quantity):
    """A quantity with thousands separators and no needless decimals: 1,234.5, 3."""
    quantity = quantity.normalize()
    if quantity == quantity.to_integral_value():
        quantity = quantity.quantize(Decimal(1))
    return format(quantity, ",f")
