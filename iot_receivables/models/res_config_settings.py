from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    iot_dunning_policy_id = fields.Many2one(
        related="company_id.iot_dunning_policy_id", readonly=False
    )


class ResConfigSettingsKyc(models.TransientModel):
    _inherit = "res.config.settings"

    iot_kyc_required = fields.Boolean(related="company_id.iot_kyc_required", readonly=False)
