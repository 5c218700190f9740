import contextlib
import csv
import io
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.iot_fleet.core.spreadsheet import safe_row
from odoo.addons.queue_job.exception import RetryableJobError

from ..core import tabular

_logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000
# Files up to this many bytes are processed at once; larger ones in a queue job.
INLINE_BYTES = 512 * 1024
# ... and workbooks that inflate to at most this (a small .xlsx may hold a lot of XML).
INLINE_INFLATED_BYTES = 8 * INLINE_BYTES
# Errors after which the job is tried again as a whole: the upload stays as it is.
RETRIED = (RetryableJobError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)
TOTALS = ("accepted", "duplicates", "excluded", "rejected")


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
    resume_after_row = fields.Integer(
        readonly=True,
        help="Row of the file up to which the records are stored: a retry after a failure "
        "goes on from the next row.",
    )
    inline = fields.Boolean(
        readonly=True, help="Small enough to be processed at once, not by a background job."
    )
    error_report_id = fields.Many2one("ir.attachment", readonly=True)
    rejection_ids = fields.One2many("iot.usage.rejection", "upload_id", readonly=True)
    record_count = fields.Integer(compute="_compute_record_count")
    to_fix_count = fields.Integer(
        compute="_compute_to_fix_count", help="Rejected rows waiting in the quarantine."
    )

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

    def _compute_to_fix_count(self):
        counts = dict(
            self.env["iot.usage.rejection"]._read_group(
                [("upload_id", "in", self.ids), ("state", "=", "new")], ["upload_id"], ["__count"]
            )
        )
        for upload in self:
            upload.to_fix_count = counts.get(upload, 0)

    @api.model
    def _api_search_own(self, domain):
        """Uploads of the caller's companies, and for a gateway its own only."""
        domain = expression.AND([domain, [("company_id", "in", self.env.companies.ids)]])
        if self.env.user.has_group("iot_fleet.group_iot_device_api"):
            domain = expression.AND([domain, [("create_uid", "=", self.env.uid)]])
        return self.search(domain)

    @api.model
    def _create_from_file(self, filename, content):
        """Check and store an uploaded file; refuse what is not a usable table.

        A small file is opened here (header and columns); a larger one only gets a
        quick look (its kind, a workbook's zip directory), the job reads the rest.
        """
        filename = tabular.safe_filename(filename)
        if not content:
            raise UserError(_("The file %(name)s is empty.", name=filename))
        try:
            inflated = tabular.check_file(io.BytesIO(content), filename)
        except tabular.TabularError as exc:
            raise UserError(str(exc)) from None
        inline = len(content) <= INLINE_BYTES and (inflated or 0) <= INLINE_INFLATED_BYTES
        unknown_columns = False
        if inline:
            table = self._open(filename, io.BytesIO(content))
            table.close()
            unknown_columns = ", ".join(table.unknown_columns) or False
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
                "unknown_columns": unknown_columns,
                "inline": inline,
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
            if upload.inline or self.env.context.get("iot_usage_process_now"):
                upload._process()
            else:
                upload.with_delay(
                    description=_("Process usage upload %(name)s", name=upload.name)
                )._process()
        return True

    def _process(self):
        """Read the file in chunks and ingest them; idempotent: a done upload is skipped.

        Never leaves the upload queued or processing: a failure marks it failed with
        its reason (records stored before it stay, and a retry goes on after them).
        """
        self.ensure_one()
        if self.state == "done":
            return _("Already processed")
        try:
            with self.env.cr.savepoint():
                return self._read_and_ingest()
        except RETRIED:
            raise
        except Exception as exc:  # whatever it is, the upload says it failed, and why
            _logger.exception("Usage upload %s failed", self.id)
            reason = _failure(exc)
            self.write({"state": "failed", "error_message": reason})
            return reason

    def _read_and_ingest(self):
        self.state = "processing"
        Record = (
            self.env["iot.usage.record"]
            .with_company(self.company_id)
            .with_context(iot_usage_source=self.file_format)
        )
        # A retry goes on after the rows already stored, with their figures.
        skip = self.resume_after_row
        totals = {name: self[name] if skip else 0 for name in TOTALS}
        done = self.rows_done if skip else 0
        report_rows = self._error_report_rows() if skip else []
        chunk, numbers = [], []

        def ingest_chunk():
            """Ingest the rows read so far; a chunk refused is not tried again."""
            nonlocal done, skip
            rows, row_numbers = chunk[:], numbers[:]
            chunk.clear()
            numbers.clear()
            done += self._ingest_chunk(Record, rows, row_numbers, totals, report_rows)
            skip = row_numbers[-1]

        failure = None
        try:
            with self._open_file() as fileobj:
                table = self._open(self.name, fileobj)
                if not self.unknown_columns and table.unknown_columns:
                    self.unknown_columns = ", ".join(table.unknown_columns)
                with table:
                    for number, row in table.rows():
                        if number <= skip:
                            continue
                        chunk.append(row)
                        numbers.append(number)
                        if len(chunk) >= CHUNK_ROWS:
                            ingest_chunk()
                            self._report_progress(done, fileobj)
            if chunk:
                ingest_chunk()
        except RETRIED:
            raise
        except Exception as exc:  # a file that cannot be read to its end, or a chunk refused
            if not isinstance(exc, UserError | tabular.TabularError):
                _logger.exception("Usage upload %s stopped after row %s", self.id, skip)
            failure = _failure(exc)
        if failure and chunk:
            # The rows read before the one that could not be: stored, as any other.
            try:
                ingest_chunk()
            except RETRIED:
                raise
            except Exception:
                _logger.exception("Usage upload %s: rows before row %s refused", self.id, skip)
        vals = dict(totals, rows_done=done, resume_after_row=skip)
        if failure:
            vals.update(state="failed", error_message=failure)
        else:
            vals.update(state="done", error_message=False)
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
            + (f" {failure}" if failure else "")
        )
        return failure or _("%(rows)s rows processed", rows=done)

    def _ingest_chunk(self, Record, chunk, numbers, totals, report_rows):
        """Ingest one chunk, all or nothing (a savepoint): a chunk refused leaves the
        chunks before it stored."""
        with self.env.cr.savepoint():
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
        """The rejected rows as CSV: data, never formulas (a reason quotes the sender)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["row", "code", "field", "message"])
        writer.writerows(safe_row(row) for row in report_rows)
        old_report = self.error_report_id
        report = (
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
        old_report.sudo().unlink()
        return report

    def _error_report_rows(self):
        """The rows of the error report so far (a retry adds to them)."""
        if not self.error_report_id:
            return []
        text = self.error_report_id.sudo().raw.decode()
        rows = list(csv.reader(io.StringIO(text)))[1:]
        return [(int(row[0]), *row[1:]) for row in rows if len(row) == 4]

    def action_view_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("iot_usage.iot_usage_record_action")
        action["domain"] = [("upload_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_rejections(self):
        """The upload's rejected rows in the quarantine, where they are fixed and replayed."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_usage.iot_usage_rejection_action"
        )
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
        """Process failed uploads again, from the row after the last one stored."""
        failed = self.filtered(lambda u: u.state == "failed")
        failed.write({"state": "queued", "error_message": False})
        return failed._schedule()

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
            "error": self.error_message or None,
        }


def _failure(exc):
    """Why an upload failed, for its user: our own messages as they are, and no more
    than the kind of an unexpected error (the details go to the server log)."""
    if isinstance(exc, UserError | tabular.TabularError):
        return str(exc.args[0] if exc.args else exc)[:2000]
    return _("The upload stopped on an unexpected error (%(kind)s).", kind=type(exc).__name__)
