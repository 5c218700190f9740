"""Checks of untrusted values before they reach the database or a spreadsheet.

PostgreSQL refuses a NUL in text and in ``jsonb``, and ``NaN`` in ``jsonb``; a lone
UTF-16 surrogate cannot be encoded at all; Python's JSON reader recurses once per
nesting level. Each of these would otherwise end a whole request in a traceback, so
every value that comes from a sender is checked here first and refused with a reason.
"""

import math
import re

# Control characters other than tab, line feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Any control character: single-line values (codes, names, references, headers).
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Bounds of a free JSON value (device attributes, usage data, activation plans).
MAX_DEPTH = 8
MAX_ITEMS = 1000
MAX_STRING = 4096
# Numbers beyond this are no reading, price or amount we can store or add up.
MAX_NUMBER = 1e15


def text_problem(value, multiline=False):
    """Why ``value`` (a str) cannot be stored as text, or None."""
    if _SURROGATE.search(value):
        return "contains an invalid character (a lone surrogate)"
    if (_CONTROL if multiline else _CONTROL_LINE).search(value):
        return "contains control characters"
    return None


def number_problem(value, maximum=MAX_NUMBER):
    """Why ``value`` (an int or a float) is not a storable number, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if abs(value) > maximum:
        return f"is out of range (at most {maximum:g} in absolute value)"
    return None


def json_problem(value, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_string=MAX_STRING):
    """Why a decoded JSON value cannot be stored as ``jsonb``, or None.

    Walks the value without recursion: nesting deeper than ``max_depth``, more than
    ``max_items`` members in all, strings (keys too) longer than ``max_string`` or
    holding a NUL or a lone surrogate, and non-finite numbers are refused.
    """
    stack = [(value, 1)]
    items = 0
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth > max_depth:
                return f"is nested deeper than {max_depth} levels"
            members = current.items() if isinstance(current, dict) else enumerate(current)
            for key, member in members:
                items += 1
                if items > max_items:
                    return f"holds more than {max_items} values"
                if isinstance(key, str):
                    problem = _string_problem(key, max_string)
                    if problem:
                        return "has a key that " + problem
                stack.append((member, depth + 1))
        elif isinstance(current, str):
            problem = _string_problem(current, max_string)
            if problem:
                return "has a string that " + problem
        elif isinstance(current, bool) or current is None:
            continue
        elif isinstance(current, int | float):
            problem = number_problem(current)
            if problem:
                return "has a number that " + problem
        else:
            return f"holds a value of type {type(current).__name__}"
    return None


def _string_problem(value, max_string):
    if len(value) > max_string:
        return f"is longer than {max_string} characters"
    if "\x00" in value:
        return "contains a NUL character"
    if _SURROGATE.search(value):
        return "contains an invalid character (a lone surrogate)"
    return None
