"""Settings > IoT: the company's fleet options, set by an administrator."""

from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user


class TestFleetSettings(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login="iot_settings_admin", groups="base.group_user,base.group_system"
        )
        cls.manager = new_test_user(
            cls.env,
            login="iot_settings_manager",
            groups="base.group_user,iot_fleet.group_iot_manager",
        )

    def test_saving_the_settings_sets_the_company(self):
        settings = Form(self.env["res.config.settings"].with_user(self.admin))
        self.assertEqual(
            settings.iot_activation_window_days, self.admin.company_id.iot_activation_window_days
        )
        settings.iot_activation_window_days = 30
        settings.save().execute()
        self.assertEqual(self.admin.company_id.iot_activation_window_days, 30)

    def test_the_company_form_has_no_iot_page_any_more(self):
        arch = self.env["res.company"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("iot_activation_window_days", arch)
        self.assertFalse(self.env.ref("iot_fleet.res_company_view_form_iot_fleet", False))

    def test_settings_menu_is_for_administrators(self):
        menu = self.env.ref("iot_fleet.menu_iot_config_settings")
        self.assertEqual(menu.action, self.env.ref("iot_fleet.iot_config_settings_action"))
        visible = self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.manager).create(
                {"iot_activation_window_days": 1}
            )
        self.assertNotEqual(self.manager.company_id.iot_activation_window_days, 1)
