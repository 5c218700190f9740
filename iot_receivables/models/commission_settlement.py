from odoo import fields, models


class CommissionSettlement(models.Model):
    """What a device owner's settlement pays for: the devices' shares of the invoice
    lines it settles (device, invoice, period, quantity, amount)."""

    _inherit = "commission.settlement"

    iot_detail_ids = fields.Many2many(
        "iot.billing.detail",
        compute="_compute_iot_detail_ids",
        string="Devices Paid For",
    )
    iot_device_count = fields.Integer(compute="_compute_iot_detail_ids", string="Devices")

    def _compute_iot_detail_ids(self):
        for settlement in self:
            details = settlement.line_ids.invoice_agent_line_id.iot_detail_ids
            settlement.iot_detail_ids = details
            settlement.iot_device_count = len(details.device_id)

    def action_invoice(self):
        """OCA's Make invoice, proposing the Device Owner Commission product."""
        action = super().action_invoice()
        product = self.env.ref(
            "iot_receivables.product_iot_owner_commission", raise_if_not_found=False
        )
        if product:
            action["context"] = dict(action["context"], default_product_id=product.id)
        return action
