from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    iot_unknown_device_policy = fields.Selection(
        [("reject", "Reject the record"), ("create", "Create the device")],
        string="Usage of Unknown Devices",
        default="reject",
        required=True,
        help="What happens to a usage record whose DeviceId is unknown: quarantined with its "
        "reason, or the device is created in its API initial state.",
    )
    iot_usage_max_age_days = fields.Integer(
        string="Oldest Usage (days)",
        default=400,
        required=True,
        help="A usage record whose time of use lies more days in the past than this is "
        "quarantined (reason too_old): what a sender replays from long ago is not billed "
        "without a look. Records may lie at most 24 hours in the future.",
    )

    _sql_constraints = [
        (
            "iot_usage_max_age_days_range",
            "CHECK (iot_usage_max_age_days BETWEEN 1 AND 36500)",
            "The oldest usage accepted lies between 1 and 36,500 days in the past.",
        )
    ]
