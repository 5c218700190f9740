from odoo import api, fields, models


class IotUsagePreviewWizard(models.TransientModel):
    """What a device's usage in a month costs under a calculator, before billing."""

    _name = "iot.usage.preview.wizard"
    _description = "Preview a Usage Calculator"

    def _default_month(self):
        return fields.Date.context_today(self).strftime("%Y-%m")

    calculator_id = fields.Many2one("iot.usage.calculator", required=True)
    device_id = fields.Many2one("iot.device", required=True)
    month = fields.Char(required=True, default=_default_month, help="YYYY-MM")
    quantity = fields.Float(readonly=True, digits=(16, 4))
    billable_quantity = fields.Float(readonly=True, digits=(16, 4))
    unit = fields.Char(related="calculator_id.unit")
    currency_id = fields.Many2one(related="calculator_id.currency_id")
    amount = fields.Monetary(readonly=True)
    record_count = fields.Integer(readonly=True)
    explanation = fields.Char(readonly=True)
    computed = fields.Boolean(readonly=True)

    @api.onchange("calculator_id", "device_id", "month")
    def _onchange_inputs(self):
        self.computed = False

    def action_compute(self):
        self.ensure_one()
        result = self.calculator_id._preview(self.device_id, self.month)
        self.write(
            {
                "quantity": result["quantity"],
                "billable_quantity": result["billable_quantity"],
                "amount": result["amount"],
                "record_count": result["records"],
                "explanation": result["explanation"],
                "computed": True,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
