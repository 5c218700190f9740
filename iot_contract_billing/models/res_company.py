from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

DEFAULT_TEMPLATE = "iot_contract_billing.contract_template_fleet"


class ResCompany(models.Model):
    _inherit = "res.company"

    iot_attach_detail = fields.Selection(
        [("csv", "CSV"), ("xlsx", "XLSX")],
        string="Attach Fleet Detail to Invoices",
        help="When billing runs post an invoice, attach its per-device detail in this format.",
    )
    iot_late_usage_months = fields.Integer(
        string="Late Usage Window (months)",
        default=3,
        help="Billing runs look this many months back for usage that arrived after its "
        "period was invoiced, and bill it as an adjustment on the next open schedule.",
    )
    # Contract templates are read by IoT managers and accountants only.
    iot_contract_template_id = fields.Many2one(
        "contract.template",
        string="Fleet Contract Template",
        groups="iot_fleet.group_iot_manager",
        domain="[('company_id', '=', id), ('contract_type', '=', 'sale')]",
        help="New fleet contracts of this company are made from this template when an "
        "activation names none. Left empty, the first activation with a plan makes one "
        "from the default 'IOT Fleet Contract' template.",
    )

    @api.constrains("iot_contract_template_id")
    def _check_iot_contract_template_id(self):
        for company in self.sudo():
            template = company.iot_contract_template_id
            if template and template.company_id != company:
                raise ValidationError(
                    _(
                        "The fleet contract template of %(company)s must belong to it.",
                        company=company.name,
                    )
                )

    def _iot_contract_template(self):
        """The company's fleet contract template: its own, else the default template if
        it is this company's, else a copy of the default made for this company (a
        template - its journal, its pricelist - serves the contracts of its company)."""
        self.ensure_one()
        company = self.sudo()
        if company.iot_contract_template_id:
            return company.iot_contract_template_id
        default = self.env.ref(DEFAULT_TEMPLATE, raise_if_not_found=False)
        if not default:
            return self.env["contract.template"]
        default = default.sudo()
        if default.company_id == company:
            template = default
        else:
            values = default.copy_data({"name": default.name, "company_id": company.id})[0]
            # Computed for this company's journals; a pricelist of another company
            # is not this one's.
            values.pop("journal_id", None)
            if default.pricelist_id.company_id not in (company, company.browse()):
                values.pop("pricelist_id", None)
            template = default.create(values)
        company.iot_contract_template_id = template
        return template
