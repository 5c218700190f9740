from odoo import fields, models


class ContractLine(models.Model):
    _inherit = "contract.line"

    iot_device_id = fields.Many2one(
        "iot.device", string="Device", index="btree_not_null", ondelete="restrict"
    )
    iot_schedule_ids = fields.One2many(
        "iot.billing.schedule", "contract_line_id", string="Invoicing Schedules"
    )
