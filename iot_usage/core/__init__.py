"""Plain-Python core of usage: record validation, mediation, units, file reading,
aggregation and pricing. Nothing here imports Odoo."""

from . import aggregation, mediation, openapi, pricing, records, tabular, units
