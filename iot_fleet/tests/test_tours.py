"""The fleet's user flows in headless Chromium, each as the least-privileged user of it."""

from odoo.tests import tagged

from .tours import IotTourCase


@tagged("post_install", "-at_install")
class TestFleetTours(IotTourCase):
    def test_change_state_with_fee_shown(self):
        """An IoT manager cancels an active device: the wizard shows the cancellation fee
        before the move, and the event carries the reason and the charge."""
        customer = self.env["res.partner"].create({"name": "Tour Customer"})
        device = self.env["iot.device"].create({"identifier": "TOUR_CANCEL_1"})
        device._activate(customer, "2026-04-01")
        self.assertEqual(device.base_status, "active")
        self.tour(
            f"/odoo/action-iot_fleet.iot_device_action/{device.id}",
            "iot_fleet_change_state_with_fee",
            "back_office",
        )
        self.assertEqual(device.state_id.code, "cancelled")
        event = device.event_ids.sorted("id")[-1]
        self.assertEqual(event.reason, "The customer moved away")
        fee = self.env.ref("iot_fleet.product_cancellation_fee")
        self.assertEqual(event.charge_product_id, fee)
        self.assertEqual(event.charge_amount, 5.0)
        self.assertEqual(event.user_id, self.tour_users["back_office"])
