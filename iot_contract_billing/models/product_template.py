from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Billing periods that tile a year, so that calendar periods stay aligned.
INTERVALS = (1, 2, 3, 4, 6, 12)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    iot_is_plan = fields.Boolean(
        string="IoT Plan",
        index=True,
        help="A fleet plan: offered when devices are put on a contract, and accepted as "
        "the plan of an activation sent over the API.",
    )
    iot_interval_months = fields.Integer(
        string="Billing Period (months)",
        default=1,
        help="A fleet plan bills every this many months (1, 2, 3, 4, 6 or 12), post-paid: "
        "a period is billed by the run of the month it ends in.",
    )
    iot_status_price_ids = fields.One2many(
        "iot.plan.status.price",
        "product_tmpl_id",
        string="Prices per Device Status",
        help="When set, a period is prorated by the days the device spent in each status; "
        "a status without a price here is billed at the contract line's price.",
    )
    iot_bill_on_first_use = fields.Boolean(
        string="Bill on First Use",
        help="Activation leaves the device in Pre-active, with no recurring charge, until "
        "its usage reaches the threshold or the window has elapsed.",
    )
    iot_first_use_threshold = fields.Float(
        string="First-use Threshold",
        help="Usage since activation that starts billing: the sum of the calculator's value "
        "over its records, or of the billable quantity mediation gave the readings; 0 means "
        "any reading.",
    )
    iot_first_use_calculator_id = fields.Many2one(
        "iot.usage.calculator",
        string="First-use Measure",
        help="Measure the threshold with this calculator's records and value.",
    )
    iot_first_use_days = fields.Integer(
        string="First-use Window (days)",
        help="Billing starts at the latest this many days after activation; 0 means no limit.",
    )

    @api.constrains("iot_interval_months")
    def _check_iot_interval_months(self):
        for template in self:
            if template.iot_interval_months not in INTERVALS:
                raise ValidationError(_("A plan bills every 1, 2, 3, 4, 6 or 12 months."))

    @api.constrains("iot_first_use_threshold", "iot_first_use_days")
    def _check_iot_first_use(self):
        for template in self:
            if template.iot_first_use_threshold < 0 or template.iot_first_use_days < 0:
                raise ValidationError(_("The first-use threshold and window cannot be negative."))
