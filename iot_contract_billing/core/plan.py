"""The billing fields of an activation, checked before anything is looked up.

Each function takes the value a sender gave and answers the cleaned value, or raises
``PayloadError`` naming the field (``plan.price``, ``term_months``...). The device API
registers them as activation-field parsers (``iot.device._api_activation_fields``), so
a bad value is a 400 answer before the request touches a record; the activation applies
them again, so that the wizard and code paths meet the same rules.
"""

from odoo.addons.iot_fleet.core import values as values_core
from odoo.addons.iot_fleet.core.payload import MAX_ID, PayloadError

# A price per period beyond this is a mistake or an attack: summed over a fleet and a
# term it would overflow the invoice's monetary columns.
MAX_PRICE = 1e9
MAX_TERM_MONTHS = 120
DEFAULT_TERM_MONTHS = 12
# Product, contract and template names, internal references and codes.
MAX_REFERENCE = 256
PLAN_KEYS = ("product", "price")


_REFERENCE_SCHEMA = {
    "oneOf": [
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        {"type": "string", "minLength": 1, "maxLength": MAX_REFERENCE},
    ]
}
# The same rules, as the OpenAPI document's properties of an activation.
OPENAPI_ACTIVATION_PROPERTIES = {
    "plan": {
        "type": "object",
        "description": "The plan: its product and price per period (default: the "
        "product's list price).",
        "required": ["product"],
        "additionalProperties": False,
        "properties": {
            "product": _REFERENCE_SCHEMA,
            "price": {"type": "number", "minimum": 0, "maximum": MAX_PRICE},
        },
    },
    "contract": dict(_REFERENCE_SCHEMA, description="The devices' company's fleet contract."),
    "contract_template": dict(
        _REFERENCE_SCHEMA, description="The template of a new contract (default: the company's)."
    ),
    "term_months": {"type": "integer", "minimum": 1, "maximum": MAX_TERM_MONTHS},
}


def price(value, field="plan.price"):
    """A price per period: a finite number from 0 to ``MAX_PRICE``, or None when not given
    (the plan product's list price applies).

    >>> price(9.9), price(0), price(None)
    (9.9, 0.0, None)
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(field, f"{field} must be a number")
    problem = values_core.number_problem(value, MAX_PRICE)
    if problem:
        raise PayloadError(field, f"{field} {problem}")
    if value < 0:
        raise PayloadError(field, f"{field} must not be negative")
    return float(value)


def term_months(value, field="term_months"):
    """A term in whole months from 1 to ``MAX_TERM_MONTHS``, or None when not given.

    >>> term_months(12), term_months(None)
    (12, None)
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TERM_MONTHS:
        raise PayloadError(
            field, f"{field} must be a whole number of months from 1 to {MAX_TERM_MONTHS}"
        )
    return value


def reference(field, value, required=False):
    """A record given by id (a positive int that fits the database) or by a name, code or
    internal reference (short single-line text); None when not given.

    >>> reference("contract", 7), reference("contract", " C-1 "), reference("contract", None)
    (7, 'C-1', None)
    """
    if value is None or value == "":
        if required:
            raise PayloadError(field, f"{field} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(field, f"{field} must be an id or a name")
    if isinstance(value, int):
        if not 1 <= value <= MAX_ID:
            raise PayloadError(field, f"{field} id must lie between 1 and {MAX_ID}")
        return value
    if len(value) > MAX_REFERENCE:
        raise PayloadError(field, f"{field} is longer than {MAX_REFERENCE} characters")
    problem = values_core.text_problem(value)
    if problem:
        raise PayloadError(field, f"{field} {problem}")
    value = value.strip()
    if not value:
        raise PayloadError(field, f"{field} is required")
    return value


def plan(value, field="plan"):
    """A plan: ``{"product": id or reference, "price": number (optional)}``; None when
    not given. Other keys are refused, so that a typo is not silently ignored.

    >>> plan({"product": "PFS", "price": 9.9}), plan({"product": 3})
    ({'product': 'PFS', 'price': 9.9}, {'product': 3})
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError(field, f"{field} must be an object")
    unknown = sorted(str(key) for key in set(value) - set(PLAN_KEYS))
    if unknown:
        name = _shown(unknown[0])
        raise PayloadError(f"{field}.{name}", f"unknown field {field}.{name}")
    cleaned = {"product": reference(f"{field}.product", value.get("product"), required=True)}
    if value.get("price") is not None:
        cleaned["price"] = price(value["price"], f"{field}.price")
    return cleaned


def _shown(name):
    """A key the sender chose, fit to be echoed in an error."""
    if len(name) > 64 or values_core.text_problem(name):
        return "?"
    return name
