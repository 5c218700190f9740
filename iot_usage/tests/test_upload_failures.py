"""Uploads that fail (issue #8): the upload says failed and why, keeps what it stored,
and Retry goes on from there; large files are only glanced at in the request."""

import csv
import io
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.queue_job.job import Job

from ..core import tabular
from ..models import iot_usage_upload
from .common import IotUsageFixtures

HEADER = "DeviceId,eGroup,eId,IntCounter"


def csv_file(rows):
    return ("\n".join([HEADER, *rows]) + "\n").encode()


class TestUploadFailures(IotUsageFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()
        cls.env["iot.usage.rejection"].search([]).unlink()
        cls.Upload = cls.env["iot.usage.upload"].with_user(cls.manager)

    def stored(self):
        return len(self.usage_rows(device_id=self.meter.id))

    def test_a_cell_too_long_fails_the_upload_and_retry_goes_on(self):
        # Records without reference: storing one twice would count it twice.
        rows = [f"METER_1,WM,Type-1,{n}" for n in range(1, 5)]
        rows.append("METER_1,WM,Type-1," + "9" * 20_000)
        rows.append("METER_1,WM,Type-1,6")
        upload = self.Upload._create_from_file("meter.csv", csv_file(rows))
        with patch.object(iot_usage_upload, "CHUNK_ROWS", 2):
            upload._schedule()
            self.assertEqual(upload.state, "failed")
            self.assertIn("row 6", upload.error_message)
            self.assertIn("a cell holds 20,000 characters", upload.error_message)
            self.assertEqual((upload.accepted, upload.rows_done, self.stored()), (4, 4, 4))
            self.assertEqual(upload.resume_after_row, 5)
            # The bound is raised (the limit was the problem, not the file): Retry
            with patch.object(tabular, "MAX_CELL_CHARS", 50_000):
                upload.action_retry()
        self.assertEqual(upload.state, "done")
        self.assertFalse(upload.error_message)
        self.assertEqual((upload.accepted, upload.rejected, upload.rows_done), (5, 1, 6))
        self.assertEqual(self.stored(), 5, "the first four rows are not stored again")
        report = upload.error_report_id.raw.decode()
        self.assertIn("6,invalid_type,int_counter", report)

    def test_a_job_that_raises_marks_the_upload_failed(self):
        rows = [f"METER_1,WM,Type-1,{n}" for n in range(40_000)]
        content = csv_file(rows)
        self.assertGreater(len(content), iot_usage_upload.INLINE_BYTES)
        upload = self.Upload._create_from_file("big.csv", content)
        upload._schedule()
        self.assertEqual(upload.state, "queued")
        job = self.env["queue.job"].search([("model_name", "=", "iot.usage.upload")])
        self.assertEqual(len(job), 1)
        Record = type(self.env["iot.usage.record"])
        with patch.object(Record, "_ingest", side_effect=RuntimeError("disk on fire")):
            Job.load(self.env, job.uuid).perform()
        self.assertEqual(upload.state, "failed")
        self.assertIn("RuntimeError", upload.error_message)
        self.assertNotIn("disk on fire", upload.error_message, "details go to the log")
        self.assertEqual(self.stored(), 0)
        upload.action_retry()
        retried = self.env["queue.job"].search(
            [("model_name", "=", "iot.usage.upload"), ("id", "!=", job.id)]
        )
        Job.load(self.env, retried.uuid).perform()
        self.assertEqual((upload.state, upload.accepted), ("done", 40_000))

    def test_a_large_file_is_only_glanced_at_in_the_request(self):
        """Its rows and even its header are read by the job, which says what is wrong."""
        content = b"eId,IntCounter\n" + b"Type-1,12\n" * 80_000
        self.assertGreater(len(content), iot_usage_upload.INLINE_BYTES)
        upload = self.Upload._create_from_file("colours.csv", content)
        self.assertEqual(upload.state, "queued")
        upload.with_context(iot_usage_process_now=True)._schedule()
        self.assertEqual(upload.state, "failed")
        self.assertIn("missing column DeviceId", upload.error_message)

    def test_a_small_workbook_that_inflates_goes_to_the_job(self):
        from .test_core_tabular_bounds import shared_strings_bomb

        content = shared_strings_bomb(70 * 1024 * 1024)
        self.assertLess(len(content), iot_usage_upload.INLINE_BYTES)
        upload = self.Upload._create_from_file("bomb.xlsx", content)
        self.assertEqual((upload.inline, upload.state), (False, "queued"))
        upload.with_context(iot_usage_process_now=True)._schedule()
        self.assertEqual(upload.state, "failed")
        self.assertIn("shares more than", upload.error_message)

    def test_error_report_holds_no_formula(self):
        upload = self.Upload._create_from_file("a.csv", csv_file(["METER_1,WM,Type-1,1"]))
        report = upload._error_report(
            [(2, "invalid", "=cmd|' /C calc'!A0", "+1+1"), (3, "@SUM(1+1)", "-2+3", "ok")]
        )
        rows = list(csv.reader(io.StringIO(report.raw.decode())))
        self.assertEqual(
            rows[1:],
            [
                ["2", "invalid", "'=cmd|' /C calc'!A0", "'+1+1"],
                ["3", "'@SUM(1+1)", "'-2+3", "ok"],
            ],
        )

    def test_file_names_are_stored_safely(self):
        upload = self.Upload._create_from_file("../a\x00b\ud800.csv", csv_file([]))
        self.assertEqual(upload.name, ".._a_b_.csv")


@tagged("post_install", "-at_install")
class TestUploadFailuresHttp(IotUsageFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()

    def request(self, method, path, **kwargs):
        response = self.opener.request(
            method,
            self.base_url() + path,
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=60,
            **kwargs,
        )
        return response.status_code, response.json()

    def test_failed_upload_over_http_then_retry(self):
        rows = ["METER_1,WM,Type-1,1", "METER_1,WM,Type-1,2", "METER_1,WM,Type-1," + "7" * 20_000]
        status, body = self.request(
            "POST", "/iot/api/v1/usage/upload", files={"file": ("m.csv", csv_file(rows))}
        )
        self.assertEqual(status, 202, body)
        self.assertEqual((body["state"], body["accepted"]), ("failed", 2))
        self.assertIn("row 4", body["error"])
        path = f"/iot/api/v1/usage/uploads/{body['id']}"
        status, body = self.request("GET", path)
        self.assertEqual((status, body["state"]), (200, "failed"))
        self.assertIn("a cell holds 20,000 characters", body["error"])
        upload = self.env["iot.usage.upload"].browse(body["id"])
        with patch.object(tabular, "MAX_CELL_CHARS", 50_000):
            upload.with_user(self.manager).action_retry()
        status, body = self.request("GET", path)
        self.assertEqual(
            (status, body["state"], body["accepted"], body["rejected"]), (200, "done", 2, 1)
        )
        self.assertIsNone(body["error"])
        self.assertEqual(len(self.usage_rows(device_id=self.meter.id)), 2)
