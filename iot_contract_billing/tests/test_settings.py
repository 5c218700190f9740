"""Settings > IoT: the company's billing options, set by an administrator."""

from odoo.tests import Form, TransactionCase, new_test_user


class TestBillingSettings(TransactionCase):
    def test_saving_the_settings_sets_the_company(self):
        admin = new_test_user(
            self.env,
            login="iot_billing_settings_admin",
            groups="base.group_user,base.group_system,iot_fleet.group_iot_manager",
        )
        company = admin.company_id
        template = self.env["contract.template"].create(
            {"name": "Settings template", "company_id": company.id, "contract_type": "sale"}
        )
        settings = Form(self.env["res.config.settings"].with_user(admin))
        settings.iot_contract_template_id = template
        settings.iot_late_usage_months = 5
        settings.iot_attach_detail = "xlsx"
        settings.save().execute()
        self.assertEqual(
            (
                company.iot_contract_template_id,
                company.iot_late_usage_months,
                company.iot_attach_detail,
            ),
            (template, 5, "xlsx"),
        )
