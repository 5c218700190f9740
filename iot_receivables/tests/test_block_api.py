"""Blocks seen by a gateway: the device API shows Blocked, and a gateway's key can neither
lift a dunning block through the API nor touch blocks over JSON-RPC."""

import json

from odoo.tests import HttpCase, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures

API = "/iot/api/v1"


@tagged("post_install", "-at_install")
class TestBlockApi(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.device = cls.env["iot.device"].create(
            {"identifier": "BLK_API_1", "type_id": cls.device_type.id}
        )
        cls.device._activate(cls.customer, "2026-01-01")
        cls.block = cls.device._iot_block("dunning", origin="dunning")

    def call(self, method, path, body=None):
        response = self.opener.request(
            method,
            self.base_url() + API + path,
            data=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            timeout=30,
        )
        return response.status_code, response.json()

    def test_the_device_api_shows_blocked(self):
        status, device = self.call("GET", "/devices/BLK_API_1")
        self.assertEqual((status, device["state"]), (200, "blocked"), device)

    def test_a_gateway_cannot_unblock_a_dunning_block(self):
        status, answer = self.call(
            "POST", "/devices/BLK_API_1/transition", {"transition": "unblock"}
        )
        self.assertEqual(status, 409, answer)
        self.assertEqual(answer["error"]["code"], "still_blocked")
        self.assertEqual(answer["error"]["details"][0]["reason"], "dunning")
        answer = self.execute_kw(
            "iot.device", "api_transition", ["BLK_API_1", {"transition": "unblock"}]
        )
        self.assertIn("stays blocked", answer["error"]["data"]["message"])
        self.assertEqual(self.device.state_id.code, "blocked")
        self.assertEqual(self.block.state, "in_force")

    def test_a_gateway_key_cannot_touch_blocks_over_json_rpc(self):
        calls = [
            ("action_lift", [self.block.ids]),
            ("write", [self.block.ids, {"state": "lifted"}]),
            ("create", [{"device_id": self.device.id, "reason": "manual"}]),
            ("unlink", [self.block.ids]),
        ]
        for method, args in calls:
            answer = self.execute_kw("iot.device.block", method, args)
            self.assertIn("error", answer, method)
        for method in ("_iot_unblock", "_iot_block"):
            answer = self.execute_kw("iot.device", method, [self.device.ids, "dunning"])
            self.assertIn("error", answer, method)
        self.assertEqual(self.block.state, "in_force")
        self.assertEqual(self.device.state_id.code, "blocked")
