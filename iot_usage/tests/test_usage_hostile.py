"""Usage endpoints under hostile input (issue #8), through the attacker's paths.

HTTP with a gateway's bearer key, and JSON-RPC ``execute_kw`` with the key as a
password. A bad record is rejected with its reason and the rest of its batch is
stored; a bad request is a 4xx JSON error; a gateway key reaches usage data only
through the API methods.
"""

import datetime
import json

from odoo.tests import HttpCase, tagged

from .common import IotUsageFixtures

API = "/iot/api/v1"
RECORD = {"device": "METER_1", "egroup": "WM", "eid": "Type-1"}


@tagged("post_install", "-at_install")
class TestUsageHostileInput(IotUsageFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()
        cls.env["iot.usage.rejection"].search([]).unlink()  # the demo's
        cls.meter_b = cls.env["iot.device"].create(
            {"identifier": "METER_B", "company_id": cls.company_b.id}
        )

    def request(self, method, path, key=None, **kwargs):
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {key or self.key}"
        response = self.opener.request(
            method, self.base_url() + path, headers=headers, timeout=60, **kwargs
        )
        self.assertTrue(
            response.headers.get("Content-Type", "").startswith("application/json"),
            (response.status_code, response.text[:300]),
        )
        return response.status_code, response.json()

    def post_raw(self, body, **kwargs):
        """POST a JSON text as is (lone surrogates and NaN stay as the sender wrote)."""
        headers = dict(kwargs.pop("headers", {}), **{"Content-Type": "application/json"})
        return self.request("POST", f"{API}/usage", data=body, headers=headers, **kwargs)

    def rpc(self, model, method, args, kwargs=None, user=None, key=None):
        """execute_kw as a JSON-RPC client sends it: keyword arguments (a context) as it
        likes, NaN and Infinity as Python's JSON writes them (Odoo reads them)."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    (user or self.gateway).id,
                    key or self.key,
                    model,
                    method,
                    args,
                    kwargs or {},
                ],
            },
        }
        response = self.opener.post(
            self.base_url() + "/jsonrpc",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        return response.json()

    def rejections(self, **domain):
        return self.env["iot.usage.rejection"].search(
            [(key, "=", value) for key, value in domain.items()], order="id"
        )

    # ------------------------------------------------------------------
    # Records: one bad value rejects its record, the batch is stored
    # ------------------------------------------------------------------

    def test_bad_values_reject_only_their_record(self):
        records = [
            dict(RECORD, ref="good-1", int_counter=1),
            dict(RECORD, ref="a\u0000b"),
            dict(RECORD, device="METER\u0000_1"),
            dict(RECORD, egroup="W\ud800M"),
            dict(RECORD, eid="Type\u0007"),
            dict(RECORD, ref="data-nul", data={"note": "a\u0000b"}),
            dict(RECORD, ref="data-surrogate", data={"note\udfff": 1}),
            dict(RECORD, ref="old", dtu="0001-01-01T00:00:00+01:00"),
            dict(RECORD, ref="far", dtu="9999-12-31"),
            dict(RECORD, ref="far-dt", dt="9999-12-31T23:00:00"),
            dict(RECORD, ref="good-2", int_counter=2),
        ]
        before = self.env["iot.usage.rejection"].search_count([])
        # ensure_ascii keeps "\ud800" as the escape a sender writes
        status, body = self.post_raw(json.dumps({"records": records}))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accepted"], 2)
        self.assertEqual(
            [(item["index"], item["field"]) for item in body["rejected"]],
            [
                (1, "ref"),
                (2, "device"),
                (3, "egroup"),
                (4, "eid"),
                (5, "data"),
                (6, "data"),
                (7, "dtu"),
                (8, "dtu"),
                (9, "dt"),
            ],
        )
        self.assertEqual(
            self.usage_rows(device_id=self.meter.id).mapped("event_ref"), ["good-1", "good-2"]
        )
        quarantined = self.env["iot.usage.rejection"].search([], order="id desc", limit=9)
        self.assertEqual(self.env["iot.usage.rejection"].search_count([]) - before, 9)
        payloads = {rejection.record_index: rejection.payload for rejection in quarantined}
        self.assertEqual(payloads[1]["ref"], "a\ufffdb", "stored, NUL replaced")
        self.assertEqual(payloads[3]["egroup"], "W\ufffdM")

    def test_quick_form_nul_in_ref_is_a_400_and_quarantined(self):
        status, body = self.request("GET", "/iot/usage/WM/Type-1/METER_1?ref=a%00b&intcounter=1")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["details"][0]["field"], "ref")
        self.assertFalse(self.usage_rows(device_id=self.meter.id))
        rejection = self.rejections(source="form")
        self.assertEqual((len(rejection), rejection.field), (1, "ref"))
        self.assertEqual(rejection.payload["ref"], "a\ufffdb")
        # a lone surrogate's bytes are no UTF-8: the query is refused as it is
        status, body = self.request(
            "GET", "/iot/usage/WM/Type-1/METER_1?ref=a%ED%A0%80b&intcounter=1"
        )
        self.assertEqual((status, body["error"]["code"]), (400, "invalid"), body)
        self.assertFalse(self.usage_rows(device_id=self.meter.id))

    def test_json_rpc_ingest_with_nan_and_nul(self):
        records = [
            dict(RECORD, ref="rpc-good", int_counter=5),
            dict(RECORD, ref="rpc-nan", data={"v": float("nan")}),
            dict(RECORD, ref="rpc-inf", temperature=float("inf")),
            dict(RECORD, ref="rpc\u0000nul"),
        ]
        answer = self.rpc("iot.usage.record", "ingest", [records])
        self.assertIn("result", answer, answer)
        self.assertEqual(answer["result"]["accepted"], 1)
        self.assertEqual(
            [(item["index"], item["field"]) for item in answer["result"]["rejected"]],
            [(1, "data"), (2, "temperature"), (3, "ref")],
        )
        self.assertEqual(self.usage_rows(device_id=self.meter.id).event_ref, "rpc-good")
        self.assertEqual(self.rejections(source="jsonrpc").mapped("payload")[0]["data"]["v"], "nan")

    def test_usage_older_than_the_company_window_is_too_old(self):
        self.company.iot_usage_max_age_days = 30
        now = datetime.datetime.utcnow()
        records = [
            dict(RECORD, ref="recent", dtu=(now - datetime.timedelta(days=20)).isoformat()),
            dict(RECORD, ref="stale", dtu=(now - datetime.timedelta(days=40)).isoformat()),
        ]
        status, body = self.post_raw(json.dumps({"records": records}))
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        self.assertEqual(body["rejected"][0]["code"], "too_old")
        # company B keeps the default window of 400 days
        status, body = self.request(
            "POST",
            f"{API}/usage",
            key=self.key_b,
            json={"records": [dict(records[1], device="METER_B")]},
        )
        self.assertEqual((status, body["accepted"]), (200, 1), body)

    # ------------------------------------------------------------------
    # Requests: a bad one is a 4xx JSON error
    # ------------------------------------------------------------------

    def test_request_id_header_is_bounded(self):
        record = dict(RECORD, int_counter=1)
        for value in ("r" * 60_000, "r" * 129, "a\x01b"):
            with self.subTest(length=len(value)):
                status, body = self.post_raw(
                    json.dumps({"records": [record]}), headers={"X-Request-Id": value}
                )
                self.assertEqual((status, body["error"]["code"]), (400, "invalid"), body)
                self.assertEqual(body["error"]["details"][0]["field"], "X-Request-Id")
        status, body = self.request(
            "GET", "/iot/usage/WM/Type-1/METER_1?intcounter=1", headers={"X-Request-Id": "r" * 200}
        )
        self.assertEqual(status, 400, body)
        self.assertFalse(self.usage_rows(device_id=self.meter.id))
        status, body = self.post_raw(
            json.dumps({"records": [record]}), headers={"X-Request-Id": "r" * 128}
        )
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        self.assertEqual(self.usage_rows(device_id=self.meter.id).request_ref, "r" * 128)
        answer = self.rpc(
            "iot.usage.record",
            "ingest",
            [[record]],
            {"context": {"iot_usage_request_ref": "r" * 60_000}},
        )
        self.assertEqual(
            answer["error"]["data"]["name"], "odoo.addons.iot_fleet.exceptions.IotApiError"
        )

    def test_preview_month_out_of_range(self):
        self.env["iot.usage.calculator"].create(
            {"name": "Water", "code": "W", "egroup": "WM", "value_field": "int_counter"}
        )
        for month in ("9999-12", "0000-01", "2026-13", "1969-12", "+2026-04", "2026-4"):
            with self.subTest(month=month):
                status, body = self.request(
                    "GET", f"{API}/usage/preview?calculator=W&device=METER_1&month={month}"
                )
                self.assertEqual((status, body["error"]["details"][0]["field"]), (400, "month"))
        status, body = self.request(
            "GET", f"{API}/usage/preview?calculator=W%00&device=METER_1&month=2026-04"
        )
        self.assertEqual(status, 400, body)
        status, body = self.request(
            "GET", f"{API}/usage/preview?calculator=W&device=METER_1&month=2026-04"
        )
        self.assertEqual(status, 200, body)
        answer = self.rpc("iot.usage.calculator", "api_preview", ["W", "METER_1", "9999-12"])
        self.assertEqual(
            answer["error"]["data"]["name"], "odoo.addons.iot_fleet.exceptions.IotApiError"
        )
        answer = self.rpc("iot.usage.calculator", "api_preview", ["W", "METER_1", "2026-04"])
        self.assertEqual(answer["result"]["calculator"], "W", answer)

    def test_upload_ids_beyond_the_database_integers(self):
        for upload_id in (2**31, 2**31 + 5, 10**20):
            with self.subTest(upload_id=upload_id):
                status, body = self.request("GET", f"{API}/usage/uploads/{upload_id}")
                self.assertEqual((status, body["error"]["code"]), (404, "not_found"), body)

    # ------------------------------------------------------------------
    # The quarantine counts what is sent again
    # ------------------------------------------------------------------

    def test_replayed_rejections_are_counted_not_added(self):
        records = [
            {"device": f"GHOST_{n}", "egroup": "WM", "eid": "Type-1", "int_counter": n}
            for n in range(5)
        ]
        for _attempt in range(3):
            status, body = self.post_raw(json.dumps({"records": records}))
            self.assertEqual((status, len(body["rejected"])), (200, 5), body)
        rejections = self.rejections(code="unknown_device")
        self.assertEqual(len(rejections), 5)
        self.assertEqual(set(rejections.mapped("seen_count")), {3})
        self.assertTrue(all(r.last_seen_at >= r.received_at for r in rejections))
        # the same record twice in one batch: one row, counted twice
        self.post_raw(json.dumps({"records": [records[0], records[0]]}))
        self.assertEqual(self.rejections(code="unknown_device")[0].seen_count, 5)
        # another company's gateway sending the same record has its own rejection
        self.request("POST", f"{API}/usage", key=self.key_b, json={"records": records[:1]})
        self.assertEqual(len(self.rejections(code="unknown_device")), 6)
        # once discarded, the record received again opens a new rejection
        rejections[1].with_user(self.manager).action_discard()
        self.post_raw(json.dumps({"records": records[1:2]}))
        again = self.rejections(code="unknown_device", state="new")
        self.assertEqual(len(again), 6)
        reopened = again.filtered(
            lambda r: r.id not in rejections.ids and r.company_id == self.company
        )
        self.assertEqual((reopened.payload, reopened.seen_count), (records[1], 1))

    # ------------------------------------------------------------------
    # Permissions: the ORM is no side door
    # ------------------------------------------------------------------

    def test_gateway_key_writes_usage_only_through_ingest(self):
        Record = self.env["iot.usage.record"].with_user(self.gateway)
        Record.ingest([dict(RECORD, ref="existing", int_counter=1)])
        Record.ingest([{"device": "NOPE", "egroup": "WM", "eid": "x"}])
        record = self.usage_rows(device_id=self.meter.id)
        rejection = self.rejections(code="unknown_device")
        upload = self.env["iot.usage.upload"]._create_from_file("a.csv", b"DeviceId\nMETER_1\n")
        forged = {
            "company_id": self.company.id,
            "device_id": self.meter.id,
            "egroup": "WM",
            "eid": "x",
            "dtu": "2026-04-01 00:00:00",
            "source": "json",
            "received_at": "2026-04-01 00:00:00",
            "state": "billed",
            "quantity": -5,
        }
        for model, vals, existing, change in (
            ("iot.usage.record", forged, record, {"quantity": -5}),
            (
                "iot.usage.rejection",
                {"company_id": self.company.id, "source": "json", "reason": "x"},
                rejection,
                {"state": "discarded"},
            ),
            ("iot.usage.upload", {"name": "x.csv"}, upload, {"state": "done"}),
        ):
            with self.subTest(model=model):
                answer = self.rpc(model, "create", [vals])
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
                answer = self.rpc(model, "write", [existing.ids, change])
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        for model in ("iot.usage.calculator", "iot.usage.calculator.tier", "iot.usage.record"):
            with self.subTest(model=model, method="search_read"):
                answer = self.rpc(model, "search_read", [[]])
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertEqual(len(self.usage_rows(device_id=self.meter.id)), 1)
        self.assertEqual(record.quantity, 1.0)
        self.assertEqual((rejection.state, upload.state), ("new", "queued"))
        answer = self.rpc("iot.usage.record", "ingest", [[dict(RECORD, ref="via-rpc")]])
        self.assertEqual(answer["result"]["accepted"], 1, answer)

    def test_ingest_stays_in_the_callers_company(self):
        """Superuser rights take the context's companies on trust: naming company A's
        id in the context must not let company B's key post for A."""
        answer = self.rpc(
            "iot.usage.record",
            "ingest",
            [[dict(RECORD, ref="cross")]],
            {"context": {"allowed_company_ids": [self.company.id]}},
            user=self.gateway_b,
            key=self.key_b,
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)
        self.assertFalse(self.usage_rows(device_id=self.meter.id))
        answer = self.rpc(
            "iot.usage.record",
            "ingest",
            [[dict(RECORD, ref="source", int_counter=1)]],
            {"context": {"iot_usage_source": "billed"}},
        )
        self.assertEqual(answer["result"]["accepted"], 1, answer)
        self.assertEqual(self.usage_rows(device_id=self.meter.id).source, "jsonrpc")

    def test_an_upload_is_seen_by_its_gateway_only(self):
        status, body = self.request(
            "POST", f"{API}/usage/upload", files={"file": ("a.csv", b"DeviceId\nMETER_1\n")}
        )
        self.assertEqual(status, 202, body)
        path = f"{API}/usage/uploads/{body['id']}"
        self.assertEqual(self.request("GET", path)[0], 200)
        other = self.env["res.users"]._iot_gateway_user("Gateway A2", self.company)
        other_key = other._iot_new_api_key("A2")
        for key in (self.key_b, other_key):
            status, answer = self.request("GET", path, key=key)
            self.assertEqual((status, answer["error"]["code"]), (404, "not_found"))
        status, answer = self.request("GET", path, key=self.reader_key)
        self.assertEqual((status, answer["state"]), (200, "done"))
