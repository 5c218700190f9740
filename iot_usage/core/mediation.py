"""Mediation: per-company rules that filter, map and normalise usage records.

Gateways forward everything their devices emit, while billing only wants some of
it, in one shape: mediation rules decide which records are kept
(``include_only``, ``exclude``), which counter is the billable quantity
(``quantity``, ``arithmetic``), in which unit (``unit``), at which UTC time
(``timezone``) and under which device identifier (``identifier``).

A record is a plain dict (a "row", see ``ROW_FIELDS``). ``apply_rules`` runs on
up to 10,000 rows per request, so each ``Rule`` prepares what it can once (the
split data path, the value coerced to a number or a datetime) and the row is
copied shallowly: no rule ever writes into ``data``.
"""

import dataclasses
import datetime
import functools
import math
import types
import zoneinfo
from collections.abc import Mapping

from odoo.addons.iot_fleet.core import identifiers

try:
    from . import records, units
except ImportError:  # loaded by path, outside the package (core tests without Odoo)
    import records
    import units

ROW_FIELDS = ("device", *records.READING_COLUMNS, "quantity")

KINDS = ("include_only", "exclude", "quantity", "arithmetic", "unit", "timezone", "identifier")
OPERATORS = ("=", "!=", "in", "not in", ">", ">=", "<", "<=", "set", "not set", "startswith")

# Parameters each kind understands: anything else is a typo worth refusing.
PARAMS = {
    "include_only": (),
    "exclude": (),
    "quantity": ("field",),
    "arithmetic": ("fields", "factor"),
    "unit": ("from", "to", "base"),
    "timezone": ("tz",),
    "identifier": ("case", "strip_prefix"),
}

_ORDERING = frozenset((">", ">=", "<", "<="))
_LISTS = frozenset(("in", "not in"))
_UTC = datetime.timezone.utc


