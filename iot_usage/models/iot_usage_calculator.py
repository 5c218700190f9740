import calendar
import datetime
import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.iot_fleet.core import values as values_core
from odoo.addons.iot_fleet.exceptions import IotApiError

from ..core import (
    pricing,
    records as records_core,
)

VALUE_FIELDS = [
    ("quantity", "Mediated Quantity"),
    ("int_counter", "IntCounter"),
    ("int_counter2", "IntCounter2"),
    ("int_counter3", "IntCounter3"),
    ("int_counter4", "IntCounter4"),
    ("int_counter5", "IntCounter5"),
    ("temperature", "Temperature"),
]
CONDITION_COLUMNS = [name for name, _label in VALUE_FIELDS] + [
    "egroup",
    "eid",
    "src_ip",
    "event_ref",
]
METHODS = [
    ("sum", "Sum"),
    ("count", "Count"),
    ("min", "Minimum"),
    ("max", "Maximum"),
    ("avg", "Average"),
    ("latest", "Latest"),
    ("unique_count", "Unique Count"),
    ("delta", "Delta of a Cumulative Meter"),
]
MODES = [
    ("unit", "Per Unit"),
    ("graduated", "Graduated Tiers"),
    ("volume", "Volume Tiers"),
    ("package", "Package (per started block)"),
]
ROUNDINGS = [("none", "None"), ("up", "Up"), ("down", "Down"), ("nearest", "Nearest")]
SQL_OPERATORS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def month_bounds(month):
    """``"2026-04"`` -> (2026-04-01 00:00, 2026-05-01 00:00), UTC.

    Months lie where usage dates may lie (``records.MIN_DATE`` to ``MAX_DATE``).
    """
    match = MONTH_RE.fullmatch(month) if isinstance(month, str) else None
    year, number = (int(part) for part in match.groups()) if match else (0, 0)
    if not (1 <= number <= 12 and records_core.MIN_DATE.year <= year < records_core.MAX_DATE.year):
        # No f-string inside _(): the translation extractor evaluates its arguments.
        first = str(records_core.MIN_DATE.year) + "-01"
        last = str(records_core.MAX_DATE.year - 1) + "-12"
        raise IotApiError(
            _(
                "month must be given as YYYY-MM, between %(first)s and %(last)s.",
                first=first,
                last=last,
            ),
            details=[{"field": "month"}],
        )
    start = datetime.datetime(year, number, 1)
    end = start + datetime.timedelta(days=calendar.monthrange(year, number)[1])
    return start, end


