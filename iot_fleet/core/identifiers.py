"""Device identifiers in one shape, whoever names them.

A device is registered by a person (the form), a gateway (the API) or a usage feed
(an unknown DeviceId that creates its device), and named again by every usage
record. When a company normalises identifiers (upper case, a prefix stripped), each
of these paths must give the same text, or usage for a device registered as
``iot_ns543`` would find no device ``IOT_NS543``. ``normalise`` is that one rule;
the fleet applies it on registration and lookup, usage mediation on every record.
"""

CASES = ("upper", "lower")


def normalise(identifier, case=None, strip_prefix=""):
    """``identifier`` trimmed, in ``case``, without ``strip_prefix`` (matched in that case).

    >>> normalise("  iot_ns543 ", case="upper")
    'IOT_NS543'
    >>> normalise("acme:IOT_1", case="upper", strip_prefix="ACME:")
    'IOT_1'
    >>> normalise("IOT_1", strip_prefix="acme:")
    'IOT_1'

    Anything but a text is returned as it is: validation, not normalisation, refuses it.
    """
    if not isinstance(identifier, str):
        return identifier
    identifier = identifier.strip()
    prefix = strip_prefix or ""
    if case == "upper":
        identifier, prefix = identifier.upper(), prefix.upper()
    elif case == "lower":
        identifier, prefix = identifier.lower(), prefix.lower()
    if prefix and identifier.startswith(prefix):
        identifier = identifier[len(prefix) :].strip()
    return identifier


def normalise_all(identifier, rules=()):
    """``identifier`` through each rule in turn, a rule being a mapping of ``normalise``'s
    keyword arguments (``case``, ``strip_prefix``).

    >>> normalise_all("dev-iot_1", [{"case": "upper"}, {"strip_prefix": "DEV-"}])
    'IOT_1'
    >>> normalise_all(" IOT_1 ")
    'IOT_1'
    """
    identifier = normalise(identifier)
    for rule in rules:
        identifier = normalise(
            identifier, case=rule.get("case"), strip_prefix=rule.get("strip_prefix") or ""
        )
    return identifier
