from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    iot_attach_detail = fields.Selection(related="company_id.iot_attach_detail", readonly=False)
    iot_late_usage_months = fields.Integer(
        related="company_id.iot_late_usage_months", readonly=False
    )
    iot_contract_template_id = fields.Many2one(
        related="company_id.iot_contract_template_id", readonly=False
    )
