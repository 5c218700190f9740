from odoo import api, fields, models

from ..core import commission as commission_core


class AccountInvoiceLineAgent(models.Model):
    """An agent of an invoice line, here also a device owner's share of it.

    OCA computes an agent's commission on the whole line. The owner of devices billed
    by a line earns on its devices' part only: ``iot_amount_share`` and
    ``iot_quantity_share`` are the fractions of the line's untaxed amount and quantity
    that its devices brought (1 for any other agent: the whole line), and
    ``iot_detail_ids`` the detail rows (device, period, quantity, amount) it is paid
    for. Credit notes copy them from the invoice they reverse.
    """

    _inherit = "account.invoice.line.agent"

    iot_amount_share = fields.Float(
        string="Share of the Line",
        digits=0,
        default=1.0,
        readonly=True,
        help="The fraction of the line's untaxed amount the agent's devices brought.",
    )
    iot_quantity_share = fields.Float(
        string="Share of the Quantity",
        digits=0,
        default=1.0,
        readonly=True,
        help="The fraction of the line's quantity the agent's devices brought.",
    )
    iot_base_amount = fields.Monetary(
        string="Commission Base",
        compute="_compute_iot_base",
        store=True,
        help="The part of the line's untaxed amount the commission is computed on.",
    )
    iot_base_quantity = fields.Float(
        string="Units",
        digits="Product Unit of Measure",
        compute="_compute_iot_base",
        store=True,
        help="The part of the line's quantity a rate per unit is paid on.",
    )
    iot_detail_ids = fields.Many2many(
        "iot.billing.detail",
        "account_invoice_line_agent_iot_detail_rel",
        "agent_line_id",
        "detail_id",
        string="Devices Billed",
        readonly=True,
        help="The owner's devices in the line's detail: what the commission is paid for.",
    )
    iot_device_count = fields.Integer(
        string="Devices", compute="_compute_iot_device_count", store=True
    )

    @api.depends(
        "object_id.price_subtotal", "object_id.quantity", "iot_amount_share", "iot_quantity_share"
    )
    def _compute_iot_base(self):
        for line in self:
            currency = line.object_id.currency_id
            line.iot_base_amount = currency.round(
                line.object_id.price_subtotal * line.iot_amount_share
            )
            line.iot_base_quantity = line.object_id.quantity * line.iot_quantity_share

    @api.depends("iot_detail_ids")
    def _compute_iot_device_count(self):
        for line in self:
            line.iot_device_count = len(line.iot_detail_ids.device_id)

    @api.depends("iot_base_amount", "iot_base_quantity", "commission_id.amount_per_unit")
    def _compute_amount(self):
        return super()._compute_amount()

    def _get_commission_amount(self, commission, subtotal, product, quantity):
        """OCA's amount, on the owner's share of the line; a rate per unit on its units."""
        subtotal, quantity = self.iot_base_amount, self.iot_base_quantity
        if commission.commission_type == "per_unit" and not product.commission_free:
            return commission_core.per_unit(quantity, commission.amount_per_unit)
        return super()._get_commission_amount(commission, subtotal, product, quantity)
