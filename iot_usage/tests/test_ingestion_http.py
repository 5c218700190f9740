"""Usage through real HTTP requests: the quick form, the JSON batch and file uploads."""

import io
import json

import openpyxl

from odoo.tests import HttpCase, tagged

from .common import IotUsageFixtures


@tagged("post_install", "-at_install")
class TestUsageHttp(IotUsageFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()

    def request(self, method, path, key=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        response = self.opener.request(
            method, self.base_url() + path, headers=headers, timeout=60, **kwargs
        )
        return response.status_code, response.json()

    def post_records(self, records, key=None):
        return self.request("POST", "/iot/api/v1/usage", key=key, json={"records": records})

    def test_quick_form_is_idempotent_by_reference(self):
        url = "/iot/usage/WM-ACME5/Type-1/METER_1?ref=firsttry&intcounter=6789"
        for method in ("GET", "GET", "PUT", "POST"):
            status, body = self.request(method, url)
            self.assertEqual(status, 200, body)
        records = self.usage_rows(device_id=self.meter.id)
        self.assertEqual(len(records), 1)
        self.assertEqual(
            (records.egroup, records.eid, records.event_ref, records.int_counter, records.source),
            ("WM-ACME5", "Type-1", "firsttry", 6789, "form"),
        )
        self.assertEqual(records.src_ip, "127.0.0.1")
        status, body = self.request("GET", url)
        self.assertEqual((body["accepted"], body["duplicates"]), (0, 1))

    def test_quick_form_bad_input(self):
        cases = [
            ("/iot/usage/1GROUP/Type-1/METER_1?intcounter=1", "egroup"),
            ("/iot/usage/WM/Type-1/METER_1?intcounter=-5", "int_counter"),
            ("/iot/usage/WM/Type-1/METER_1?intcounter=99999999999999999999", "int_counter"),
            ("/iot/usage/WM/Type-1/METER_1?dtu=yesterday", "dtu"),
            ("/iot/usage/WM/Type-1/METER_1?dtu=2099-01-01T00:00:00Z", "dtu"),
            ("/iot/usage/WM/Type-1/METER_1?colour=red", "colour"),
        ]
        for url, field in cases:
            with self.subTest(url=url):
                status, body = self.request("GET", url)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["details"][0]["field"], field)
        self.assertFalse(self.usage_rows(device_id=self.meter.id))
        quarantined = self.env["iot.usage.rejection"].search([("source", "=", "form")])
        self.assertEqual(
            sorted(quarantined.mapped("field")),
            ["dtu", "dtu", "egroup", "int_counter", "int_counter"],
        )

    def test_json_batch_mixed(self):
        records = [
            {
                "device": "METER_1",
                "egroup": "WM",
                "eid": "Type-1",
                "ref": "a",
                "int_counter": 10,
                "dtu": "2026-04-14T10:00:00Z",
                "data": {"site": "x"},
            },
            {"device": "METER_1", "egroup": "WM", "eid": "Type-1", "ref": "a", "int_counter": 10},
            {
                "device": "SIM_1",
                "egroup": "SIM",
                "eid": "DATA",
                "int_counter2": 2**63 - 1,
                "temperature": 21.5,
                "dt": "2026-04-14T12:00:00",
            },
            {"egroup": "WM", "eid": "Type-1"},
            {"device": "METER_1", "egroup": "9WM", "eid": "x"},
            {"device": "UNKNOWN_9", "egroup": "WM", "eid": "x"},
            {"device": "METER_1", "egroup": "WM", "eid": "x", "int_counter": "12"},
            "not an object",
        ]
        Rejection = self.env["iot.usage.rejection"]
        before = Rejection.search_count([("source", "=", "json")])
        status, body = self.post_records(records)
        self.assertEqual(status, 200, body)
        self.assertEqual((body["accepted"], body["duplicates"], body["excluded"]), (2, 1, 0))
        rejected = {(item["index"], item["field"], item["code"]) for item in body["rejected"]}
        self.assertEqual(
            rejected,
            {
                (3, "device", "missing"),
                (4, "egroup", "invalid"),
                (5, "device", "unknown_device"),
                (6, "int_counter", "invalid_type"),
                (7, None, "invalid_type"),
            },
        )
        stored = self.usage_rows(device_id=self.sim.id)
        self.assertEqual(stored.int_counter2, 2**63 - 1)
        self.assertEqual(str(stored.dt_device), "2026-04-14 12:00:00")
        self.assertEqual(Rejection.search_count([("source", "=", "json")]) - before, 5)

    def test_json_batch_bad_requests(self):
        status, body = self.request(
            "POST", "/iot/api/v1/usage", data="{oops", headers={"Content-Type": "application/json"}
        )
        self.assertEqual((status, body["error"]["code"]), (400, "malformed"))
        status, body = self.request("POST", "/iot/api/v1/usage", json={"rows": []})
        self.assertEqual((status, body["error"]["details"][0]["field"]), (400, "records"))
        too_many = [{"device": "METER_1", "egroup": "WM", "eid": "x"}] * 10_001
        status, body = self.post_records(too_many)
        self.assertEqual((status, body["error"]["code"]), (413, "too_many"))
        status, body = self.post_records([], key=False)
        self.assertEqual(status, 401)
        status, body = self.post_records(
            [{"device": "METER_1", "egroup": "WM", "eid": "x"}], key=self.reader_key
        )
        self.assertEqual(status, 403)
        self.assertFalse(self.usage_rows(device_id=self.meter.id))

    def test_company_b_key_never_posts_for_company_a(self):
        status, body = self.post_records(
            [{"device": "METER_1", "egroup": "WM", "eid": "x", "int_counter": 1}], key=self.key_b
        )
        self.assertEqual(status, 200)
        self.assertEqual(body["rejected"][0]["code"], "unknown_device")
        self.assertFalse(self.usage_rows(device_id=self.meter.id))

    def test_unknown_device_created_when_the_company_says_so(self):
        self.company.iot_unknown_device_policy = "create"
        status, body = self.post_records(
            [{"device": "NEW_GW_DEVICE", "egroup": "WM", "eid": "x", "int_counter": 3}]
        )
        self.assertEqual((status, body["accepted"]), (200, 1))
        device = self.env["iot.device"].search([("identifier", "=", "NEW_GW_DEVICE")])
        self.assertEqual(device.state_id.code, "pending")
        self.assertEqual(device.event_ids.origin, "http")

    def _xlsx(self, header, rows):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def test_upload_xlsx_over_http(self):
        content = self._xlsx(
            ["IntCounter", "EventRef", "DeviceId", "eGroup", "eId", "Dtu", "Colour"],
            [
                [5, "r1", "METER_1", "WM", "Type-1", "2026-04-01T00:00:00Z", "red"],
                [7, "r2", "METER_1", "WM", "Type-1", "2026-04-02T00:00:00Z", "red"],
                [-1, "r3", "METER_1", "WM", "Type-1", "2026-04-03T00:00:00Z", "red"],
                [9, "r1", "METER_1", "WM", "Type-1", "2026-04-01T00:00:00Z", None],
            ],
        )
        status, body = self.request(
            "POST", "/iot/api/v1/usage/upload", files={"file": ("april.xlsx", content)}
        )
        self.assertEqual(status, 202, body)
        self.assertEqual(
            (body["state"], body["accepted"], body["duplicates"], body["rejected"]),
            ("done", 2, 1, 1),
        )
        self.assertEqual(body["unknown_columns"], ["Colour"])
        upload = self.env["iot.usage.upload"].browse(body["id"])
        report = upload.error_report_id.raw.decode()
        self.assertIn("4,out_of_range,int_counter", report, "row 4 of the file")
        status, again = self.request("GET", f"/iot/api/v1/usage/uploads/{body['id']}")
        self.assertEqual((status, again["accepted"]), (200, 2))
        self.assertEqual(len(self.usage_rows(device_id=self.meter.id)), 2)

    def test_upload_bad_files(self):
        cases = [
            ("notes.pdf", b"%PDF-1.4 ..."),
            ("empty.csv", b""),
            ("broken.xlsx", b"this is not a zip"),
            ("noheader.csv", b"IntCounter,Temperature\n5,20\n"),
        ]
        for name, content in cases:
            with self.subTest(name=name):
                status, body = self.request(
                    "POST", "/iot/api/v1/usage/upload", files={"file": (name, content)}
                )
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["code"], "invalid")
        status, body = self.request("POST", "/iot/api/v1/usage/upload", data={"x": "y"})
        self.assertEqual((status, body["error"]["details"][0]["field"]), (400, "file"))
        self.assertFalse(self.env["iot.usage.upload"].search([]))

    def test_preview_over_http(self):
        calculator = self.env["iot.usage.calculator"].create(
            {
                "name": "Water",
                "code": "W",
                "egroup": "WM",
                "value_field": "int_counter",
                "method": "delta",
                "unit": "m3",
                "unit_price": 2.0,
            }
        )
        self.post_records(
            [
                {"device": "METER_1", "egroup": "WM", "eid": "T", "int_counter": value, "dtu": dtu}
                for value, dtu in (
                    (100, "2026-03-31T23:00:00Z"),
                    (110, "2026-04-10T00:00:00Z"),
                    (125, "2026-04-20T00:00:00Z"),
                )
            ]
        )
        status, body = self.request(
            "GET", "/iot/api/v1/usage/preview?calculator=W&device=METER_1&month=2026-04"
        )
        self.assertEqual(status, 200, body)
        self.assertEqual((body["quantity"], body["amount"], body["records"]), (25.0, 50.0, 2))
        self.assertEqual(body["calculator"], calculator.code)
        for query, status_code in (
            ("calculator=NOPE&device=METER_1&month=2026-04", 404),
            ("calculator=W&device=NOPE&month=2026-04", 404),
            ("calculator=W&device=METER_1&month=April", 400),
            ("calculator=W&device=METER_1", 400),
        ):
            with self.subTest(query=query):
                status, body = self.request("GET", "/iot/api/v1/usage/preview?" + query)
                self.assertEqual(status, status_code, body)

    def test_openapi_lists_usage_routes(self):
        document = self.url_open("/iot/api/v1/openapi.json").json()
        self.assertIn("/iot/api/v1/usage", document["paths"])
        self.assertIn("/iot/usage/{egroup}/{eid}/{device}", document["paths"])
        self.assertIn("UsageRecord", document["components"]["schemas"])
        json.dumps(document)
