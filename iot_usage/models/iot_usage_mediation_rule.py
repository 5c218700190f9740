from pytz import all_timezones

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..core import mediation, units

KINDS = [
    ("include_only", "Keep Only Matching"),
    ("exclude", "Exclude Matching"),
    ("quantity", "Quantity From Field"),
    ("arithmetic", "Sum of Fields x Factor"),
    ("unit", "Convert Unit"),
    ("timezone", "Device Time to UTC"),
    ("identifier", "Normalise DeviceId"),
]
OPERATORS = [
    ("=", "="),
    ("!=", "!="),
    ("in", "in"),
    ("not in", "not in"),
    (">", ">"),
    (">=", ">="),
    ("<", "<"),
    ("<=", "<="),
    ("set", "is set"),
    ("not set", "is not set"),
    ("startswith", "starts with"),
]
ALL_UNITS = sorted({unit for family in units.UNITS.values() for unit in family})


def _unit_selection(self):
    return [(unit, unit) for unit in ALL_UNITS]


def _tz_selection(self):
    return [(tz, tz) for tz in all_timezones]


class IotUsageMediationRule(models.Model):
    """A rule applied to usage records on their way in: filter, map or normalise.

    Rules run in sequence per company; the plain-Python ``core.mediation`` applies
    them, so ingestion and re-runs over stored records behave the same.
    """

    _name = "iot.usage.mediation.rule"
    _description = "Usage Mediation Rule"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(KINDS, required=True, default="exclude")
    egroup = fields.Char(string="Event Group", help="Only records of this event group.")
    eid = fields.Char(string="Record Type", help="Only records of this record type.")
    field = fields.Char(
        string="Condition Field",
        help="A record field (device, int_counter2, ...) or a key of its data (data.apn).",
    )
    operator = fields.Selection(OPERATORS, default="=")
    value = fields.Char(help="Compared value; a comma-separated list for 'in'.")
    quantity_field = fields.Char(help="The field that carries the quantity, e.g. int_counter2.")
    sum_fields = fields.Char(
        help="Comma-separated fields to add up, e.g. int_counter2,int_counter3."
    )
    factor = fields.Float(default=1.0, digits=(16, 6))
    unit_from = fields.Selection(_unit_selection)
    unit_to = fields.Selection(_unit_selection)
    unit_base = fields.Selection(
        [("1024", "1024 (binary)"), ("1000", "1000 (decimal)")], default="1024"
    )
    tz = fields.Selection(_tz_selection, string="Time Zone", help="Default: the device's.")
    case = fields.Selection([("upper", "Upper Case"), ("lower", "Lower Case")])
    strip_prefix = fields.Char()

    def _to_core(self):
        self.ensure_one()
        params = {}
        if self.kind == "quantity":
            params["field"] = self.quantity_field
        elif self.kind == "arithmetic":
            params["fields"] = [
                name.strip() for name in (self.sum_fields or "").split(",") if name.strip()
            ]
            params["factor"] = self.factor
        elif self.kind == "unit":
            params.update({"from": self.unit_from, "to": self.unit_to, "base": int(self.unit_base)})
        elif self.kind == "timezone" and self.tz:
            params["tz"] = self.tz
        elif self.kind == "identifier":
            if self.case:
                params["case"] = self.case
            if self.strip_prefix:
                params["strip_prefix"] = self.strip_prefix
        value = self.value
        if self.operator in ("in", "not in"):
            value = [item.strip() for item in (value or "").split(",") if item.strip()]
        return {
            "kind": self.kind,
            "name": self.name,
            "egroup": self.egroup or None,
            "eid": self.eid or None,
            "field": self.field or None,
            "operator": self.operator or "=",
            "value": value,
            "params": params,
        }

    @api.constrains(
        "kind",
        "field",
        "operator",
        "value",
        "quantity_field",
        "sum_fields",
        "unit_from",
        "unit_to",
        "tz",
        "factor",
    )
    def _check_rule(self):
        for rule in self:
            try:
                mediation.compile_rules([rule._to_core()])
            except (ValueError, TypeError) as exc:
                raise ValidationError(
                    _("The rule %(name)s is not valid: %(error)s", name=rule.name, error=exc)
                ) from None

    @api.model
    @tools.ormcache("company.id")
    def _compiled_rules(self, company):
        """The company's active rules: ``(identifier rules, other rules)``."""
        rules = self.sudo().search([("company_id", "=", company.id)])
        compiled = mediation.compile_rules([rule._to_core() for rule in rules])
        identifier = tuple(rule for rule in compiled if rule.kind == "identifier")
        others = tuple(rule for rule in compiled if rule.kind != "identifier")
        return identifier, others

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
