"""The billing flows in headless Chromium, each as the least-privileged user of it."""

from odoo.tests import tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase


@tagged("post_install", "-at_install")
class TestBillingTours(IotTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Tour Fleet Customer"})
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Tour Plan",
                "default_code": "TOUR-PLAN",
                "type": "service",
                "list_price": 9.5,
                "iot_is_plan": True,
            }
        )

    def test_back_office_puts_a_new_device_on_a_plan(self):
        """An IoT manager creates a device, activates it on a plan for 12 months and sees
        its end date and its twelve monthly invoicing schedules."""
        self.tour(
            "/odoo/action-iot_fleet.iot_device_action/new",
            "iot_billing_new_device_on_a_plan",
            "back_office",
        )
        device = self.env["iot.device"].search([("identifier", "=", "TOUR_NEW_1")])
        self.assertEqual(device.base_status, "active")
        self.assertEqual(device.partner_id, self.customer)
        self.assertEqual(device.contract_line_id.product_id, self.plan)
        self.assertEqual(len(device.billing_schedule_ids), 12)
        self.assertEqual(str(device.end_date), "2027-10-31")
