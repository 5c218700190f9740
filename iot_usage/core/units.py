"""Unit conversion for mediated quantities.

Devices report in whatever unit their firmware uses (bytes, seconds, Wh, litres)
while tariffs are priced per MB, per minute, per kWh or per m3: a ``unit``
mediation rule converts the quantity once, before it is stored, so pricing never
has to know what the device sent.

Only conversions inside one family make sense; anything else is a configuration
mistake and raises ``ValueError`` so that it is caught when the rule is saved.
"""

import functools

# Canonical names per family, smallest first, each with its size in the family's
# base unit. Information sizes are powers of ``base`` (1024 or 1000), resolved
# in ``_factor``.
_FACTORS = {
    "information": {"B": 0, "KB": 1, "MB": 2, "GB": 3, "TB": 4},
    "time": {"s": 1, "min": 60, "h": 3600},
    "energy": {"Wh": 1, "kWh": 1000, "MWh": 1000000},
    "volume": {"L": 1, "m3": 1000},
}

UNITS = {family: tuple(names) for family, names in _FACTORS.items()}
"""Canonical unit names per family, e.g. for a selection field."""

SELECTION = [(name, name) for names in UNITS.values() for name in names]
"""``UNITS`` flattened to ``(value, label)`` pairs, the shape Odoo selections want."""

BASES = (1024, 1000)

# Lower-cased spellings -> canonical name. Names are matched case-insensitively,
# which is safe here because no two units of these families differ only by case
# (there is no millibyte or milliwatt-hour to confuse with MB or MWh).
_ALIASES = {name.lower(): name for names in UNITS.values() for name in names}
_ALIASES.update(
    {
        "byte": "B",
        "bytes": "B",
        "o": "B",
        "octet": "B",
        "octets": "B",
        "kilobyte": "KB",
        "kilobytes": "KB",
        "megabyte": "MB",
        "megabytes": "MB",
        "gigabyte": "GB",
        "gigabytes": "GB",
        "terabyte": "TB",
        "terabytes": "TB",
        "sec": "s",
        "secs": "s",
        "second": "s",
        "seconds": "s",
        "mins": "min",
        "minute": "min",
        "minutes": "min",
        "hr": "h",
        "hrs": "h",
        "hour": "h",
        "hours": "h",
        "l": "L",
        "litre": "L",
        "litres": "L",
        "liter": "L",
        "liters": "L",
        "m³": "m3",
    }
)
_FAMILY = {name: family for family, names in UNITS.items() for name in names}


def canonical(unit):
    """The canonical name of ``unit`` (``"bytes"`` -> ``"B"``); ValueError if unknown."""
    if isinstance(unit, str):
        name = _ALIASES.get(unit.strip().lower())
        if name:
            return name
    known = ", ".join(name for names in UNITS.values() for name in names)
    raise ValueError(f"unknown unit {unit!r} (known units: {known})")


def family(unit):
    """The family of ``unit`` (``"information"``, ``"time"``, ...); ValueError if unknown."""
    return _FAMILY[canonical(unit)]


@functools.lru_cache(maxsize=256)
def _ratio(from_unit, to_unit, base):
    """Numerator and denominator (ints) turning ``from_unit`` into ``to_unit``.

    Cached because a unit rule converts thousands of rows with the same units;
    kept as two integers so that ``value * num / den`` is exact whenever it can
    be (powers of 1024 round-trip without any loss).
    """
    source, target = canonical(from_unit), canonical(to_unit)
    if _FAMILY[source] != _FAMILY[target]:
        raise ValueError(
            f"cannot convert {source} ({_FAMILY[source]}) to {target} ({_FAMILY[target]})"
        )
    if base not in BASES or isinstance(base, bool):
        raise ValueError(f"base must be 1024 or 1000, not {base!r}")
    return _factor(source, base), _factor(target, base)


def _factor(name, base):
    size = _FACTORS[_FAMILY[name]][name]
    return base**size if _FAMILY[name] == "information" else size


def convert(value, from_unit, to_unit, base=1024):
    """``value`` expressed in ``from_unit``, converted to ``to_unit`` (a float).

    ``base`` only matters for information units: 1024 (KB = 1024 B, what most
    operators bill) or 1000 (SI). Raises ValueError for an unknown unit, units of
    different families or another base; TypeError for a value that is not a number.
    """
    num, den = _ratio(from_unit, to_unit, base)
    if isinstance(value, bool) or not isinstance(value, int | float):
        # Decimal and friends: convert them, refuse strings and booleans.
        if isinstance(value, bool | str | bytes) or value is None:
            raise TypeError(f"cannot convert {value!r}: not a number")
        value = float(value)
    if num == den:
        return float(value)
    return value * num / den
