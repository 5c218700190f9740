from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    iot_billing_threshold = fields.Monetary(
        related="company_id.iot_billing_threshold", readonly=False
    )
    iot_holding_time = fields.Integer(related="company_id.iot_holding_time", readonly=False)
    iot_holding_unit = fields.Selection(related="company_id.iot_holding_unit", readonly=False)

    iot_dunning_policy_id = fields.Many2one(
        related="company_id.iot_dunning_policy_id", readonly=False
    )


class ResConfigSettingsKyc(models.TransientModel):
    _inherit = "res.config.settings"

    iot_kyc_required = fields.Boolean(related="company_id.iot_kyc_required", readonly=False)
