from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    iot_unknown_device_policy = fields.Selection(
        related="company_id.iot_unknown_device_policy", readonly=False
    )
    iot_usage_max_age_days = fields.Integer(
        related="company_id.iot_usage_max_age_days", readonly=False
    )
