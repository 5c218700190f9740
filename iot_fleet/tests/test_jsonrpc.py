"""The same operations as public model methods over JSON-RPC (execute_kw)."""

from odoo.tests import HttpCase, tagged

from .common import IotFleetFixtures


@tagged("post_install", "-at_install")
class TestDeviceJsonRpc(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()

    def execute_kw(self, method, args, user=None, key=None):
        return super().execute_kw("iot.device", method, args, user=user, key=key)

    def test_life_cycle_over_json_rpc(self):
        answer = self.execute_kw(
            "api_create_devices",
            [[{"identifier": "RPC_1"}, {"identifier": "RPC_2", "type": "TRACKER"}]],
        )
        self.assertEqual(answer["result"]["created"], 2, answer)
        device = self.execute_kw("api_get_device", ["RPC_1"])["result"]
        self.assertEqual(device["state"], "pending")
        device = self.execute_kw(
            "api_activate", ["RPC_1", {"customer": self.customer.id, "date_start": "2026-04-01"}]
        )["result"]
        self.assertEqual(device["state"], "active")
        device = self.execute_kw(
            "api_transition", ["RPC_1", {"transition": "block", "reason": "Unpaid"}]
        )["result"]
        self.assertEqual(device["state"], "blocked")
        events = self.execute_kw("api_get_events", ["RPC_1"])["result"]["events"]
        self.assertEqual([e["type"] for e in events], ["transition", "activation", "create"])
        self.assertEqual({e["origin"] for e in events}, {"jsonrpc"})

    def test_same_rules_over_json_rpc(self):
        self.execute_kw("api_create_devices", [{"identifier": "RPC_3"}])
        answer = self.execute_kw("api_transition", ["RPC_3", {"transition": "resume"}])
        self.assertIn("error", answer)
        self.assertIn("not allowed", answer["error"]["data"]["message"])
        self.assertEqual(
            answer["error"]["data"]["name"], "odoo.addons.iot_fleet.exceptions.IotApiError"
        )
        answer = self.execute_kw(
            "api_create_devices", [[{"identifier": f"M{i}"} for i in range(1001)]]
        )
        self.assertIn("At most 1000", answer["error"]["data"]["message"])
        answer = self.execute_kw("api_get_device", ["NOPE"])
        self.assertIn("No device NOPE", answer["error"]["data"]["message"])
        # A reader may read, not create.
        answer = self.execute_kw(
            "api_create_devices", [{"identifier": "RPC_R"}], user=self.reader, key=self.reader_key
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self.env["iot.device"].search([("identifier", "in", ["RPC_R", "M0"])]))
