"""Ingestion through JSON-RPC and the upload wizard; mediation; the quarantine."""

import base64
import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.queue_job.job import Job

from .common import IotUsageFixtures


class TestIngestion(IotUsageFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()
        cls.Record = cls.env["iot.usage.record"].with_user(cls.gateway)

    def rule(self, **vals):
        return self.env["iot.usage.mediation.rule"].create(dict({"name": vals["kind"]}, **vals))

    def test_mediation_maps_filters_and_normalises(self):
        self.rule(kind="identifier", case="upper", sequence=1)
        self.rule(
            kind="include_only",
            egroup=False,
            field="eid",
            operator="in",
            value="SMS-MO,DATA,Type-1",
            sequence=2,
        )
        self.rule(kind="exclude", field="device", operator="startswith", value="TEST", sequence=3)
        self.rule(kind="quantity", egroup="SIM", eid="SMS-MO", quantity_field="int_counter2")
        self.rule(
            kind="arithmetic", egroup="SIM", eid="DATA", sum_fields="int_counter2,int_counter3"
        )
        self.rule(
            kind="unit", egroup="SIM", eid="DATA", unit_from="B", unit_to="MB", unit_base="1000"
        )
        self.rule(kind="timezone", egroup="WM", sequence=50)
        test_device = self.env["iot.device"].create({"identifier": "TEST_9"})
        summary = self.Record.ingest(
            [
                {"device": " sim_1 ", "egroup": "SIM", "eid": "SMS-MO", "int_counter2": 4},
                {
                    "device": "SIM_1",
                    "egroup": "SIM",
                    "eid": "DATA",
                    "int_counter2": 1_500_000,
                    "int_counter3": 2_500_000,
                },
                {"device": "SIM_1", "egroup": "SIM", "eid": "VOICE", "int_counter": 60},
                {"device": "TEST_9", "egroup": "SIM", "eid": "DATA", "int_counter2": 1},
                {
                    "device": "METER_1",
                    "egroup": "WM",
                    "eid": "Type-1",
                    "int_counter": 7,
                    "dt": "2026-07-01T12:00:00",
                },
            ]
        )
        self.assertEqual(
            (summary["accepted"], summary["excluded"], summary["rejected"]), (3, 2, [])
        )
        sim = self.usage_rows(device_id=self.sim.id)
        self.assertEqual(sim.mapped("quantity"), [4.0, 4.0, 60.0])
        self.assertEqual(sim.mapped("state"), ["new", "new", "excluded"])
        self.assertIn("not included", sim[2].excluded_reason)
        self.assertEqual(self.usage_rows(device_id=test_device.id).state, "excluded")
        meter = self.usage_rows(device_id=self.meter.id)
        self.assertEqual(str(meter.dtu), "2026-07-01 10:00:00", "Brussels summer time is UTC+2")

    def test_remediation_reapplies_rules_to_stored_records(self):
        self.Record.ingest(
            [
                {
                    "device": "SIM_1",
                    "egroup": "SIM",
                    "eid": "DATA",
                    "int_counter": 5,
                    "dtu": "2026-04-02T00:00:00Z",
                }
            ]
        )
        record = self.usage_rows(device_id=self.sim.id)
        self.assertEqual((record.quantity, record.state), (5.0, "new"))
        self.rule(kind="arithmetic", egroup="SIM", sum_fields="", factor=2)
        self.rule(kind="exclude", field="int_counter", operator=">", value="100")
        with Form(self.env["iot.usage.remediate.wizard"].with_user(self.manager)) as wizard_form:
            wizard_form.date_from = datetime.date(2026, 4, 1)
            wizard_form.date_to = datetime.date(2026, 4, 30)
        wizard_form.record.action_apply()
        self.assertIn("1 changed", wizard_form.record.result)
        record.invalidate_recordset()
        self.assertEqual((record.quantity, record.state), (10.0, "new"))
        with self.assertRaises(AccessError):
            self.env["iot.usage.record"].with_user(self.gateway)._remediate(
                datetime.datetime(2026, 4, 1), datetime.datetime(2026, 5, 1)
            )

    def test_quarantine_correct_and_replay(self):
        summary = self.Record.ingest(
            [{"device": "METER_1", "egroup": "WM", "eid": "x", "int_counter": -3, "ref": "fix-me"}]
        )
        self.assertEqual(summary["rejected"][0]["code"], "out_of_range")
        rejection = self.env["iot.usage.rejection"].search(
            [("code", "=", "out_of_range")], limit=1, order="id desc"
        )
        self.assertEqual(rejection.payload["int_counter"], -3)
        rejection = rejection.with_user(self.manager)
        rejection.action_replay()
        self.assertEqual((rejection.state, rejection.replay_result), ("new", "Rejected again"))
        with Form(rejection) as form:
            form.payload_text = form.payload_text.replace("-3", "3")
        rejection.action_replay()
        self.assertEqual(rejection.state, "replayed")
        record = self.usage_rows(device_id=self.meter.id)
        self.assertEqual(
            (record.int_counter, record.event_ref, record.source), (3, "fix-me", "replay")
        )
        with self.assertRaises(UserError):
            rejection.action_replay()

    def test_discard(self):
        self.Record.ingest([{"device": "NOPE", "egroup": "WM", "eid": "x"}])
        rejection = self.env["iot.usage.rejection"].search([("reason", "=", "unknown device NOPE")])
        rejection.with_user(self.manager).action_discard()
        self.assertEqual(rejection.state, "discarded")

    def test_ingest_needs_the_right(self):
        with self.assertRaises(AccessError):
            self.env["iot.usage.record"].with_user(self.reader).ingest(
                [{"device": "METER_1", "egroup": "WM", "eid": "x"}]
            )

    def test_upload_wizard_csv(self):
        content = (
            b"DeviceId;eGroup;eId;EventRef;IntCounter;Dtu;EventDataJ\n"
            b'METER_1;WM;Type-1;c1;10;2026-04-01T00:00:00Z;{"a": 1}\n'
            b"METER_1;WM;Type-1;c2;12;2026-04-02T00:00:00Z;\n"
            b"NOPE;WM;Type-1;c3;12;2026-04-02T00:00:00Z;\n"
        )
        Wizard = self.env["iot.usage.upload.wizard"].with_user(self.manager)
        # The binary widget fills the invisible filename as the user picks the file.
        with Form(Wizard.with_context(default_filename="april.csv")) as wizard_form:
            wizard_form.file = base64.b64encode(content)
        action = wizard_form.record.action_upload()
        upload = self.env["iot.usage.upload"].browse(action["res_id"])
        self.assertEqual(
            (upload.state, upload.accepted, upload.rejected, upload.file_format),
            ("done", 2, 1, "csv"),
        )
        self.assertEqual(upload.rejection_ids.row_number, 4)
        self.assertEqual(self.usage_rows(event_ref="c1").data, {"a": 1})
        self.assertEqual(upload.record_count, 2)

    def test_large_upload_goes_to_a_queue_job(self):
        lines = ["DeviceId,eGroup,eId,EventRef,IntCounter,Dtu"]
        lines += [
            f"METER_1,WM,Type-1,big{n},{n},2026-04-01T00:00:{n % 60:02d}Z" for n in range(12000)
        ]
        content = ("\n".join(lines) + "\n").encode()
        self.assertGreater(len(content), 512 * 1024)
        upload = (
            self.env["iot.usage.upload"]
            .with_user(self.manager)
            ._create_from_file("big.csv", content)
        )
        upload._schedule()
        self.assertEqual(upload.state, "queued")
        job = self.env["queue.job"].search([("model_name", "=", "iot.usage.upload")])
        self.assertEqual((len(job), job.method_name, job.records), (1, "_process", upload))
        Job.load(self.env, job.uuid).perform()
        self.assertEqual((upload.state, upload.accepted, upload.rows_done), ("done", 12000, 12000))
        self.assertEqual(upload._process(), "Already processed")


@tagged("post_install", "-at_install")
class TestIngestionJsonRpc(IotUsageFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()

    def test_ingest_over_json_rpc(self):
        def call(records):
            return self.execute_kw("iot.usage.record", "ingest", [records])

        records = [
            {"device": "METER_1", "egroup": "WM", "eid": "T", "ref": "rpc1", "int_counter": 5},
            {"device": "METER_1", "egroup": "1WM", "eid": "T"},
        ]
        answer = call(records)["result"]
        self.assertEqual((answer["accepted"], answer["rejected"][0]["field"]), (1, "egroup"))
        answer = call(records)["result"]
        self.assertEqual((answer["accepted"], answer["duplicates"]), (0, 1))
        self.assertEqual(self.usage_rows(device_id=self.meter.id).source, "jsonrpc")
        answer = call("not a list")
        self.assertIn("records must be a list", answer["error"]["data"]["message"])


class TestUsageAccess(IotUsageFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()

    def test_other_company_usage_is_invisible(self):
        self.env["iot.usage.record"].with_user(self.gateway).ingest(
            [{"device": "METER_1", "egroup": "WM", "eid": "x", "int_counter": 1}]
        )
        record = self.usage_rows(device_id=self.meter.id)
        self.assertEqual(len(record), 1)
        reader_b = new_test_user(
            self.env,
            login="iot_reader_b",
            groups="base.group_user,iot_fleet.group_iot_user",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        Record = self.env["iot.usage.record"].with_user(reader_b)
        self.assertFalse(Record.search([("device_id", "=", self.meter.id)]))
        with self.assertRaises(AccessError):
            Record.browse(record.id).read(["quantity"])
        self.assertEqual(
            self.env["iot.usage.record"]
            .with_user(self.reader)
            .search_count([("device_id", "=", self.meter.id)]),
            1,
        )
        # A gateway reads no usage through the ORM at all: only the API answers it.
        with self.assertRaises(AccessError):
            self.env["iot.usage.record"].with_user(self.gateway).search([])

    def test_free_text_survives_storage(self):
        ref = "a\\tb c\\\\d"  # a real tab is a control character: refused in a ref
        data = {"note": "line 1\nline 2\t\\ end", "nested": {"quote": '"x"'}}
        summary = (
            self.env["iot.usage.record"]
            .with_user(self.gateway)
            .ingest([{"device": "METER_1", "egroup": "WM", "eid": "x", "ref": ref, "data": data}])
        )
        self.assertEqual(summary["accepted"], 1)
        record = self.usage_rows(device_id=self.meter.id)
        self.assertEqual((record.event_ref, record.data), (ref, data))
