import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..core import records as records_core
from .iot_usage_record import SOURCES

# The columns _quarantine writes, in the order of its rows.
QUARANTINE_COLUMNS = (
    "company_id",
    "source",
    "upload_id",
    "request_ref",
    "record_index",
    "row_number",
    "code",
    "field",
    "reason",
    "payload",
    "fingerprint",
    "seen_count",
    "received_at",
    "last_seen_at",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
)
SEEN_COUNT = QUARANTINE_COLUMNS.index("seen_count")


class IotUsageRejection(models.Model):
    """A usage record that could not be stored, kept with its reason.

    Nothing is lost: a user corrects the payload and replays it, or discards it. A
    sender that sends the same record again while it is still to fix (they retry what
    was refused) adds nothing: the open rejection counts it and tells when it was last
    seen.
    """

    _name = "iot.usage.rejection"
    _description = "Rejected Usage Record"
    _inherit = ["mail.thread"]
    _order = "received_at desc, id desc"
    _rec_name = "reason"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    source = fields.Selection(SOURCES, required=True, readonly=True)
    upload_id = fields.Many2one("iot.usage.upload", readonly=True, index="btree_not_null")
    request_ref = fields.Char(string="Request", readonly=True)
    record_index = fields.Integer(string="Index in Request", readonly=True)
    row_number = fields.Integer(string="Row in File", readonly=True)
    code = fields.Char(readonly=True, index=True)
    field = fields.Char(readonly=True)
    reason = fields.Char(required=True, readonly=True, tracking=True)
    payload = fields.Json(readonly=True)
    payload_text = fields.Text(
        string="Payload (JSON)",
        compute="_compute_payload_text",
        inverse="_inverse_payload_text",
        help="The record as it was sent; correct it here, then replay it.",
    )
    device_identifier = fields.Char(compute="_compute_payload_text", string="DeviceId")
    state = fields.Selection(
        [("new", "To Fix"), ("replayed", "Replayed"), ("discarded", "Discarded")],
        default="new",
        required=True,
        index=True,
        tracking=True,
    )
    replay_result = fields.Char(readonly=True)
    seen_count = fields.Integer(
        string="Times Received",
        default=1,
        readonly=True,
        help="How many times the sender sent this record while it was still to fix.",
    )
    last_seen_at = fields.Datetime(
        string="Last Received", readonly=True, default=fields.Datetime.now
    )
    fingerprint = fields.Char(
        readonly=True,
        copy=False,
        help="A hash of the company, the record as received and the reason code: the same "
        "record received again while this one is to fix counts here.",
    )

    def init(self):
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS iot_usage_rejection_open_fingerprint_uniq
               ON iot_usage_rejection (fingerprint) WHERE state = 'new'"""
        )

    @api.depends("payload")
    def _compute_payload_text(self):
        for rejection in self:
            payload = rejection.payload
            rejection.payload_text = (
                json.dumps(payload, indent=2, sort_keys=True, default=str)
                if payload is not None
                else False
            )
            rejection.device_identifier = (
                str(payload.get("device") or "") if isinstance(payload, dict) else False
            )

    def _inverse_payload_text(self):
        for rejection in self:
            if rejection.state != "new":
                raise UserError(_("Only a record still to fix can be corrected."))
            try:
                rejection.payload = json.loads(rejection.payload_text or "null")
            except ValueError as exc:
                raise ValidationError(
                    _("The payload must be valid JSON: %(error)s", error=exc)
                ) from None

    @api.model
    def _quarantine(self, rejected, source, upload=None, request_ref=None, row_numbers=None):
        """Keep rejected records: ``rejected`` is ``[(index, raw, problems)]``.

        One ``INSERT ... ON CONFLICT`` for the batch: a record already waiting in the
        quarantine with the same reason (same fingerprint, still to fix) is counted
        there instead of added again. Returns the rejections, new and counted.
        """
        if not rejected or self.env.context.get("iot_usage_no_quarantine"):
            return self.browse()
        company = self.env.company
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = {}
        for index, raw, problems in rejected:
            payload = records_core.storable_payload(raw)
            code = problems[0].code
            key = records_core.fingerprint(company.id, payload, code)
            if key in rows:  # the same record twice in one batch: one row, counted twice
                rows[key][SEEN_COUNT] += 1
                continue
            rows[key] = [
                company.id,
                source,
                upload.id if upload else None,
                request_ref,
                index,
                row_numbers[index] if row_numbers else 0,
                code,
                problems[0].field,
                "; ".join(problem.message for problem in problems)[:1000],
                json.dumps(payload),
                key,
                1,
                now,
                now,
                uid,
                now,
                uid,
                now,
            ]
        self.flush_model()
        columns = SQL(", ").join(SQL.identifier(name) for name in QUARANTINE_COLUMNS)
        fetched = self.env.cr.execute_values(
            SQL(
                """INSERT INTO iot_usage_rejection (%s, state) VALUES %%s
                   ON CONFLICT (fingerprint) WHERE state = 'new' DO UPDATE
                      SET seen_count = iot_usage_rejection.seen_count + EXCLUDED.seen_count,
                          last_seen_at = EXCLUDED.last_seen_at,
                          write_uid = EXCLUDED.write_uid,
                          write_date = EXCLUDED.write_date
                   RETURNING id""",
                columns,
            ).code,
            list(rows.values()),
            template=f"({', '.join(['%s'] * len(QUARANTINE_COLUMNS))}, 'new')",
            page_size=len(rows),
            fetch=True,
        )
        self.invalidate_model()
        return self.browse([row[0] for row in fetched])

    def action_replay(self):
        """Send the (corrected) payloads through ingestion again, as one batch."""
        todo = self.filtered(lambda r: r.state == "new")
        if not todo:
            raise UserError(_("There is nothing to replay: the records are replayed or discarded."))
        by_company = {}
        for rejection in todo:
            by_company.setdefault(rejection.company_id, self.browse())
            by_company[rejection.company_id] |= rejection
        for company, rejections in by_company.items():
            Record = (
                self.env["iot.usage.record"]
                .with_company(company)
                .with_context(iot_usage_no_quarantine=True)
            )
            result = Record._ingest(
                [rejection.payload for rejection in rejections], "replay", lenient=True
            )
            still = {item["index"]: item for item in result["summary"]["rejected"]}
            for index, rejection in enumerate(rejections):
                if index in still:
                    rejection.write(
                        {
                            "reason": still[index]["message"],
                            "code": still[index]["code"],
                            "field": still[index]["field"],
                            "replay_result": _("Rejected again"),
                        }
                    )
                else:
                    rejection.write({"state": "replayed", "replay_result": _("Stored")})
        return True

    def action_discard(self):
        self.filtered(lambda r: r.state == "new").write({"state": "discarded"})
        return True

    def action_reset(self):
        todo = self.filtered(lambda r: r.state == "discarded")
        fingerprints = [key for key in todo.mapped("fingerprint") if key]
        if fingerprints:
            received_again = self.search(
                [("fingerprint", "in", fingerprints), ("state", "=", "new")], limit=1
            )
            if received_again:
                raise UserError(
                    _(
                        "This record was received again and waits in the quarantine as "
                        "%(name)s: correct that one.",
                        name=received_again.display_name,
                    )
                )
        todo.write({"state": "new"})
        return True
