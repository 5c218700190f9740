from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    iot_activation_window_days = fields.Integer(
        related="company_id.iot_activation_window_days", readonly=False
    )
