import contextlib
import csv
import io
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..core import tabular

_logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000
# Files up to this many bytes are processed at once; larger ones in a queue job.
INLINE_BYTES = 512 * 1024


class IotUsageUpload(models.Model):
    """An Excel or CSV file of usage records, processed in chunks.

    Small files are processed at once; large ones by a ``queue_job`` job, with the
    progress shown on the record. Rejected rows are quarantined and listed in a
    downloadable error report.
    """

    _name = "iot.usage.upload"
    _description = "Usage Upload"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="restrict")
    file_format = fields.Selection([("xlsx", "Excel"), ("csv", "CSV")], readonly=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("processing", "Processing"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
    )
    rows_done = fields.Integer(readonly=True)
    rows_progress = fields.Integer(
        string="Rows Read", compute="_compute_progress", help="Rows read so far by the job."
    )
    progress = fields.Float(compute="_compute_progress")
    accepted = fields.Integer(readonly=True)
    duplicates = fields.Integer(readonly=True)
    excluded = fields.Integer(readonly=True)
    rejected = fields.Integer(readonly=True)
    unknown_columns = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    error_report_id = fields.Many2one("ir.attachment", readonly=True)
    rejection_ids = fields.One2many("iot.usage.rejection", "upload_id", readonly=True)
    record_count = fields.Integer(compute="_compute_record_count")

    def init(self):
        # Progress lives beside the upload, written by the job through its own short
        # transactions: the job's own transaction never touches it, so neither waits.
        self.env.cr.execute(
            """CREATE TABLE IF NOT EXISTS iot_usage_upload_progress (
                   upload_id integer PRIMARY KEY,
                   rows_read integer NOT NULL,
                   bytes_read bigint NOT NULL,
                   updated_at timestamp NOT NULL DEFAULT (now() at time zone 'utc'))"""
        )

    @api.depends("state", "rows_done")
    def _compute_progress(self):
        progress = {}
        if self.ids:
            self.env.cr.execute(
                "SELECT upload_id, rows_read, bytes_read FROM iot_usage_upload_progress"
                " WHERE upload_id = ANY(%s)",
                [self.ids],
            )
            progress = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for upload in self:
            rows_read, bytes_read = progress.get(upload.id, (0, 0))
            size = upload.attachment_id.file_size or 0
            upload.rows_progress = upload.rows_done if upload.state == "done" else rows_read
            if upload.state == "done":
                upload.progress = 100.0
            else:
                upload.progress = min(99.0, 100.0 * bytes_read / size) if size else 0.0

    def _compute_record_count(self):
        counts = dict(
            self.env["iot.usage.record"]._read_group(
                [("upload_id", "in", self.ids)], ["upload_id"], ["__count"]
            )
        )
        for upload in self:
            upload.record_count = counts.get(upload, 0)

    @api.model
    def _create_from_file(self, filename, content):
        """Check and store an uploaded file; refuse what is not a usable table."""
        if not content:
            raise UserError(_("The file %(name)s is empty.", name=filename))
        table = self._open(filename, io.BytesIO(content))
        table.close()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create({"name": filename, "raw": content, "res_model": self._name})
        )
        upload = self.create(
            {
                "name": filename,
                "attachment_id": attachment.id,
                "file_format": "xlsx" if filename.lower().endswith(".xlsx") else "csv",
                "unknown_columns": ", ".join(table.unknown_columns) or False,
            }
        )
        attachment.res_id = upload.id
        return upload

    @api.model
    def _open(self, filename, fileobj):
        try:
            return tabular.open_table(fileobj, filename)
        except tabular.TabularError as exc:
            raise UserError(str(exc)) from None

    def _schedule(self):
        """Process small files now, large ones in the background."""
        for upload in self:
            if upload.attachment_id.file_size <= INLINE_BYTES or self.env.context.get(
                "iot_usage_process_now"
            ):
                upload._process()
            else:
                upload.with_delay(
                    description=_("Process usage upload %(name)s", name=upload.name)
                )._process()
        return True

    def _process(self):
        """Read the file in chunks and ingest them; idempotent: a done upload is skipped."""
        self.ensure_one()
        if self.state == "done":
            return _("Already processed")
        self.state = "processing"
        Record = (
            self.env["iot.usage.record"]
            .with_company(self.company_id)
            .with_context(iot_usage_source=self.file_format)
        )
        report_rows = []
        totals = {"accepted": 0, "duplicates": 0, "excluded": 0, "rejected": 0}
        done = 0
        with self._open_file() as fileobj:
            table = self._open(self.name, fileobj)
            try:
                chunk, numbers = [], []
                for number, row in table.rows():
                    chunk.append(row)
                    numbers.append(number)
                    if len(chunk) >= CHUNK_ROWS:
                        done += self._ingest_chunk(Record, chunk, numbers, totals, report_rows)
                        self._report_progress(done, fileobj)
                        chunk, numbers = [], []
                if chunk:
                    done += self._ingest_chunk(Record, chunk, numbers, totals, report_rows)
            finally:
                table.close()
        vals = dict(totals, state="done", rows_done=done)
        if report_rows:
            vals["error_report_id"] = self._error_report(report_rows).id
        self.write(vals)
        self._message_log(
            body=_(
                "%(rows)s rows: %(accepted)s accepted, %(duplicates)s duplicates, "
                "%(excluded)s excluded, %(rejected)s rejected.",
                rows=done,
                **totals,
            )
        )
        return _("%(rows)s rows processed", rows=done)

    def _ingest_chunk(self, Record, chunk, numbers, totals, report_rows):
        result = Record._ingest(
            chunk, self.file_format, lenient=True, upload=self, row_numbers=numbers
        )
        summary = result["summary"]
        totals["accepted"] += summary["accepted"]
        totals["duplicates"] += summary["duplicates"]
        totals["excluded"] += summary["excluded"]
        totals["rejected"] += len(summary["rejected"])
        for item in summary["rejected"]:
            report_rows.append(
                (numbers[item["index"]], item["code"], item["field"] or "", item["message"])
            )
        return len(chunk)

    @contextlib.contextmanager
    def _open_file(self):
        """The stored file as a binary stream, without loading it in memory."""
        attachment = self.attachment_id.sudo()
        if attachment.store_fname:
            with open(attachment._full_path(attachment.store_fname), "rb") as fileobj:
                yield fileobj
        else:
            yield io.BytesIO(attachment.raw or b"")

    def _report_progress(self, rows_read, fileobj):
        """Show progress to other sessions while the job's transaction is still open."""
        try:
            bytes_read = fileobj.tell()
        except (OSError, ValueError):
            bytes_read = 0
        if self.env.registry.in_test_mode():
            return  # one cursor only in tests
        with self.env.registry.cursor() as cr:
            cr.execute(
                """INSERT INTO iot_usage_upload_progress (upload_id, rows_read, bytes_read)
                   VALUES (%s, %s, %s)
                   ON CONFLICT (upload_id) DO UPDATE
                   SET rows_read = EXCLUDED.rows_read, bytes_read = EXCLUDED.bytes_read,
                       updated_at = now() at time zone 'utc'""",
                [self.id, rows_read, bytes_read],
            )

    def _error_report(self, report_rows):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["row", "code", "field", "message"])
        writer.writerows(report_rows)
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{self.name}.errors.csv",
                    "raw": buffer.getvalue().encode(),
                    "mimetype": "text/csv",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def action_view_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("iot_usage.iot_usage_record_action")
        action["domain"] = [("upload_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_download_error_report(self):
        self.ensure_one()
        if not self.error_report_id:
            raise UserError(_("This upload has no rejected rows."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.error_report_id.id}?download=true",
            "target": "self",
        }

    def action_retry(self):
        self.filtered(lambda u: u.state == "failed").write(
            {"state": "queued", "error_message": False}
        )
        return self._schedule()

    def _summary(self):
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "rows": self.rows_done,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "excluded": self.excluded,
            "rejected": self.rejected,
            "unknown_columns": [
                c.strip() for c in (self.unknown_columns or "").split(",") if c.strip()
            ],
            "error_report": f"/web/content/{self.error_report_id.id}?download=true"
            if self.error_report_id
            else None,
        }
