from odoo import api, fields, models

PLAN_DOMAIN = [("iot_is_plan", "=", True), ("sale_ok", "=", True)]


class IotPlanChoiceMixin(models.AbstractModel):
    """What a user chooses to put devices on a contract: a plan (only products flagged
    as plans), its price and term, a contract of the customer or a template for a new
    one. Shared by the activation wizard and the one for devices already active."""

    _name = "iot.plan.choice.mixin"
    _description = "Plan, Contract and Term of Devices"

    partner_id = fields.Many2one("res.partner", string="Customer")
    contract_id = fields.Many2one(
        "contract.contract",
        string="Fleet Contract",
        domain="[('partner_id', 'child_of', partner_id), ('contract_type', '=', 'sale')]",
        help="Leave empty to use the customer's fleet contract, or a new one from the template.",
    )
    contract_template_id = fields.Many2one(
        "contract.template",
        # The company's own template; left empty, activation makes one for it.
        default=lambda self: self.env.company.sudo().iot_contract_template_id,
        help="Leave empty to use the company's fleet contract template.",
    )
    plan_product_id = fields.Many2one("product.product", string="Plan", domain=PLAN_DOMAIN)
    plan_price = fields.Float(digits="Product Price", string="Price per Period")
    plan_interval_months = fields.Integer(
        related="plan_product_id.iot_interval_months", string="Billing Period (months)"
    )
    term_months = fields.Integer(string="Term (months)", default=12)

    @api.onchange("plan_product_id")
    def _onchange_plan_product_id(self):
        if self.plan_product_id:
            self.plan_price = self.plan_product_id.lst_price

    def _plan_data(self):
        """The plan, term and contract chosen, as ``iot.device`` activation data."""
        data = {}
        if self.plan_product_id:
            data["plan"] = {"product": self.plan_product_id.id, "price": self.plan_price}
            data["term_months"] = self.term_months
        if self.contract_id:
            data["contract"] = self.contract_id.id
        elif self.contract_template_id:
            data["contract_template"] = self.contract_template_id.id
        return data
