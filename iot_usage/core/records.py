"""Validation of usage records as senders give them, before mediation.

``parse_record`` takes one decoded record (JSON object, quick-form query, file row)
and returns the cleaned row and every problem found, each naming its field. Files
give numbers as text and dates as datetimes: ``lenient`` accepts those forms.
"""

import datetime
import ipaddress
import json
import re

MAX_RECORDS_PER_REQUEST = 10_000
INT64_MAX = 2**63 - 1
MAX_FUTURE = datetime.timedelta(hours=24)
COUNTERS = ("int_counter", "int_counter2", "int_counter3", "int_counter4", "int_counter5")
# What a reading says, as iot_usage_record's columns.
READING_COLUMNS = (
    "egroup",
    "eid",
    "event_ref",
    "dtu",
    "dt_device",
    *COUNTERS,
    "temperature",
    "data",
    "src_ip",
)
# The columns of iot_usage_record that ingestion writes, in the order of its rows (the
# model's INSERT and the benchmark's COPY ceiling use it).
INSERT_COLUMNS = (
    "company_id",
    "device_id",
    *READING_COLUMNS,
    "source",
    "received_at",
    "upload_id",
    "request_ref",
    "state",
    "excluded_reason",
    "quantity",
)
# The API's field names, and the model's where they differ.
ALIASES = {"event_ref": "ref", "dt_device": "dt"}
FIELDS = ("device", "egroup", "eid", "ref", "dtu", "dt", *COUNTERS, "temperature", "data", "src_ip")
DEVICE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# Event groups starting with a digit are reserved.
EGROUP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._:-]{0,63}$")
EID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class Problem(ValueError):
    def __init__(self, field, code, message):
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message

    def as_dict(self):
        return {"field": self.field, "code": self.code, "message": self.message}


def _code(field, value, pattern, what):
    if value is None or value == "":
        raise Problem(field, "missing", f"{field} is required")
    if not isinstance(value, str):
        raise Problem(field, "invalid_type", f"{field} must be a string")
    value = value.strip()
    if not pattern.match(value):
        raise Problem(field, "invalid", f"{field} {value!r} {what}")
    return value


def _counter(field, value, lenient):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Problem(field, "invalid_type", f"{field} must be an integer")
    if lenient and isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise Problem(field, "invalid_type", f"{field} must be an integer") from None
    if lenient and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise Problem(field, "invalid_type", f"{field} must be an integer")
    if value < 0:
        raise Problem(field, "out_of_range", f"{field} must not be negative")
    if value > INT64_MAX:
        raise Problem(field, "out_of_range", f"{field} does not fit in 64 bits")
    return value


def _number(field, value, lenient):
    if value is None or value == "":
        return None
    if lenient and isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise Problem(field, "invalid_type", f"{field} must be a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Problem(field, "invalid_type", f"{field} must be a number")
    if value != value or abs(value) > 1e9:  # NaN, or beyond any sensor
        raise Problem(field, "out_of_range", f"{field} is out of range")
    return float(value)


def parse_datetime(field, value, lenient=False):
    """A UTC naive datetime from ISO 8601 text (offsets converted, naive = UTC)."""
    if value is None or value == "":
        return None
    if lenient and isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise Problem(
                field, "invalid_date", f"{field} {value!r} is not an ISO 8601 date-time"
            ) from None
    else:
        raise Problem(field, "invalid_date", f"{field} must be an ISO 8601 date-time")
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _data(value, lenient):
    if value is None or value == "":
        return None
    if lenient and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Problem("data", "invalid_type", "data must be a JSON object") from None
    if not isinstance(value, dict):
        raise Problem("data", "invalid_type", "data must be a JSON object")
    if len(json.dumps(value)) > 16384:
        raise Problem("data", "too_large", "data is larger than 16 KiB")
    return value


def _ip(value):
    if value is None or value == "":
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise Problem("src_ip", "invalid", f"src_ip {value!r} is not an IP address") from None


def _ref(value, lenient):
    if value is None or value == "":
        return None
    if lenient and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        raise Problem("ref", "invalid_type", "ref must be a string")
    value = value.strip()
    if len(value) > 128:
        raise Problem("ref", "too_long", "ref is longer than 128 characters")
    return value or None


def _device(_field, value, _lenient):
    return _code("device", value, DEVICE_RE, "is not a device identifier")


def _egroup(_field, value, _lenient):
    return _code("egroup", value, EGROUP_RE, "must start with a letter")


def _eid(_field, value, _lenient):
    return _code("eid", value, EID_RE, "is not a record type")


# (field, check, required): checks take (field, value, lenient). Absent optional fields
# skip their check: most records carry a handful of the fourteen fields.
CHECKS = (
    ("device", _device, True),
    ("egroup", _egroup, True),
    ("eid", _eid, True),
    ("ref", lambda _f, v, lenient: _ref(v, lenient), False),
    ("dtu", parse_datetime, False),
    ("dt", parse_datetime, False),
    ("temperature", _number, False),
    ("data", lambda _f, v, lenient: _data(v, lenient), False),
    ("src_ip", lambda _f, v, _lenient: _ip(v), False),
    *((name, _counter, False) for name in COUNTERS),
)
KNOWN_KEYS = frozenset(FIELDS) | frozenset(ALIASES)


def parse_record(raw, now, lenient=False):
    """Clean one record: ``(row, problems)``; ``row`` is None when there are problems.

    ``now`` is the server's UTC time: ``dtu`` defaults to it and may not lie more than
    24 hours beyond it.
    """
    if not isinstance(raw, dict):
        return None, [Problem(None, "invalid_type", "a record must be a JSON object")]
    problems = [
        Problem(key, "unknown_field", f"unknown field {key}")
        for key in raw
        if key not in KNOWN_KEYS
    ]
    if "event_ref" in raw or "dt_device" in raw:
        raw = {ALIASES.get(key, key): value for key, value in raw.items()}
    row = {}
    for name, check, required in CHECKS:
        value = raw.get(name)
        if (value is None or value == "") and not required:
            row[name] = None
            continue
        try:
            row[name] = check(name, value, lenient)
        except Problem as problem:
            problems.append(problem)
    if problems:
        return None, problems
    if row["dtu"] is None:
        row["dtu"] = now.replace(microsecond=0)
    elif row["dtu"] > now + MAX_FUTURE:
        return None, [Problem("dtu", "future", "dtu lies more than 24 hours in the future")]
    row["event_ref"] = row.pop("ref")
    row["dt_device"] = row.pop("dt")
    row["quantity"] = None
    return row, []
