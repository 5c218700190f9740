"""Validation of usage records as senders give them, before mediation.

``parse_record`` takes one decoded record (JSON object, quick-form query, file row)
and returns the cleaned row and every problem found, each naming its field. Files
give numbers as text and dates as datetimes: ``lenient`` accepts those forms.
"""

import datetime
import hashlib
import ipaddress
import itertools
import json
import math
import re

from odoo.addons.iot_fleet.core import values as values_core

MAX_RECORDS_PER_REQUEST = 10_000
INT64_MAX = 2**63 - 1
MAX_FUTURE = datetime.timedelta(hours=24)
# How old a usage date may be when the company does not say (res.company).
DEFAULT_MAX_AGE_DAYS = 400
# Dates any record may carry (device clocks included): beyond them a time zone shift
# no longer fits in a datetime, and no reading is that old or that far ahead.
MIN_DATE = datetime.datetime(1970, 1, 1)
MAX_DATE = datetime.datetime(2200, 1, 1)
MAX_REF = 128
MAX_DATA_BYTES = 16384
# A request reference (X-Request-Id) is copied onto every record of its request.
MAX_REQUEST_REF = 128
# What a quarantined payload may keep: it is the sender's text, stored for a user to
# correct, so a 20 MB string or a payload of thousands of keys is cut, never stored whole.
MAX_STORED_STRING = MAX_DATA_BYTES
MAX_STORED_CHARS = 64 * 1024
MAX_STORED_ITEMS = 2000
MAX_STORED_DEPTH = 10
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


def shown(value, limit=64):
    """A value the sender chose, fit to be echoed in a reason: short, printable text."""
    text = value if isinstance(value, str) else repr(value)
    cut = text[:limit]
    cut = "".join(
        char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF else "?" for char in cut
    )
    return cut + ("..." if len(text) > limit else "")


def _text(field, value):
    """``value`` as single-line text: a string without control characters."""
    if not isinstance(value, str):
        raise Problem(field, "invalid_type", f"{field} must be a string")
    problem = values_core.text_problem(value)
    if problem:
        raise Problem(field, "invalid", f"{field} {problem}")
    return value.strip()


def _code(field, value, pattern, what):
    if value is None or value == "":
        raise Problem(field, "missing", f"{field} is required")
    value = _text(field, value)
    if not pattern.fullmatch(value):
        raise Problem(field, "invalid", f"{field} {shown(value)!r} {what}")
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
    # NaN and Infinity, or beyond any sensor
    problem = values_core.number_problem(value, maximum=1e9)
    if problem:
        raise Problem(field, "out_of_range", f"{field} {problem}")
    return float(value)


def parse_datetime(field, value, lenient=False):
    """A UTC naive datetime from ISO 8601 text (offsets converted, naive = UTC),
    between ``MIN_DATE`` and ``MAX_DATE``."""
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
                field, "invalid_date", f"{field} {shown(value)!r} is not an ISO 8601 date-time"
            ) from None
    else:
        raise Problem(field, "invalid_date", f"{field} must be an ISO 8601 date-time")
    if moment.tzinfo is not None:
        try:
            # 0001-01-01T00:00:00+01:00 lies before the first datetime once in UTC
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        except (OverflowError, ValueError):
            moment = None
    if moment is None or not MIN_DATE <= moment < MAX_DATE:
        raise Problem(
            field,
            "out_of_range",
            f"{field} must lie between {MIN_DATE:%Y-%m-%d} and {MAX_DATE:%Y-%m-%d}",
        )
    return moment.replace(microsecond=0)


