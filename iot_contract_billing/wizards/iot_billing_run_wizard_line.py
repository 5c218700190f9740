from odoo import fields, models


class IotBillingRunWizardLine(models.TransientModel):
    """One customer of a billing run's preview: what its invoices would hold."""

    _name = "iot.billing.run.wizard.line"
    _description = "Billing Run Preview Line"
    _order = "company_id, partner_id"

    wizard_id = fields.Many2one("iot.billing.run.wizard", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True)
    partner_id = fields.Many2one("res.partner", string="Customer")
    currency_id = fields.Many2one(related="company_id.currency_id")
    device_count = fields.Integer(string="Devices")
    amount_untaxed = fields.Monetary(string="Untaxed Amount")
    line_count = fields.Integer(string="Invoice Lines")
    invoice_count = fields.Integer(string="Invoices")
    error = fields.Char(help="Why this customer's contract cannot be invoiced.")
