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
