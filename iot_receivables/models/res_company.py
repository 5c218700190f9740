from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

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
