from odoo import fields, models


class ContractContract(models.Model):
    _inherit = "contract.contract"

    iot_fleet = fields.Boolean(
        string="Fleet Contract", help="A contract whose lines are connected objects."
    )
    iot_billing_alignment = fields.Selection(
        [("anniversary", "From the activation date"), ("calendar", "Calendar months")],
        string="Billing Periods",
        default="calendar",
        help="Calendar months prorate the first and last period of a device by day.",
    )
    iot_consolidate = fields.Boolean(
        string="One Invoice per Customer",
        help="Billing runs put this contract on one invoice with the customer's other "
        "consolidated fleet contracts (same currency and journal).",
    )
    iot_invoice_grouping = fields.Selection(
        [
            ("plan", "Product, price and calculator"),
            ("device_type", "... and device type"),
            ("site", "... and site"),
        ],
        string="Invoice Lines Grouped by",
        default="plan",
        required=True,
        help="A fleet's invoice has one line per group; the site is the devices' "
        "'site' attribute.",
    )
    iot_device_count = fields.Integer(compute="_compute_iot_device_count", string="Devices")

    def _compute_iot_device_count(self):
        counts = dict(
            self.env["contract.line"]._read_group(
                [("contract_id", "in", self.ids), ("iot_device_id", "!=", False)],
                ["contract_id"],
                ["__count"],
            )
        )
        for contract in self:
            contract.iot_device_count = counts.get(contract, 0)

    def _get_contracts_to_invoice_domain(self, date_ref=None):
        # Fleet contracts are billed by billing runs (grouped invoices, usage), not by
        # the contract addon's own recurring invoicing.
        return super()._get_contracts_to_invoice_domain(date_ref) + [("iot_fleet", "=", False)]

    def _get_lines_to_invoice(self, date_ref):
        lines = super()._get_lines_to_invoice(date_ref)
        return lines.filtered(lambda line: not line.iot_device_id)

    def _iot_invoice_fiscal_position(self):
        """The fiscal position of the contract's invoices: its own, or the one Odoo
        gives its invoicing contact."""
        self.ensure_one()
        if self.fiscal_position_id:
            return self.fiscal_position_id
        return (
            self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(self.invoice_partner_id)
        )

    def _iot_invoice_payment_term(self):
        """The payment terms of the contract's invoices: its own, or its invoicing
        contact's (as an invoice takes them)."""
        self.ensure_one()
        partner = self.invoice_partner_id.with_company(self.company_id)
        return self.payment_term_id or partner.property_payment_term_id

    def action_view_iot_devices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("iot_fleet.iot_device_action")
        action["domain"] = [("contract_line_id.contract_id", "=", self.id)]
        return action
