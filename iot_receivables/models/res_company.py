from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .iot_account_entry import HOLDING_UNITS


class ResCompany(models.Model):
    _inherit = "res.company"

    iot_billing_threshold = fields.Monetary(
        string="Billing Threshold",
        currency_field="currency_id",
        help="What a billing run would invoice a customer below this untaxed amount is "
        "held on the customer's transaction account until the account reaches it. "
        "0: every run invoices.",
    )
    iot_holding_time = fields.Integer(
        string="Maximum Holding Time",
        default=12,
        help="An account whose oldest entry is held this long is invoiced whatever its "
        "balance. 0: held up to the fiscal year end.",
    )
    iot_holding_unit = fields.Selection(HOLDING_UNITS, string="Holding Unit", default="month")

    iot_dunning_policy_id = fields.Many2one(
        "iot.dunning.policy",
        string="Dunning Policy",
        help="The company's dunning policy; a customer can have its own (partner form, "
        "Invoicing tab).",
    )

    @api.constrains("iot_dunning_policy_id")
    def _check_iot_dunning_policy_id(self):
        for company in self.sudo():
            policy = company.iot_dunning_policy_id
            if policy and policy.company_id != company:
                raise ValidationError(
                    _("The dunning policy of %(company)s must belong to it.", company=company.name)
                )


class ResCompanyKyc(models.Model):
    _inherit = "res.company"

    iot_kyc_required = fields.Boolean(
        string="KYC Required Before Activation",
        help="Devices are activated only for customers whose identity was verified (KYC "
        "status Verified on the customer); the activation wizard and the device API refuse "
        "the others.",
    )