def _frozen(value):
    """Lists become tuples, dicts read-only: a Rule stays immutable all the way down."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, Mapping):
        return types.MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


def _number(value):
    """``value`` as a finite float when it is a number or a numeric string, else None.

    Booleans are not numbers here: ``true`` in a device's JSON is a flag, not 1.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _datetime(value):
    """An ISO 8601 string as a naive datetime (for conditions on dtu/dt_device)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _split_path(path):
    if not isinstance(path, str):
        return None
    return tuple(path.split("."))


@dataclasses.dataclass(frozen=True)
class Rule:
    """One mediation rule: a condition (egroup, eid, optional field test) and an action.

    ``value`` and ``params`` take no part in the hash (they may hold lists or
    dicts) but do in equality. Lists are stored as tuples and ``params`` as a
    read-only mapping, with ``None`` values dropped: an Odoo record passes every
    parameter, empty ones included.
    """

    kind: str
    name: str = ""
    egroup: str | None = None
    eid: str | None = None
    field: str | None = None
    operator: str = "="
    value: object = dataclasses.field(default=None, hash=False)
    params: Mapping = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), hash=False
    )

    def __post_init__(self):
        # Frozen: normalise and precompute through object.__setattr__, once per rule
        # rather than once per row.
        setter = object.__setattr__
        setter(self, "value", _frozen(self.value))
        if not isinstance(self.params, Mapping):
            raise ValueError(f"params must be a dict, not {self.params!r}")
        params = {key: _frozen(item) for key, item in self.params.items() if item is not None}
        setter(self, "params", types.MappingProxyType(params))
        setter(self, "_path", _split_path(self.field) if self.field else None)
        if self.operator in _LISTS and isinstance(self.value, tuple):
            expected = self.value
            numbers = tuple(n for n in map(_number, expected) if n is not None)
        else:
            expected, numbers = self.value, _number(self.value)
        setter(self, "_expected", expected)
        setter(self, "_numbers", numbers)
        setter(self, "_when", _datetime(self.value))
        setter(self, "_source", _split_path(self.params.get("field")))
        fields = self.params.get("fields")
        sources = tuple(map(_split_path, fields)) if isinstance(fields, tuple) else ()
        setter(self, "_sources", sources)

    @property
    def label(self):
        """How reasons and errors name the rule: its name, else its condition."""
        return self.name or describe(self)


def describe(rule):
    """A short text for a rule without a name, e.g. ``exclude device startswith 'TEST'``."""
    parts = [rule.kind]
    if rule.egroup is not None:
        parts.append(f"egroup={rule.egroup}")
    if rule.eid is not None:
        parts.append(f"eid={rule.eid}")
    if rule.field:
        if rule.operator in ("set", "not set"):
            parts.append(f"{rule.field} {rule.operator}")
        else:
            parts.append(f"{rule.field} {rule.operator} {rule.value!r}")
    return " ".join(parts)


def field_value(row, path):
    """The value of a row key, or of ``data.a.b`` inside the row's JSON ``data``.

    Integer segments index lists (``data.sims.0.iccid``). Anything missing gives
    None, never an error: devices do not all send the same JSON.
    """
    return _resolve(row, _split_path(path) or ())


def _resolve(row, parts):
    if not parts:
        return None
    if len(parts) == 1:
        return row.get(parts[0])
    current = row.get(parts[0])
    for part in parts[1:]:
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list | tuple) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current


def _same_flag(flag, value):
    """A JSON boolean against a rule value: ``true`` matches True and "true" (Odoo texts)."""
    if isinstance(value, bool):
        return value is flag
    if isinstance(value, str):
        return value.strip().lower() == ("true" if flag else "false")
    return False


def _equal(actual, rule):
    """``=`` with numeric coercion in both directions ("5" matches 5 and 5.0)."""
    expected = rule._expected
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and _same_flag(actual, expected)
    if actual == expected:
        return True
    if isinstance(actual, datetime.datetime):
        return rule._when is not None and actual == rule._when
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        return rule._numbers is not None and actual == rule._numbers
    if isinstance(actual, str) and rule._numbers is not None and not isinstance(expected, str):
        return _number(actual) == rule._numbers
    return False


def _member(actual, rule):
    if isinstance(actual, bool):
        return any(_same_flag(actual, item) for item in rule._expected)
    if any(actual == item and not isinstance(item, bool) for item in rule._expected):
        return True
    if isinstance(actual, int | float):
        return actual in rule._numbers
    if isinstance(actual, str):
        number = _number(actual)
        return number is not None and any(
            number == item for item in rule._expected if isinstance(item, int | float)
        )
    return False


def _order(actual, rule):
    """The operands of ``>``/``<``..., coerced alike; ``None`` when they do not compare."""
    expected = rule._expected
    if actual is None or expected is None or isinstance(actual, bool):
        return None
    if isinstance(actual, int | float):
        return (actual, rule._numbers) if rule._numbers is not None else None
    if isinstance(actual, datetime.datetime):
        when = rule._when if isinstance(expected, str) else expected
        if not isinstance(when, datetime.datetime):
            return None
        if (actual.tzinfo is None) != (when.tzinfo is None):
            return None
        return actual, when
    if isinstance(actual, str):
        if isinstance(expected, str):
            return actual, expected
        number = _number(actual)
        if number is not None and rule._numbers is not None:
            return number, rule._numbers
    return None


def _test(rule, actual):
    operator = rule.operator
    if operator == "=":
        return _equal(actual, rule)
    if operator == "!=":
        return not _equal(actual, rule)
    if operator == "set":
        return actual is not None and actual != ""
    if operator == "not set":
        return actual is None or actual == ""
    if operator == "in":
        return _member(actual, rule)
    if operator == "not in":
        return not _member(actual, rule)
    if operator == "startswith":
        if isinstance(actual, int) and not isinstance(actual, bool):
            actual = str(actual)
        return isinstance(actual, str) and actual.startswith(str(rule._expected))
    operands = _order(actual, rule)
    if operands is None:
        return False
    left, right = operands
    if operator == ">":
        return left > right
    if operator == ">=":
        return left >= right
    if operator == "<":
        return left < right
    return left <= right


def matches(rule, row):
    """Whether ``row`` is of the rule's egroup and eid and passes its field condition."""
    if rule.egroup is not None and row.get("egroup") != rule.egroup:
        return False
    if rule.eid is not None and row.get("eid") != rule.eid:
        return False
    if rule._path is None:
        return True
    return _test(rule, _resolve(row, rule._path))


def _zone(name):
    """A ZoneInfo by IANA name, or None when the name is unknown or malformed."""
    if not isinstance(name, str) or not name:
        return None
    return _zone_by_name(name)


