"""Settings > IoT: the company's usage options, set by an administrator."""

from odoo.tests import Form, TransactionCase, new_test_user


class TestUsageSettings(TransactionCase):
    def test_saving_the_settings_sets_the_company(self):
        admin = new_test_user(
            self.env, login="iot_usage_settings_admin", groups="base.group_user,base.group_system"
        )
        company = admin.company_id
        policy = "reject" if company.iot_unknown_device_policy == "create" else "create"
        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertEqual(settings.iot_usage_max_age_days, company.iot_usage_max_age_days)
        settings.iot_unknown_device_policy = policy
        settings.iot_usage_max_age_days = 90
        settings.save().execute()
        self.assertEqual(
            (company.iot_unknown_device_policy, company.iot_usage_max_age_days), (policy, 90)
        )
