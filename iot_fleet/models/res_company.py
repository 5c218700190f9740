from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    iot_activation_window_days = fields.Integer(
        string="Activation Window (days)",
        default=366,
        help="How far from today the start date of an activation sent over the API may lie, "
        "in the past or in the future.",
    )

    _sql_constraints = [
        (
            "iot_activation_window_days_range",
            "CHECK (iot_activation_window_days BETWEEN 0 AND 3660)",
            "The activation window lies between 0 and 3,660 days.",
        )
    ]