class IotUsageCalculator(models.Model):
    """The usage data calculator: which records, how they add up, and at what price.

    Aggregation runs as one SQL query for every device of a period; pricing is the
    plain-Python ``core.pricing``, with a readable explanation per device.
    """

    _name = "iot.usage.calculator"
    _description = "Usage Calculator"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, help="What the API uses to name the calculator.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        "product.product", string="Invoiced As", help="The product billing puts on invoices."
    )
    egroup = fields.Char(string="Event Group", help="Only records of this event group.")
    eid = fields.Char(string="Record Type", help="Only records of this record type.")
    condition_field = fields.Selection(
        [(name, name) for name in CONDITION_COLUMNS], string="Condition On"
    )
    condition_operator = fields.Selection(
        [(op, op) for op in SQL_OPERATORS], default="=", string="Operator"
    )
    condition_value = fields.Char(string="Value")
    value_field = fields.Selection(VALUE_FIELDS, required=True, default="quantity")
    method = fields.Selection(METHODS, string="Aggregation", required=True, default="sum")
    unit = fields.Char(default="unit", required=True)
    mode = fields.Selection(MODES, string="Price Model", required=True, default="unit")
    unit_price = fields.Float(digits="Product Price", tracking=True)
    tier_ids = fields.One2many("iot.usage.calculator.tier", "calculator_id", string="Tiers")
    package_size = fields.Float(default=1.0)
    package_price = fields.Float(digits="Product Price")
    included_quantity = fields.Float(string="Included Allowance")
    minimum_charge = fields.Float(digits="Product Price")
    rounding = fields.Selection(ROUNDINGS, default="none", required=True)
    rounding_step = fields.Float(default=1.0)
    band_ids = fields.One2many(
        "iot.usage.calculator.band", "calculator_id", string="Time-of-Day Rates"
    )
    tz = fields.Char(
        string="Time Zone of Rates",
        default="UTC",
        help="The time zone in which time-of-day and day-of-week rates are read.",
    )
    description = fields.Text()

    _sql_constraints = [
        (
            "code_uniq",
            "unique (code, company_id)",
            "The calculator code must be unique per company.",
        )
    ]

    @api.constrains(
        "mode",
        "unit_price",
        "package_size",
        "package_price",
        "included_quantity",
        "minimum_charge",
        "rounding",
        "rounding_step",
        "tier_ids",
        "band_ids",
    )
    def _check_price_model(self):
        for calculator in self:
            try:
                calculator._price_model()
                pricing.price(0, calculator._price_model())
            except ValueError as exc:
                raise ValidationError(
                    _(
                        "The price of %(name)s is not valid: %(error)s",
                        name=calculator.name,
                        error=exc,
                    )
                ) from None

    def _price_model(self):
        self.ensure_one()
        return pricing.PriceModel(
            mode=self.mode,
            unit_price=self.unit_price,
            tiers=tuple(
                pricing.Tier(
                    up_to=tier.up_to if tier.up_to else None,
                    unit_price=tier.unit_price,
                    flat_fee=tier.flat_fee,
                )
                for tier in self.tier_ids.sorted(lambda t: (not t.up_to, t.up_to))
            ),
            package_size=self.package_size,
            package_price=self.package_price,
            included_quantity=self.included_quantity,
            minimum_charge=self.minimum_charge,
            rounding=self.rounding,
            rounding_step=self.rounding_step,
            unit=self.unit,
            currency_digits=self.currency_id.decimal_places,
            bands=tuple(band._to_core() for band in self.band_ids),
        )

    # ------------------------------------------------------------------
    # Aggregation: one SQL query for every device of a period
    # ------------------------------------------------------------------

    def _record_filter(self):
        self.ensure_one()
        conditions = [SQL("r.company_id = %s", self.company_id.id), SQL("r.state <> 'excluded'")]
        if self.egroup:
            conditions.append(SQL("r.egroup = %s", self.egroup))
        if self.eid:
            conditions.append(SQL("r.eid = %s", self.eid))
        if self.condition_field and self.condition_value not in (False, None):
            value = self.condition_value
            if self.condition_field not in ("egroup", "eid", "src_ip", "event_ref"):
                try:
                    value = float(value)
                except ValueError:
                    raise UserError(
                        _("The condition value of %(name)s must be a number.", name=self.name)
                    ) from None
            conditions.append(
                SQL(
                    "%s " + SQL_OPERATORS[self.condition_operator] + " %s",
                    SQL.identifier("r", self.condition_field),
                    value,
                )
            )
        if self.method != "count":  # a count counts readings, valued or not
            conditions.append(SQL("%s IS NOT NULL", SQL.identifier("r", self.value_field)))
        return SQL(" AND ").join(conditions)

    def _band_sql(self):
        """The band of a record's time, in the calculator's time zone; NULL outside."""
        if not self.band_ids:
            return SQL("NULL::varchar")
        local = SQL("(r.dtu AT TIME ZONE 'UTC' AT TIME ZONE %s)", self.tz or "UTC")
        cases = []
        for band in self.band_ids:
            core = band._to_core()
            hour = SQL("extract(hour from %s)::int", local)
            if core.start_hour < core.end_hour:
                in_hours = SQL("%s >= %s AND %s < %s", hour, core.start_hour, hour, core.end_hour)
            else:
                in_hours = SQL("(%s >= %s OR %s < %s)", hour, core.start_hour, hour, core.end_hour)
            cases.append(
                SQL(
                    "WHEN (extract(isodow from %s)::int - 1) = ANY(%s) AND %s THEN %s",
                    local,
                    sorted(core.days),
                    in_hours,
                    band.name,
                )
            )
        return SQL("CASE %s ELSE NULL END", SQL(" ").join(cases))

    def _aggregate(self, date_from, date_to, device_ids=None):
        """``{device_id: {band or None: (quantity, record count)}}`` for the period.

        One query for all devices: a delta meter takes, per device, the last reading
        before the period (an index lookup) and sums the increments, counting a drop
        as a counter reset.
        """
        self.ensure_one()
        Record = self.env["iot.usage.record"]
        Record.flush_model()
        value = SQL.identifier("r", self.value_field)
        where = SQL("%s AND r.dtu >= %s AND r.dtu < %s", self._record_filter(), date_from, date_to)
        if device_ids is not None:
            where = SQL("%s AND r.device_id = ANY(%s)", where, list(device_ids))
        band = self._band_sql()
        if self.method == "delta":
            query = SQL(
                """
                WITH period AS (
                    SELECT r.device_id, r.dtu, r.id, %(value)s::numeric AS v, %(band)s AS band
                      FROM iot_usage_record r WHERE %(where)s
                ), before AS (
                    SELECT d.device_id, p.dtu, p.id, p.v, NULL::varchar AS band
                      FROM (SELECT DISTINCT device_id FROM period) d
                      CROSS JOIN LATERAL (
                          SELECT r.dtu, r.id, %(value)s::numeric AS v FROM iot_usage_record r
                           WHERE r.device_id = d.device_id AND r.dtu < %(date_from)s
                             AND %(filter)s
                           ORDER BY r.dtu DESC, r.id DESC LIMIT 1) p
                ), readings AS (
                    SELECT device_id, dtu, id, v, band, false AS is_before FROM period
                    UNION ALL
                    SELECT device_id, dtu, id, v, band, true FROM before
                ), ordered AS (
                    SELECT device_id, band, v, is_before,
                           lag(v) OVER (PARTITION BY device_id ORDER BY dtu, id) AS prev
                      FROM readings
                )
                SELECT device_id, band,
                       SUM(CASE WHEN prev IS NULL THEN 0
                                WHEN v >= prev THEN v - prev
                                ELSE GREATEST(v, 0) END),
                       COUNT(*)
                  FROM ordered WHERE NOT is_before
                 GROUP BY device_id, band
                """,
                value=value,
                band=band,
                where=where,
                date_from=date_from,
                filter=self._record_filter(),
            )
        else:
            expression = {
                "sum": SQL("SUM(%s)", value),
                "count": SQL("COUNT(*)"),
                "min": SQL("MIN(%s)", value),
                "max": SQL("MAX(%s)", value),
                "avg": SQL("AVG(%s)", value),
                "latest": SQL("(array_agg(%s ORDER BY r.dtu DESC, r.id DESC))[1]", value),
                "unique_count": SQL("COUNT(DISTINCT %s)", value),
            }[self.method]
            query = SQL(
                """SELECT r.device_id, %s AS band, %s, COUNT(*)
                     FROM iot_usage_record r WHERE %s GROUP BY 1, 2""",
                band,
                expression,
                where,
            )
        self.env.cr.execute(query)
        result = {}
        for device_id, band_name, quantity, count in self.env.cr.fetchall():
            result.setdefault(device_id, {})[band_name] = (float(quantity or 0.0), count)
        return result

    def _price_aggregate(self, by_band, model=None):
        """Price one device's ``{band: (quantity, count)}``."""
        model = model or self._price_model()
        if model.bands:
            return pricing.price_bands(
                {band: quantity for band, (quantity, _count) in by_band.items()}, model
            )
        return pricing.price(sum(quantity for quantity, _count in by_band.values()), model)

    def _rate(self, date_from, date_to, devices=None, store=True):
        """Rate every device of the period (or ``devices``): one SQL aggregation, then
        prices in Python; stored as ``iot.usage.rating`` rows when ``store``."""
        self.ensure_one()
        aggregated = self._aggregate(
            date_from, date_to, devices.ids if devices is not None else None
        )
        model = self._price_model()
        results = []
        for device_id, by_band in aggregated.items():
            result = self._price_aggregate(by_band, model)
            results.append(
                {
                    "device_id": device_id,
                    "quantity": result.quantity,
                    "billable_quantity": result.billable_quantity,
                    "amount": result.amount,
                    "explanation": result.explanation,
                    "lines": result.lines,
                    "record_count": sum(count for _quantity, count in by_band.values()),
                }
            )
        if store:
            return self.env["iot.usage.rating"]._store(
                self,
                date_from,
                date_to,
                results,
                device_ids=devices.ids if devices is not None else None,
            )
        return results

    # ------------------------------------------------------------------
    # Preview: what a device's usage in a month costs under this calculator
    # ------------------------------------------------------------------

    def _preview(self, device, month):
        self.ensure_one()
        date_from, date_to = month_bounds(month)
        results = self._rate(date_from, date_to, devices=device, store=False)
        result = results[0] if results else None
        if result is None:
            priced = self._price_aggregate({None: (0.0, 0)})
            result = {
                "quantity": 0.0,
                "billable_quantity": priced.billable_quantity,
                "amount": priced.amount,
                "explanation": priced.explanation,
                "record_count": 0,
            }
        return {
            "calculator": self.code,
            "device": device.identifier,
            "month": month,
            "quantity": result["quantity"],
            "billable_quantity": result["billable_quantity"],
            "unit": self.unit,
            "amount": result["amount"],
            "currency": self.currency_id.name,
            "explanation": result["explanation"],
            "records": result["record_count"],
        }

    @api.model
    def api_preview(self, calculator, device, month):
        """Preview over the API and JSON-RPC: calculator code, device identifier, YYYY-MM.

        Gateways and IoT users (``usage.read``), for a device of their companies."""
        self = self.with_env(self.env["iot.api"]._api_env("usage.read"))
        if (
            not isinstance(calculator, str)
            or len(calculator) > 64
            or values_core.text_problem(calculator)
        ):
            raise IotApiError(
                _("calculator must be a calculator's code."), details=[{"field": "calculator"}]
            )
        month_bounds(month)
        device = self.env["iot.device"]._api_find_device(device)
        record = self.search(
            [
                ("code", "=", calculator),
                ("company_id", "=", device.company_id.id),
                ("company_id", "in", self.env.companies.ids),
            ],
            limit=1,
        )
        if not record:
            raise IotApiError(
                _("No calculator %(code)s.", code=calculator),
                code="not_found",
                status=404,
                details=[{"field": "calculator"}],
            )
        return record._preview(device, month)

    def rate_month(self, month):
        """Rate every device of a month (JSON-RPC, for managers and scheduled runs):
        ``{"devices", "records", "amount"}``."""
        self.check_access("write")
        date_from, date_to = month_bounds(month)
        totals = {"devices": 0, "records": 0, "amount": 0.0}
        for calculator in self:
            ratings = calculator._rate(date_from, date_to)
            totals["devices"] += len(ratings)
            totals["records"] += sum(ratings.mapped("record_count"))
            totals["amount"] += sum(ratings.mapped("amount"))
        return totals

    def action_open_preview(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Preview %(name)s", name=self.name),
            "res_model": "iot.usage.preview.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_calculator_id": self.id},
        }