@functools.lru_cache(maxsize=64)
def _zone_by_name(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def to_utc(local, tz_name):
    """A local wall-clock datetime in ``tz_name``, as naive UTC; None if tz is unknown.

    Naive datetimes are placed in the zone with ``fold=0``: an ambiguous time (the
    repeated hour when clocks go back) is read as the first occurrence, and a
    time that does not exist (the skipped hour) with the offset before the change,
    which is what a device clock that has not switched yet would mean.
    """
    zone = _zone(tz_name)
    if zone is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    return local.astimezone(_UTC).replace(tzinfo=None)


def _map_quantity(row, rule, device_tz):
    row["quantity"] = _number(_resolve(row, rule._source))


def _compute(row, rule, device_tz):
    factor = rule.params.get("factor", 1)
    if rule._sources:
        total = 0.0
        for source in rule._sources:
            number = _number(_resolve(row, source))
            if number is not None:
                total += number
        row["quantity"] = total * factor
    elif row["quantity"] is not None:
        row["quantity"] = row["quantity"] * factor


def _convert_unit(row, rule, device_tz):
    if row["quantity"] is not None:
        params = rule.params
        row["quantity"] = units.convert(
            row["quantity"], params["from"], params["to"], params.get("base", 1024)
        )


def _localise(row, rule, device_tz):
    local = row.get("dt_device")
    if isinstance(local, datetime.datetime):
        utc = to_utc(local, rule.params.get("tz") or device_tz)
        if utc is not None:
            row["dtu"] = utc


def _normalise_identifier(row, rule, device_tz):
    row["device"] = _identifier(row.get("device"), rule.params)


_ACTIONS = {
    "quantity": _map_quantity,
    "arithmetic": _compute,
    "unit": _convert_unit,
    "timezone": _localise,
    "identifier": _normalise_identifier,
}


def apply_rules(row, rules, device_tz=None):
    """Apply ``rules`` in order to a copy of ``row``: ``(new row, excluded reason or None)``.

    Processing stops at the first exclusion; the row returned then is the copy as
    it was at that point. ``device_tz`` (an IANA name) is the zone timezone rules
    use when they name none themselves; an unknown zone leaves dtu unchanged.
    Values that are not numbers (a string such as "n/a", a boolean) count as
    missing: the quantity is None (not mapped), or 0 in a sum.
    """
    new = dict(row)
    new.setdefault("quantity", None)
    for rule in rules:
        kind = rule.kind
        if kind == "include_only":
            if not matches(rule, new):
                return new, f"not included by {rule.label}"
        elif matches(rule, new):
            if kind == "exclude":
                return new, f"excluded by {rule.label}"
            _ACTIONS[kind](new, rule, device_tz)
    return new, None


def _identifier(device, params):
    return identifiers.normalise(
        device, case=params.get("case"), strip_prefix=params.get("strip_prefix") or ""
    )


def _check_path(path, what):
    if not isinstance(path, str) or not path:
        raise ValueError(f"{what} must be a row field or data.<key>, not {path!r}")
    if path in ROW_FIELDS:
        return
    parts = path.split(".")
    if parts[0] != "data" or len(parts) < 2 or not all(parts[1:]):
        raise ValueError(
            f"{what} {path!r} is neither a row field ({', '.join(ROW_FIELDS)}) nor data.<key>"
        )


def _check_number(value, what):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a number, not {value!r}")


def _check_condition(rule):
    for key in ("egroup", "eid"):
        value = getattr(rule, key)
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{key} must be a non-empty text or None, not {value!r}")
    if rule.operator not in OPERATORS:
        raise ValueError(f"unknown operator {rule.operator!r} (operators: {', '.join(OPERATORS)})")
    if rule.field is None:
        return
    _check_path(rule.field, "field")
    value = rule.value
    if rule.operator in _LISTS:
        if not isinstance(value, tuple) or not value:
            raise ValueError(f"operator {rule.operator!r} needs a non-empty list of values")
    elif rule.operator in _ORDERING:
        if value is None or isinstance(value, bool | tuple | Mapping):
            raise ValueError(f"operator {rule.operator!r} needs a number, a text or a date")
    elif rule.operator == "startswith":
        if not isinstance(value, str) or not value:
            raise ValueError("operator 'startswith' needs a non-empty text")
    elif rule.operator in ("=", "!="):
        if isinstance(value, tuple | Mapping):
            raise ValueError(f"operator {rule.operator!r} needs a single value, not a list")


def _check_quantity(params):
    if "field" not in params:
        raise ValueError("a quantity rule needs params['field']: the counter to bill")
    _check_path(params["field"], "params['field']")


def _check_arithmetic(params):
    fields = params.get("fields", ())
    if not isinstance(fields, tuple):
        raise ValueError(f"params['fields'] must be a list of fields, not {fields!r}")
    for path in fields:
        _check_path(path, "params['fields']")
    if "factor" in params:
        _check_number(params["factor"], "params['factor']")
    elif not fields:
        raise ValueError("an arithmetic rule needs params['fields'] or params['factor']")


def _check_unit(params):
    for key in ("from", "to"):
        if key not in params:
            raise ValueError(f"a unit rule needs params['{key}']")
    try:
        units.convert(1, params["from"], params["to"], params.get("base", 1024))
    except TypeError as error:
        raise ValueError(f"bad unit parameters: {error}") from None


def _check_timezone(params):
    if "tz" in params and _zone(params["tz"]) is None:
        raise ValueError(f"unknown time zone {params['tz']!r} (an IANA name: Europe/Paris)")


def _check_identifier(params):
    if params.get("case") not in (None, "upper", "lower"):
        raise ValueError(f"params['case'] must be 'upper' or 'lower', not {params['case']!r}")
    if not isinstance(params.get("strip_prefix", ""), str):
        raise ValueError("params['strip_prefix'] must be a text")


_CHECKS = {
    "quantity": _check_quantity,
    "arithmetic": _check_arithmetic,
    "unit": _check_unit,
    "timezone": _check_timezone,
    "identifier": _check_identifier,
}


def _check(rule):
    if rule.kind not in KINDS:
        raise ValueError(f"unknown kind {rule.kind!r} (kinds: {', '.join(KINDS)})")
    if not isinstance(rule.name, str):
        raise ValueError(f"name must be a text, not {rule.name!r}")
    unknown = sorted(set(rule.params) - set(PARAMS[rule.kind]))
    if unknown:
        allowed = ", ".join(PARAMS[rule.kind]) or "none"
        raise ValueError(
            f"unknown parameter(s) {', '.join(map(str, unknown))} "
            f"for a {rule.kind} rule (allowed: {allowed})"
        )
    _check_condition(rule)
    if rule.kind in _CHECKS:
        _CHECKS[rule.kind](rule.params)


def validate_rule(rule):
    """Raise ValueError, naming the rule, when it cannot be applied as configured.

    Run when rules are saved, so that ``apply_rules`` never meets a bad rule on
    live traffic.
    """
    try:
        _check(rule)
    except ValueError as error:
        raise ValueError(f"mediation rule {rule.label!r}: {error}") from None


def _lenient_params(params):
    """Parameters as an Odoo record gives them: empty ones dropped, texts parsed."""
    if params in (None, False):
        return {}
    if not isinstance(params, Mapping):
        return params  # refused by Rule with a clear message
    params = {
        key: value
        for key, value in params.items()
        if not (value is None or value is False or (isinstance(value, str) and not value))
    }
    if isinstance(params.get("fields"), str):
        params["fields"] = [item.strip() for item in params["fields"].split(",") if item.strip()]
    if isinstance(params.get("base"), str) and params["base"].strip().isdigit():
        params["base"] = int(params["base"])
    return params


_RULE_KEYS = tuple(item.name for item in dataclasses.fields(Rule))


def _rule_from_dict(position, values):
    if not isinstance(values, Mapping):
        raise ValueError(f"mediation rule {position}: expected a dict, not {values!r}")
    unknown = sorted(set(values) - set(_RULE_KEYS))
    if unknown:
        raise ValueError(
            f"mediation rule {position}: unknown key(s) {', '.join(map(str, unknown))}"
        )
    if "kind" not in values:
        raise ValueError(f"mediation rule {position}: kind is required")
    values = dict(values)
    for key in ("egroup", "eid", "field"):
        if values.get(key) is False or values.get(key) == "":
            values[key] = None
    if not values.get("name"):
        values["name"] = ""
    if not values.get("operator"):
        values["operator"] = "="
    if values.get("value") is False:
        values["value"] = None
    if values["operator"] in _LISTS and isinstance(values.get("value"), str):
        values["value"] = [item.strip() for item in values["value"].split(",")]
    values["params"] = _lenient_params(values.get("params"))
    try:
        rule = Rule(**values)
    except ValueError as error:
        raise ValueError(f"mediation rule {position}: {error}") from None
    try:
        _check(rule)
    except ValueError as error:
        raise ValueError(f"mediation rule {position} ({rule.label}): {error}") from None
    return rule


def compile_rules(dicts):
    """Rules from plain dicts (keys as the Rule fields), each validated, in order.

    Lenient with what an Odoo record yields: ``False`` or ``""`` mean "not set"
    for name, egroup, eid, field, operator, value and each parameter; for
    ``in``/``not in`` a text value is a comma-separated list, and so is a text
    ``params["fields"]``. Unknown keys are refused: a typo would otherwise
    silently widen the rule.
    """
    return tuple(_rule_from_dict(position, values) for position, values in enumerate(dicts, 1))
