"""Validation of what callers send to the device API.

Each ``parse_*`` function takes decoded JSON and returns the cleaned values
and a list of problems, each problem a dict ``{"field", "message"}`` (plus
``"index"`` in lists). Nothing is looked up here: resolving a customer or a
device type is the models' job.
"""

import datetime
import re

from . import values as values_core

MAX_DEVICES_PER_REQUEST = 1000
MAX_TEXT = 256
MAX_CODE = 64
# Record ids are PostgreSQL integers.
MAX_ID = 2**31 - 1
# Identifiers are typed by people and printed on labels: letters, digits and a
# few separators, starting with a letter or a digit.
IDENTIFIER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class PayloadError(ValueError):
    """A value that cannot be used; ``field`` names it for the error details."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def _text(field, value, max_len=MAX_TEXT, required=False):
    if value is None or value == "":
        if required:
            raise PayloadError(field, f"{field} is required")
        return None
    if not isinstance(value, str):
        raise PayloadError(field, f"{field} must be a string")
    value = value.strip()
    if required and not value:
        raise PayloadError(field, f"{field} is required")
    if len(value) > max_len:
        raise PayloadError(field, f"{field} is longer than {max_len} characters")
    problem = values_core.text_problem(value)
    if problem:
        raise PayloadError(field, f"{field} {problem}")
    return value or None


def _shown(name):
    """A name the sender chose, fit to be echoed in an error: printable and short."""
    text = "".join(
        char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF else "?"
        for char in str(name)[:64]
    )
    return text


def identifier(value, field="identifier"):
    value = _text(field, value, MAX_CODE, required=True)
    if not IDENTIFIER_RE.match(value):
        raise PayloadError(
            field,
            f"{field} must start with a letter or a digit and hold only letters, "
            "digits and . _ : -",
        )
    return value


def partner_reference(field, value):
    """A partner given by database id (int), internal reference or VAT (str)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(field, f"{field} must be an id, a reference or a VAT number")
    if isinstance(value, int):
        if not 0 < value <= MAX_ID:
            raise PayloadError(field, f"{field} id must lie between 1 and {MAX_ID}")
        return value
    return _text(field, value, MAX_CODE, required=True)


def date(field, value, default=None):
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise PayloadError(field, f"{field} must be a date as YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise PayloadError(field, f"{field} must be a date as YYYY-MM-DD") from None


def attributes(field, value):
    value = plain_object(field, value)
    if value is not None and len(str(value)) > 16384:
        raise PayloadError(field, f"{field} is larger than 16 KiB")
    return value


def tags(field, value):
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 50:
        raise PayloadError(field, f"{field} must be a list of at most 50 names")
    return sorted({_text(field, tag, MAX_CODE, required=True) for tag in value})


def plain_object(field, value):
    """A JSON object that can be stored as it is (bounded, no NUL, finite numbers)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError(field, f"{field} must be an object")
    problem = values_core.json_problem(value)
    if problem:
        raise PayloadError(field, f"{field} {problem}")
    return value


DEVICE_FIELDS = {
    "identifier": identifier,
    "name": lambda value: _text("name", value),
    "type": lambda value: _text("type", value, MAX_CODE),
    "serial": lambda value: _text("serial", value, MAX_CODE),
    "imei": lambda value: _text("imei", value, MAX_CODE),
    "iccid": lambda value: _text("iccid", value, MAX_CODE),
    "customer": lambda value: partner_reference("customer", value),
    "owner": lambda value: partner_reference("owner", value),
    "attributes": lambda value: attributes("attributes", value),
    "tags": lambda value: tags("tags", value),
    "activation": lambda value: plain_object("activation", value),
}


def parse_device(item, fields=None):
    """Clean one device of a creation request.

    Returns ``(values, problems)``: the cleaned values by field name, and the
    problems found (all of them, not only the first one).
    """
    fields = fields or DEVICE_FIELDS
    if not isinstance(item, dict):
        return {}, [{"field": None, "message": "a device must be a JSON object"}]
    values, problems = {}, []
    for key in item:
        if key not in fields:
            problems.append({"field": _shown(key), "message": f"unknown field {_shown(key)}"})
    if "identifier" not in item:
        problems.append({"field": "identifier", "message": "identifier is required"})
    for key, parser in fields.items():
        if key not in item:
            continue
        try:
            values[key] = parser(item[key])
        except PayloadError as exc:
            problems.append({"field": exc.field, "message": exc.message})
    return values, problems


def split_device_request(body):
    """Tell a single device from a list: ``(items, is_list)``.

    Accepts an object (one device), a list, or ``{"devices": [...]}``.
    """
    if isinstance(body, dict) and set(body) == {"devices"}:
        body = body["devices"]
        if not isinstance(body, list):
            raise PayloadError("devices", "devices must be a list")
    if isinstance(body, list):
        return body, True
    if isinstance(body, dict):
        return [body], False
    raise PayloadError(None, "the body must be a device object or a list of devices")


ACTIVATION_FIELDS = {
    "customer": lambda value: partner_reference("customer", value),
    "date_start": lambda value: date("date_start", value),
    "reason": lambda value: _text("reason", value, 1024),
}


def parse_activation(body, fields=None):
    """Clean an activation request: ``fields`` maps each accepted field to its parser
    (``ACTIVATION_FIELDS`` and what other addons add). The customer is required."""
    if not isinstance(body, dict):
        raise PayloadError(None, "the body must be a JSON object")
    fields = fields or ACTIVATION_FIELDS
    unknown = sorted(str(key) for key in set(body) - set(fields))
    if unknown:
        raise PayloadError(_shown(unknown[0]), f"unknown field {_shown(unknown[0])}")
    values = {key: parser(body[key]) for key, parser in fields.items() if key in body}
    if values.get("customer") is None:
        raise PayloadError("customer", "customer is required")
    return values


def parse_transition(body):
    """Clean a transition request: a transition code or a target state code."""
    if not isinstance(body, dict):
        raise PayloadError(None, "the body must be a JSON object")
    unknown = sorted(set(body) - {"transition", "state", "reason"})
    if unknown:
        raise PayloadError(_shown(unknown[0]), f"unknown field {_shown(unknown[0])}")
    transition = _text("transition", body.get("transition"), MAX_CODE)
    state = _text("state", body.get("state"), MAX_CODE)
    if bool(transition) == bool(state):
        raise PayloadError("transition", "give either transition or state")
    return {
        "transition": transition,
        "state": state,
        "reason": _text("reason", body.get("reason"), 1024),
    }