def request_ref_problem(value):
    """Why ``value`` cannot name a request (X-Request-Id) on its records, or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "must be text"
    if len(value) > MAX_REQUEST_REF:
        return f"is longer than {MAX_REQUEST_REF} characters"
    if not value.isprintable() or values_core.text_problem(value):
        return "must be printable text"
    return None


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _data(value, lenient):
    if value is None or value == "":
        return None
    if lenient and isinstance(value, str):
        if len(value) > MAX_DATA_BYTES:
            raise Problem("data", "too_large", "data is larger than 16 KiB")
        try:
            value = json.loads(value, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise Problem("data", "invalid_type", "data must be a JSON object") from None
    if not isinstance(value, dict):
        raise Problem("data", "invalid_type", "data must be a JSON object")
    problem = values_core.json_problem(value)
    if problem:
        raise Problem("data", "invalid", f"data {problem}")
    if len(json.dumps(value)) > MAX_DATA_BYTES:
        raise Problem("data", "too_large", "data is larger than 16 KiB")
    return value


def _ip(value):
    if value is None or value == "":
        return None
    text = _text("src_ip", value if isinstance(value, str) else str(value))
    try:
        if len(text) > 64:
            raise ValueError(text)
        # An IPv6 scope ("fe80::1%eth0") is free text, checked above like the rest.
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise Problem(
            "src_ip", "invalid", f"src_ip {shown(value)!r} is not an IP address"
        ) from None


def _ref(value, lenient):
    if value is None or value == "":
        return None
    if lenient and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise Problem("ref", "invalid", "ref must be a finite number or text")
        value = str(int(value)) if float(value).is_integer() else str(value)
    value = _text("ref", value)
    if len(value) > MAX_REF:
        raise Problem("ref", "too_long", f"ref is longer than {MAX_REF} characters")
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


def parse_record(raw, now, lenient=False, max_age=None):
    """Clean one record: ``(row, problems)``; ``row`` is None when there are problems.

    ``now`` is the server's UTC time: ``dtu`` defaults to it, may not lie more than
    24 hours beyond it, nor be older than ``max_age`` (a timedelta) when given.
    """
    if not isinstance(raw, dict):
        return None, [Problem(None, "invalid_type", "a record must be a JSON object")]
    # A few are enough to tell the sender; a record of 100,000 keys gets no more.
    problems = [
        Problem(shown(key), "unknown_field", f"unknown field {shown(key)}")
        for key in itertools.islice((key for key in raw if key not in KNOWN_KEYS), 10)
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
    elif max_age is not None and row["dtu"] < now - max_age:
        return None, [
            Problem("dtu", "too_old", f"dtu is more than {max_age.days} days in the past")
        ]
    row["event_ref"] = row.pop("ref")
    row["dt_device"] = row.pop("dt")
    row["quantity"] = None
    return row, []


def _stored_string(text, budget):
    """``text`` as jsonb can hold it (no NUL, no lone surrogate), cut to the budget."""
    limit = min(MAX_STORED_STRING, max(budget, 0))
    cut = text[:limit]
    if "\x00" in cut or _SURROGATES.search(cut):
        cut = _SURROGATES.sub("\ufffd", cut.replace("\x00", "\ufffd"))
    return cut + ("..." if len(text) > limit else "")


_SURROGATES = re.compile(r"[\ud800-\udfff]")


def storable_payload(raw):
    """A copy of a sender's record that the quarantine can store and show.

    Walks without recursion; strings lose NUL and lone surrogates (replaced by U+FFFD)
    and are cut, as is the payload as a whole (``MAX_STORED_*``); non-finite numbers
    and values JSON does not have become text. What is cut ends in "...".
    """
    budget = MAX_STORED_CHARS
    items = 0

    def scalar(value):
        nonlocal budget
        if isinstance(value, str):
            text = _stored_string(value, budget)
            budget -= len(text)
            return text
        if value is None or isinstance(value, bool | int):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
                return scalar(str(value)[:40] + "...")
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else repr(value)
        return scalar(repr(value))

    def container(value):
        return {} if isinstance(value, dict) else []

    root = container(raw) if isinstance(raw, dict | list) else scalar(raw)
    stack = [(raw, root, 1)] if isinstance(raw, dict | list) else []
    while stack:
        source, target, depth = stack.pop()
        members = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in members:
            items += 1
            if items > MAX_STORED_ITEMS or budget <= 0:
                break
            if isinstance(value, dict | list):
                if depth >= MAX_STORED_DEPTH:
                    copy = "..."
                else:
                    copy = container(value)
                    stack.append((value, copy, depth + 1))
            else:
                copy = scalar(value)
            if isinstance(target, dict):
                target[scalar(key if isinstance(key, str) else str(key))] = copy
            else:
                target.append(copy)
    return root


def fingerprint(company_id, payload, code):
    """What tells a rejection from another: the company, the payload as stored (in a
    canonical JSON form) and the reason code."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{company_id}\x1f{code}\x1f".encode())
    digest.update(canonical.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
