from odoo import fields, models
from odoo.tools import SQL

# A measure and the column naming what it counts in: a total over rows of more than one
# unit (or currency) would add cubic metres to megabytes, so it is left empty.
UNIT_OF_MEASURE = {"quantity": "unit", "amount": "currency_id"}


class IotUsageAnalysis(models.Model):
    """Billed consumption, per device, period and calculator, in the calculator's unit.

    One row per ``iot.billing.usage`` row: the quantity a calculator derived from the
    readings of the period (a meter's delta, a sum of megabytes...), not the raw
    readings, which may be cumulative indexes. Late usage comes as its own rows (the
    difference from what was billed), attributed to the period it belongs to.
    """

    _name = "iot.usage.analysis"
    _description = "Usage Analysis"
    _auto = False
    _order = "date desc, calculator_id"
    _rec_name = "calculator_id"
    _depends = {
        "iot.billing.usage": [
            "schedule_id",
            "origin_schedule_id",
            "device_id",
            "company_id",
            "calculator_id",
            "quantity",
            "amount",
            "is_adjustment",
        ],
        "iot.billing.schedule": ["date_start", "date_end", "partner_id", "currency_id", "state"],
        "iot.usage.calculator": ["unit", "product_id"],
        "iot.device": ["type_id"],
    }

    date = fields.Date(string="Usage Period", readonly=True)
    date_end = fields.Date(string="Period End", readonly=True)
    calculator_id = fields.Many2one("iot.usage.calculator", readonly=True)
    unit = fields.Char(readonly=True)
    product_id = fields.Many2one("product.product", string="Invoiced As", readonly=True)
    device_id = fields.Many2one("iot.device", readonly=True)
    device_type_id = fields.Many2one("iot.device.type", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    quantity = fields.Float(digits=(16, 2), readonly=True, aggregator="sum")
    amount = fields.Monetary(readonly=True, aggregator="sum")
    is_adjustment = fields.Boolean(string="Late Usage", readonly=True)
    invoiced = fields.Boolean(readonly=True, help="Billed on a posted run's invoice.")

    def _read_group_select(self, aggregate_spec, query):
        fname, _sep, func = aggregate_spec.partition(":")
        unit_field = UNIT_OF_MEASURE.get(fname)
        if not unit_field or func not in ("sum", "avg", "min", "max"):
            return super()._read_group_select(aggregate_spec, query)
        unit = self._field_to_sql(self._table, unit_field, query)
        return SQL(
            "CASE WHEN MIN(%s) = MAX(%s) THEN %s END",
            unit,
            unit,
            super()._read_group_select(aggregate_spec, query),
        )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT u.id, period.date_start AS date, period.date_end, u.calculator_id,
                   c.unit, c.product_id, u.device_id, d.type_id AS device_type_id,
                   billed.partner_id, u.company_id, billed.currency_id, u.quantity,
                   u.amount, u.is_adjustment, billed.state = 'invoiced' AS invoiced
              FROM iot_billing_usage u
              JOIN iot_billing_schedule period ON period.id = u.origin_schedule_id
              JOIN iot_billing_schedule billed ON billed.id = u.schedule_id
              JOIN iot_usage_calculator c ON c.id = u.calculator_id
              JOIN iot_device d ON d.id = u.device_id
            """
        )
