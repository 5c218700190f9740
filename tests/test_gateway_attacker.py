"""A gateway's key in an attacker's hands (issue #8): what it can and cannot do.

Each test takes the path an attacker takes - the HTTP API with the bearer key, and
JSON-RPC ``execute_kw`` with the key as a password - and asserts what is refused and
that nothing was stored.
"""

import http.client
import json

from odoo import models
from odoo.tests import HttpCase, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures

API = "/iot/api/v1"
FORBIDDEN = "You are not allowed to do this."


@tagged("post_install", "-at_install")
class TestGatewayKeyAsAttacker(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.fee = cls.env["product.product"].create({"name": "Attacker fee", "list_price": 7})
        cls.victim = cls.env["iot.device"].create(
            {"identifier": "VICTIM_1", "type_id": cls.device_type.id}
        )

    def rpc(self, model, method, *args, **kwargs):
        return self.execute_kw(model, method, list(args), kwargs=kwargs)

    def assertRefused(self, answer, exception="odoo.exceptions.AccessError"):
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], exception, answer)

    def http(self, method, path, body=None, raw=None, headers=None, key=None):
        headers = dict(headers or {})
        headers.setdefault("Authorization", f"Bearer {key or self.key}")
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        response = self.opener.request(
            method, self.base_url() + API + path, data=data, headers=headers, timeout=60
        )
        self.assertTrue(
            response.headers.get("Content-Type", "").startswith("application/json"), response.text
        )
        return response.status_code, response.json()

    # ------------------------------------------------------------------
    # The ORM is no side door
    # ------------------------------------------------------------------

    def test_no_event_with_a_charge_by_rpc(self):
        """An event carrying a charge would be billed on the customer's next invoice."""
        answer = self.rpc(
            "iot.device.event",
            "create",
            {
                "device_id": self.victim.id,
                "event_type": "transition",
                "charge_product_id": self.fee.id,
                "charge_amount": -7,
            },
        )
        self.assertRefused(answer)
        self.assertFalse(self.victim.sudo().event_ids.filtered("charge_product_id"))

    def test_no_device_written_by_rpc(self):
        for vals in (
            {"company_id": self.company_b.id},
            {"activation_date": "2020-01-01"},
            {"name": "=1+1"},
            {"partner_id": self.customer.id},
        ):
            with self.subTest(vals=vals):
                self.assertRefused(self.rpc("iot.device", "write", [self.victim.id], vals))
        self.assertRefused(self.rpc("iot.device", "create", {"identifier": "ORM_1"}))
        self.assertRefused(self.rpc("iot.device", "unlink", [self.victim.id]))
        self.victim.invalidate_recordset()
        self.assertEqual(
            (self.victim.company_id, self.victim.activation_date, self.victim.name),
            (self.company, False, "VICTIM_1"),
        )
        self.assertFalse(self.env["iot.device"].search([("identifier", "=", "ORM_1")]))

    def test_no_model_of_ours_writable_by_rpc(self):
        """Every model of the IoT addons (and the contracts and invoices they feed):
        create, write and unlink through execute_kw are refused to a gateway key."""
        ir_models = self.env["ir.model"].search(
            [
                "|",
                ("model", "=like", "iot.%"),
                ("model", "in", ["contract.contract", "contract.line", "account.move"]),
                ("transient", "=", False),
            ]
        )
        names = [name for name in ir_models.mapped("model") if not self.env[name]._abstract]
        self.assertGreater(len(names), 10)
        # Every model is tried, then the ones that were not refused are named together.
        not_refused = []

        def expect_refusal(model, method, answer):
            error = answer.get("error", {}).get("data", {}).get("name")
            if error != "odoo.exceptions.AccessError":
                not_refused.append((model, method, error or answer))

        for model in names:
            record = self.env[model].sudo().search([], limit=1)
            expect_refusal(model, "create", self.rpc(model, "create", {}))
            if record:
                # Writing a stored field's own value: the access check comes first.
                name = next(
                    name
                    for name, field in record._fields.items()
                    if field.store and field.column_type and name not in models.MAGIC_COLUMNS
                )
                value = record._fields[name].convert_to_write(record[name], record)
                value = json.loads(json.dumps(value, default=str))  # dates as RPC sends them
                expect_refusal(model, "write", self.rpc(model, "write", [record.id], {name: value}))
                expect_refusal(model, "unlink", self.rpc(model, "unlink", [record.id]))
                self.assertTrue(record.exists(), model)
        self.assertEqual(not_refused, [])

    def test_gateway_is_no_internal_user(self):
        """A portal user with the Device API group: no user list, no customers, no
        Discuss, no back office."""
        self.assertTrue(self.gateway.share)
        self.assertFalse(self.gateway.has_group("base.group_user"))
        users = self.rpc("res.users", "search_read", [], fields=["login"])
        self.assertEqual([user["login"] for user in users["result"]], [self.gateway.login])
        partners = self.rpc("res.partner", "search_read", [], fields=["name"])
        names = {partner["name"] for partner in partners.get("result", [])}
        self.assertNotIn(self.customer.name, names)
        channels = self.rpc("discuss.channel", "search_read", [], fields=["name"])
        self.assertFalse(channels.get("result"), channels)
        menus = self.rpc("ir.ui.menu", "load_menus", False)
        self.assertNotIn("IoT", json.dumps(menus.get("result", {})))

    def test_gateway_reads_its_devices_whole(self):
        """Reading every field of a device is allowed, and names nothing it may not read."""
        answer = self.rpc("iot.device", "read", [self.victim.id])
        self.assertEqual(answer["result"][0]["identifier"], "VICTIM_1", answer)
        self.assertNotIn("usage_record_count", answer["result"][0])

    def test_api_methods_still_work_over_rpc(self):
        answer = self.rpc("iot.device", "api_create_devices", {"identifier": "RPC_OK"})
        self.assertEqual(answer["result"]["state"], "pending", answer)
        answer = self.rpc(
            "iot.device", "api_activate", "RPC_OK", {"customer": "FCT-1", "reason": "ok"}
        )
        self.assertEqual(answer["result"]["state"], "active", answer)
        events = self.rpc("iot.device", "api_get_events", "RPC_OK")["result"]["events"]
        self.assertEqual([e["type"] for e in events], ["activation", "create"])
        self.assertEqual({e["user"] for e in events}, {self.gateway.login})

    # ------------------------------------------------------------------
    # No leaks
    # ------------------------------------------------------------------

    def test_forbidden_says_nothing_of_odoo(self):
        """403 answers never pass Odoo's access error text (user names, ids) through."""
        status, body = self.http("POST", "/devices", {"identifier": "R_1"}, key=self.reader_key)
        self.assertEqual((status, body["error"]["message"]), (403, FORBIDDEN))
        self.assertNotIn(self.reader.login, json.dumps(body))

    def test_another_company_device_is_unknown(self):
        self.env["iot.device"].create({"identifier": "SECRET_B", "company_id": self.company_b.id})
        for path in ("/devices/SECRET_B", "/devices/SECRET_B/events"):
            status, body = self.http("GET", path)
            self.assertEqual((status, body["error"]["code"]), (404, "not_found"), path)
            self.assertNotIn("company", body["error"]["message"])
        answer = self.rpc("iot.device", "api_get_device", "SECRET_B")
        self.assertIn("No device SECRET_B", answer["error"]["data"]["message"])

    def test_context_names_no_other_company(self):
        """Over JSON-RPC the caller sets the context: naming another company's id in
        allowed_company_ids must not open that company's devices."""
        state = self.victim.state_id
        for method, args in (
            ("api_get_device", ["VICTIM_1"]),
            ("api_transition", ["VICTIM_1", {"transition": "cancel"}]),
            ("api_create_devices", [{"identifier": "SMUGGLED_1"}]),
        ):
            with self.subTest(method=method):
                answer = self.execute_kw(
                    "iot.device",
                    method,
                    args,
                    user=self.gateway_b,
                    key=self.key_b,
                    kwargs={"context": {"allowed_company_ids": [self.company.id]}},
                )
                self.assertRefused(answer)
        self.assertEqual(self.victim.state_id, state)
        smuggled = self.env["iot.device"].search([("identifier", "=", "SMUGGLED_1")])
        self.assertFalse(smuggled.filtered(lambda device: device.company_id == self.company))

    # ------------------------------------------------------------------
    # Hostile input: a bad record gets its reason, a bad request a 4xx JSON error
    # ------------------------------------------------------------------

    def test_hostile_values_in_a_batch_keep_the_good_ones(self):
        deep = current = {}
        for _level in range(30):
            current["x"] = current = {}
        items = [
            {"identifier": "GOOD_1"},
            {"identifier": "BAD_1", "name": "a\u0000b"},
            {"identifier": "BAD_2", "serial": "\ud800"},
            {"identifier": "BAD_3", "attributes": {"nul": "\u0000"}},
            {"identifier": "BAD_4", "attributes": deep},
            {"identifier": "BAD_5", "activation": {"customer": "FCT-1", "plan": {"p": "\u0000"}}},
            {"identifier": "GOOD_2", "attributes": {"ok": 1}},
        ]
        # Sent as JSON text with escapes, as a gateway would: \ud800 alone is legal JSON.
        status, body = self.http("POST", "/devices", raw=json.dumps(items))
        self.assertEqual(status, 200, body)
        self.assertEqual((body["created"], body["rejected"]), (2, 5), body)
        fields = [r["error"]["details"][0]["field"] for r in body["results"][1:6]]
        self.assertEqual(fields, ["name", "serial", "attributes", "attributes", "activation"])
        created = self.env["iot.device"].search([("identifier", "in", ["GOOD_1", "GOOD_2"])])
        self.assertEqual(len(created), 2)
        self.assertFalse(self.env["iot.device"].search([("identifier", "=like", "BAD_%")]))

    def test_hostile_requests_are_4xx_json(self):
        self.http("POST", "/devices", {"identifier": "HOSTILE_1"})
        cases = [
            ("POST", "/devices", "[" * 100_000 + "]" * 100_000, 400),
            ("POST", "/devices", '{"identifier": "N1", "attributes": {"x": NaN}}', 400),
            ("POST", "/devices", '{"identifier": "N2", "attributes": {"x": Infinity}}', 400),
            ("POST", "/devices", b'{"identifier": "\xff\xfe"}', 400),
            ("POST", "/devices/HOSTILE_1/activate", '{"customer": "FCT-1", "x\\u0000": 1}', 400),
            (
                "POST",
                "/devices/HOSTILE_1/activate",
                '{"customer": "FCT-1", "date_start": "9999-12-31"}',
                400,
            ),
            (
                "POST",
                "/devices/HOSTILE_1/activate",
                '{"customer": "FCT-1", "date_start": "0001-01-01"}',
                400,
            ),
            ("POST", "/devices/HOSTILE_1/transition", '{"transition": "\\ud800"}', 400),
            ("POST", "/devices/HOSTILE_1/activate", '{"customer": 2147483648}', 400),
            ("GET", "/devices/" + "A" * 5000, None, 400),
        ]
        for method, path, raw, expected in cases:
            with self.subTest(path=path, raw=(raw or "")[:60]):
                status, body = self.http(method, path, raw=raw)
                self.assertEqual(status, expected, body)
                self.assertEqual(set(body["error"]), {"code", "message", "details"})
        device = self.env["iot.device"].search([("identifier", "=", "HOSTILE_1")])
        self.assertEqual(device.state_id.code, "pending")
        self.assertFalse(self.env["iot.device"].search([("identifier", "in", ["N1", "N2"])]))

    def test_body_over_the_limit_is_413_json(self):
        """A Content-Length over the API's limit, or over Odoo's own (128 MiB, which used
        to get Werkzeug's HTML page), is refused before the body is read."""
        host, port = self.base_url().split("//")[1].split(":")
        for size in (9 * 1024 * 1024, 200 * 1024 * 1024):
            with self.subTest(size=size):
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                try:
                    connection.putrequest("POST", API + "/devices")
                    connection.putheader("Authorization", f"Bearer {self.key}")
                    connection.putheader("Content-Type", "application/json")
                    connection.putheader("Content-Length", str(size))
                    connection.endheaders(b"{}")
                    response = connection.getresponse()
                    body = json.loads(response.read())
                finally:
                    connection.close()
                self.assertEqual((response.status, body["error"]["code"]), (413, "too_large"))
