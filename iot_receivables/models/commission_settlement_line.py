from odoo import fields, models


class CommissionSettlementLine(models.Model):
    _inherit = "commission.settlement.line"

    iot_device_count = fields.Integer(
        related="invoice_agent_line_id.iot_device_count", string="Devices"
    )
    iot_base_amount = fields.Monetary(
        related="invoice_agent_line_id.iot_base_amount", string="Commission Base"
    )
    iot_base_quantity = fields.Float(
        related="invoice_agent_line_id.iot_base_quantity", string="Units"
    )

    def _iot_device_names(self, limit=20):
        """The identifiers of the devices the line pays for (the first ``limit``, then
        how many more), for the PDF sent to the owner, who has no access to the fleet."""
        details = self.invoice_agent_line_id.iot_detail_ids
        names = sorted(set(details.device_id.sudo().mapped("identifier")))
        if len(names) > limit:
            more = self.env._("(+%(count)s more)", count=len(names) - limit)
            names = names[:limit] + [more]
        return ", ".join(names)
