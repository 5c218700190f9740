"""Blocking by hand in headless Chromium, as an IoT manager."""

from odoo.tests import tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase


@tagged("post_install", "-at_install")
class TestReceivablesTours(IotTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Tour Block Customer"})

    def active_device(self, identifier):
        device = self.env["iot.device"].create({"identifier": identifier})
        device._activate(self.customer, "2026-04-01")
        return device

    def test_block_and_unblock_by_hand(self):
        device = self.active_device("TOUR_BLOCK_1")
        self.tour(
            f"/odoo/action-iot_fleet.iot_device_action/{device.id}",
            "iot_receivables_block_by_hand",
            "back_office",
        )
        self.assertEqual(device.state_id.code, "active")
        block = device.block_ids
        self.assertEqual((block.reason, block.state), ("manual", "lifted"))
        self.assertEqual(block.note, "Reported stolen by the customer")
        self.assertEqual(block.lifted_by_id, self.tour_users["back_office"])
        self.assertEqual(
            device.event_ids.filtered(lambda e: e.event_type == "transition").mapped(
                "to_state_id.code"
            ),
            ["active", "blocked"],
        )

    def test_unblock_refused_while_dunning_is_in_force(self):
        device = self.active_device("TOUR_BLOCK_2")
        device._iot_block("dunning", origin="dunning")
        self.tour(
            f"/odoo/action-iot_fleet.iot_device_action/{device.id}",
            "iot_receivables_unblock_refused",
            "back_office",
        )
        self.assertEqual(device.state_id.code, "blocked")
        self.assertEqual(device.block_ids.state, "in_force")
