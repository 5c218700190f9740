"""Two companies in one database: a key of company A never touches company B."""

import json

from odoo.tests import HttpCase, tagged

from .common import IotFleetFixtures

API = "/iot/api/v1"


@tagged("post_install", "-at_install")
class TestTwoCompanies(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()

    def call(self, method, path, body=None, key=None):
        response = self.opener.request(
            method,
            self.base_url() + API + path,
            data=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            timeout=30,
        )
        return response.status_code, response.json()

    def test_same_identifier_in_two_companies(self):
        status_a, device_a = self.call("POST", "/devices", {"identifier": "SHARED1"}, self.key)
        status_b, device_b = self.call("POST", "/devices", {"identifier": "SHARED1"}, self.key_b)
        self.assertEqual((status_a, status_b), (201, 201))
        self.assertNotEqual(device_a["id"], device_b["id"])
        self.assertEqual(device_b["company"], "Other Brand")
        devices = self.env["iot.device"].search([("identifier", "=", "SHARED1")])
        self.assertEqual(devices.company_id, self.company | self.company_b)

    def test_key_of_a_never_sees_or_changes_b(self):
        self.call("POST", "/devices", {"identifier": "ONLY_B"}, self.key_b)
        # Another company's device is answered exactly like one that does not exist.
        unknown = self.call("GET", "/devices/NEVER_MADE", key=self.key)
        status, answer = self.call("GET", "/devices/ONLY_B", key=self.key)
        self.assertEqual((status, answer["error"]["code"]), (404, "not_found"))
        self.assertEqual(
            answer["error"]["message"].replace("ONLY_B", "X"),
            unknown[1]["error"]["message"].replace("NEVER_MADE", "X"),
        )
        status, answer = self.call(
            "POST", "/devices/ONLY_B/transition", {"transition": "cancel"}, key=self.key
        )
        self.assertEqual(status, 404)
        status, answer = self.call("GET", "/devices/ONLY_B/events", key=self.key)
        self.assertEqual(status, 404)
        device_b = self.env["iot.device"].search([("identifier", "=", "ONLY_B")])
        self.assertEqual(device_b.state_id.code, "pending")
        # The ORM agrees: A's integration user cannot read B's device at all.
        visible = (
            self.env["iot.device"].with_user(self.gateway).search([("identifier", "=", "ONLY_B")])
        )
        self.assertFalse(visible)

    def test_customer_of_another_company_is_unknown(self):
        self.call("POST", "/devices", {"identifier": "A_DEV"}, self.key)
        status, answer = self.call(
            "POST", "/devices/A_DEV/activate", {"customer": "BB-1"}, self.key
        )
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["error"]["details"][0]["field"], "customer")
        status, device = self.call("POST", "/devices", {"identifier": "B_DEV"}, self.key_b)
        status, device = self.call(
            "POST", "/devices/B_DEV/activate", {"customer": "BB-1"}, self.key_b
        )
        self.assertEqual((status, device["state"]), (200, "active"))
