"""Plain-Python core of the fleet: payload validation and the OpenAPI document.

Nothing here imports Odoo, so it is tested in microseconds and reused by the
controllers and the models alike.
"""

from . import identifiers, openapi, payload
