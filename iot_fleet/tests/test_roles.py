"""IoT rights as an administrator gives them: on the user form, without developer mode."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRoles(TransactionCase):
    def test_iot_user_and_manager_are_one_selection(self):
        """Groups of a category that do not form a chain become checkboxes shown only in
        developer mode: the IoT category holds User and Manager, nothing else."""
        iot = self.env.ref("iot_fleet.module_category_iot")
        by_app = {
            app: (kind, groups)
            for app, kind, groups, _category in self.env["res.groups"].get_groups_by_application()
        }
        kind, groups = by_app[iot]
        self.assertEqual(kind, "selection")
        self.assertEqual(
            groups,
            self.env.ref("iot_fleet.group_iot_user") | self.env.ref("iot_fleet.group_iot_manager"),
        )