class IotUsageCalculatorTier(models.Model):
    _name = "iot.usage.calculator.tier"
    _description = "Usage Calculator Price Tier"
    _order = "calculator_id, up_to"

    calculator_id = fields.Many2one("iot.usage.calculator", required=True, ondelete="cascade")
    up_to = fields.Float(help="Quantities up to this one; 0 means no upper limit (the last tier).")
    unit_price = fields.Float(digits="Product Price")
    flat_fee = fields.Float(digits="Product Price")


class IotUsageCalculatorBand(models.Model):
    _name = "iot.usage.calculator.band"
    _description = "Usage Calculator Time-of-Day Rate"
    _order = "calculator_id, sequence, id"

    calculator_id = fields.Many2one("iot.usage.calculator", required=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    unit_price = fields.Float(digits="Product Price")
    days = fields.Char(
        default="0,1,2,3,4,5,6", required=True, help="Days of the week, 0 = Monday ... 6 = Sunday."
    )
    start_hour = fields.Integer(default=0)
    end_hour = fields.Integer(default=24)

    def _to_core(self):
        self.ensure_one()
        try:
            days = frozenset(int(day) for day in self.days.split(",") if day.strip())
        except ValueError:
            raise ValidationError(_("Days are numbers from 0 (Monday) to 6 (Sunday).")) from None
        if (
            not days <= set(range(7))
            or not 0 <= self.start_hour <= 23
            or not 1 <= self.end_hour <= 24
        ):
            raise ValidationError(
                _("Days run from 0 to 6, start hours from 0 to 23, end hours from 1 to 24.")
            )
        return pricing.Band(
            name=self.name,
            unit_price=self.unit_price,
            days=days,
            start_hour=self.start_hour,
            end_hour=self.end_hour,
        )
