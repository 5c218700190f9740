"""The device API through real HTTP requests with a bearer key."""

import json
import re

from odoo.tests import HttpCase, tagged

from .common import IotFleetFixtures

API = "/iot/api/v1"


@tagged("post_install", "-at_install")
class TestDeviceHttpApi(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()

    def call(self, method, path, body=None, key=None, raw=None):
        headers = {}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            headers["Content-Type"] = "application/json"
        response = self.opener.request(
            method, self.base_url() + API + path, data=data, headers=headers, timeout=30
        )
        return response.status_code, response.json()

    def assertError(self, answer, status, code):
        self.assertEqual(answer[0], status, answer[1])
        self.assertEqual(answer[1]["error"]["code"], code, answer[1])
        self.assertIsInstance(answer[1]["error"]["details"], list)

    def test_create_one_device_is_idempotent(self):
        body = {"identifier": "IOT_NS999", "type": "TRACKER", "serial": "SN1", "customer": "FCT-1"}
        status, device = self.call("POST", "/devices", body)
        self.assertEqual(status, 201, device)
        self.assertEqual(device["status"], "created")
        self.assertEqual(device["state"], "pending", "created through the API: Pending")
        self.assertEqual(device["customer"]["id"], self.customer.id)
        self.assertEqual(device["type"], "TRACKER")
        status, again = self.call("POST", "/devices", body)
        self.assertEqual((status, again["status"], again["id"]), (200, "existing", device["id"]))
        record = self.env["iot.device"].browse(device["id"])
        self.assertEqual(record.search_count([("identifier", "=", "IOT_NS999")]), 1)
        event = self.events(record)
        self.assertEqual(event.mapped("event_type"), ["create"])
        self.assertEqual((event.origin, event.user_id), ("http", self.gateway))

    def test_create_a_list_answers_per_item(self):
        self.call("POST", "/devices", {"identifier": "IOT_OLD"})
        status, answer = self.call(
            "POST",
            "/devices",
            [
                {"identifier": "IOT_L1", "tags": ["Pilot", "North"]},
                {"identifier": "IOT_OLD"},
                {"identifier": "bad id"},
                {"identifier": "IOT_L2", "customer": 999999},
                {"identifier": "IOT_L1"},
                {"identifier": "IOT_L3", "imei": 356938035643809},
            ],
        )
        self.assertEqual(status, 200, answer)
        self.assertEqual((answer["created"], answer["existing"], answer["rejected"]), (1, 2, 3))
        statuses = [(item["index"], item["status"]) for item in answer["results"]]
        self.assertEqual(
            statuses,
            [
                (0, "created"),
                (1, "existing"),
                (2, "rejected"),
                (3, "rejected"),
                (4, "existing"),
                (5, "rejected"),
            ],
        )
        details = answer["results"][3]["error"]["details"][0]
        self.assertEqual((details["field"], details["index"]), ("customer", 3))
        self.assertEqual(answer["results"][5]["error"]["details"][0]["field"], "imei")
        created = self.env["iot.device"].search([("identifier", "like", "IOT_L%")])
        self.assertEqual(created.mapped("identifier"), ["IOT_L1"])
        self.assertEqual(sorted(created.tag_ids.mapped("name")), ["North", "Pilot"])

    def test_bad_input_is_a_400_with_the_field(self):
        self.assertError(self.call("POST", "/devices", raw="{not json"), 400, "malformed")
        answer = self.call("POST", "/devices", {"identifier": "IOT_X", "type": "NOPE"})
        self.assertError(answer, 400, "invalid")
        self.assertEqual(answer[1]["error"]["details"][0]["field"], "type")
        self.assertError(self.call("POST", "/devices", "just a string"), 400, "invalid")
        self.assertError(self.call("POST", "/devices", []), 400, "empty")
        self.assertFalse(self.env["iot.device"].search([("identifier", "=", "IOT_X")]))

    def test_a_list_over_the_limit_is_413(self):
        devices = [{"identifier": f"IOT_MAX{index}"} for index in range(1001)]
        self.assertError(self.call("POST", "/devices", devices), 413, "too_many")
        self.assertFalse(self.env["iot.device"].search([("identifier", "=like", "IOT_MAX%")]))

    def test_no_key_or_a_bad_key_is_401(self):
        self.assertError(
            self.call("POST", "/devices", {"identifier": "IOT_K"}, key=False), 401, "unauthorized"
        )
        self.assertError(self.call("GET", "/devices/IOT_K", key="not-a-key"), 401, "unauthorized")
        self.assertFalse(self.env["iot.device"].search([("identifier", "=", "IOT_K")]))

    def test_a_user_without_api_rights_is_403(self):
        answer = self.call("POST", "/devices", {"identifier": "IOT_R"}, key=self.reader_key)
        self.assertError(answer, 403, "forbidden")
        self.assertFalse(self.env["iot.device"].search([("identifier", "=", "IOT_R")]))

    def test_unknown_device_is_404(self):
        self.assertError(self.call("GET", "/devices/IOT_NOWHERE"), 404, "not_found")
        self.assertError(self.call("GET", "/devices/IOT_NOWHERE/events"), 404, "not_found")
        self.assertError(
            self.call("POST", "/devices/IOT_NOWHERE/activate", {"customer": "FCT-1"}),
            404,
            "not_found",
        )

    def test_activate_then_transitions_then_events(self):
        # The plan is opaque to the fleet; billing, when installed, reads its product
        # (which it accepts only when flagged as a plan).
        plan = {"name": "Premium", "default_code": "PREMIUM-T", "list_price": 9.9}
        if "iot_is_plan" in self.env["product.product"]._fields:
            plan["iot_is_plan"] = True
        self.env["product.product"].create(plan)
        self.call("POST", "/devices", {"identifier": "IOT_LIFE"})
        status, device = self.call(
            "POST",
            "/devices/IOT_LIFE/activate",
            {
                "customer": "BE0477472701",
                "date_start": "2026-04-01",
                "plan": {"product": "PREMIUM-T"},
            },
        )
        self.assertEqual(status, 200, device)
        self.assertEqual((device["state"], device["activation_date"]), ("active", "2026-04-01"))
        self.assertEqual(device["customer"]["id"], self.customer.id, "found by VAT")
        self.assertError(
            self.call("POST", "/devices/IOT_LIFE/activate", {"customer": "FCT-1"}),
            409,
            "already_active",
        )
        self.assertError(
            self.call("POST", "/devices/IOT_LIFE/transition", {"transition": "suspend"}),
            400,
            "reason_required",
        )
        status, device = self.call(
            "POST", "/devices/IOT_LIFE/transition", {"transition": "suspend", "reason": "Holiday"}
        )
        self.assertEqual((status, device["state"]), (200, "suspended"))
        status, device = self.call("POST", "/devices/IOT_LIFE/transition", {"state": "active"})
        self.assertEqual((status, device["state"]), (200, "active"), "resume by target state")
        status, events = self.call("GET", "/devices/IOT_LIFE/events")
        self.assertEqual(status, 200)
        self.assertEqual(
            [(e["type"], e["from_state"], e["to_state"]) for e in reversed(events["events"])],
            [
                ("create", None, "pending"),
                ("activation", "pending", "active"),
                ("transition", "active", "suspended"),
                ("transition", "suspended", "active"),
            ],
        )
        self.assertEqual({e["origin"] for e in events["events"]}, {"http"})
        self.assertEqual(events["events"][1]["reason"], "Holiday")
        self.assertEqual(events["events"][2]["payload"]["plan"], {"product": "PREMIUM-T"})

    def test_transition_not_allowed_is_409(self):
        self.call("POST", "/devices", {"identifier": "IOT_409"})
        answer = self.call("POST", "/devices/IOT_409/transition", {"transition": "resume"})
        self.assertError(answer, 409, "transition_not_allowed")
        self.assertEqual(answer[1]["error"]["details"][0]["state"], "pending")
        self.assertError(
            self.call("POST", "/devices/IOT_409/transition", {"transition": "fly", "state": "x"}),
            400,
            "invalid",
        )
        self.assertError(
            self.call("POST", "/devices/IOT_409/activate", {"date_start": "2026-13-01"}),
            400,
            "invalid",
        )
        answer = self.call("POST", "/devices/IOT_409/activate", {"customer": "NOBODY"})
        self.assertError(answer, 400, "invalid")
        self.assertEqual(answer[1]["error"]["details"][0]["field"], "customer")
        device = self.env["iot.device"].search([("identifier", "=", "IOT_409")])
        self.assertEqual((device.state_id.code, len(self.events(device))), ("pending", 1))

    def test_openapi_describes_every_route(self):
        response = self.url_open(API + "/openapi.json")
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assertTrue(document["openapi"].startswith("3."))
        routes = set()
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if rule.rule.startswith(("/iot/api/", "/iot/usage/")):
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
                for method in rule.methods or ():
                    if method not in ("HEAD", "OPTIONS"):
                        routes.add((path, method.lower()))
        self.assertTrue(routes)
        described = {(path, method) for path, item in document["paths"].items() for method in item}
        self.assertEqual(routes - described, set(), "routes missing from the OpenAPI document")
