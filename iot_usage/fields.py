from odoo import fields


class BigInteger(fields.Integer):
    """A 64-bit integer column: device counters overflow PostgreSQL's int4."""

    _column_type = ("int8", "int8")
