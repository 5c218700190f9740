import datetime
import io
import json
import logging

from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.iot_fleet.exceptions import IotApiError

from ..core import (
    mediation,
    records as records_core,
)
from ..fields import BigInteger

_logger = logging.getLogger(__name__)

SOURCES = [
    ("form", "Quick Form"),
    ("json", "JSON Batch"),
    ("jsonrpc", "JSON-RPC"),
    ("xlsx", "Excel"),
    ("csv", "CSV"),
    ("replay", "Replay"),
]
STATES = [("new", "New"), ("excluded", "Excluded"), ("rated", "Rated"), ("billed", "Billed")]
INSERT_COLUMNS = records_core.INSERT_COLUMNS


class IotUsageRecord(models.Model):
    """One reading of a device: a lean row, written by the million.

    No chatter and no ORM on the way in: ``_ingest`` validates and mediates in plain
    Python and stores a whole batch with one ``INSERT ... ON CONFLICT DO NOTHING``.
    """

    _name = "iot.usage.record"
    _description = "Usage Record"
    _order = "dtu desc, id desc"
    _log_access = False
    _rec_name = "event_ref"

    # Indexed by the composite indexes of init(): (company_id, dtu), (device_id, dtu).
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    device_id = fields.Many2one("iot.device", required=True, ondelete="restrict", readonly=True)
    egroup = fields.Char(string="Event Group", required=True, readonly=True)
    eid = fields.Char(string="Record Type", required=True, readonly=True)
    event_ref = fields.Char(string="Event Reference", readonly=True)
    dtu = fields.Datetime(string="Time of Use (UTC)", required=True, readonly=True)
    dt_device = fields.Datetime(string="Device Time", readonly=True)
    # Raw readings are not added up in reports: a counter may be a meter's cumulative
    # index, and records of different kinds count different units. Consumption is what
    # calculators derive from them (IoT > Usage > Usage Analysis).
    int_counter = BigInteger(readonly=True, aggregator=None)
    int_counter2 = BigInteger(readonly=True, aggregator=None)
    int_counter3 = BigInteger(readonly=True, aggregator=None)
    int_counter4 = BigInteger(readonly=True, aggregator=None)
    int_counter5 = BigInteger(readonly=True, aggregator=None)
    temperature = fields.Float(readonly=True, aggregator="avg")
    data = fields.Json(readonly=True)
    src_ip = fields.Char(string="Source IP", readonly=True)
    source = fields.Selection(SOURCES, required=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True)
    upload_id = fields.Many2one("iot.usage.upload", readonly=True, index="btree_not_null")
    request_ref = fields.Char(string="Request", readonly=True)
    state = fields.Selection(STATES, required=True, default="new", readonly=True)
    excluded_reason = fields.Char(readonly=True)
    quantity = fields.Float(
        digits=(16, 6),
        readonly=True,
        aggregator=None,
        help="The billable quantity mediation gave the record.",
    )
    rating_id = fields.Many2one("iot.usage.rating", readonly=True, index="btree_not_null")
    device_identifier = fields.Char(related="device_id.identifier", string="DeviceId")
    data_text = fields.Text(string="Data (JSON)", compute="_compute_data_text")

    @api.depends("data")
    def _compute_data_text(self):
        for record in self:
            record.data_text = (
                json.dumps(record.data, indent=2, sort_keys=True) if record.data else False
            )

    def init(self):
        cr = self.env.cr
        # Idempotency: a sender repeating a record with a reference stores nothing more,
        # even from concurrent requests.
        cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS iot_usage_record_event_ref_uniq
               ON iot_usage_record (company_id, device_id, egroup, eid, event_ref)
               WHERE event_ref IS NOT NULL"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS iot_usage_record_device_dtu_idx
               ON iot_usage_record (device_id, dtu)"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS iot_usage_record_company_dtu_idx
               ON iot_usage_record (company_id, dtu)"""
        )

    # ------------------------------------------------------------------
    # Ingestion
    # ------------------------------------------------------------------

    @api.model
    def ingest(self, records):
        """Store usage records (JSON-RPC): ``{"accepted", "duplicates", "excluded",
        "rejected": [{"index", "code", "field", "message"}]}``.

        Gateways and IoT managers (``usage.write``); the records go to the caller's
        current company."""
        self = self.with_env(self.env["iot.api"]._api_env("usage.write"))
        # The context is the caller's to set over JSON-RPC: only the JSON batch route
        # names another source.
        source = "json" if self.env.context.get("iot_usage_source") == "json" else "jsonrpc"
        if not isinstance(records, list):
            raise IotApiError(
                _("records must be a list of usage records."),
                details=[{"field": "records", "message": "must be a list"}],
            )
        if len(records) > records_core.MAX_RECORDS_PER_REQUEST:
            raise IotApiError(
                _(
                    "At most %(max)s records per request, got %(count)s.",
                    max=records_core.MAX_RECORDS_PER_REQUEST,
                    count=len(records),
                ),
                code="too_many",
                status=413,
            )
        result = self._ingest(records, source)
        return result["summary"]

    @api.model
    def _ingest(self, raws, source, lenient=False, upload=None, request_ref=None, row_numbers=None):
        """Validate, mediate and store a batch of raw records for the current company.

        Returns ``{"summary": {...}, "rejections": iot.usage.rejection}``. Valid records
        are stored even when others are rejected; rejected ones go to the quarantine
        with their payload and reason.
        """
        self.check_access("create")
        company = self.env.company
        now = fields.Datetime.now()
        context_ref = request_ref or self.env.context.get("iot_usage_request_ref")
        problem = records_core.request_ref_problem(context_ref)
        if problem:
            raise IotApiError(
                _("The request reference (X-Request-Id) %(problem)s.", problem=problem),
                details=[{"field": "X-Request-Id", "message": problem}],
            )
        max_age = datetime.timedelta(
            days=company.iot_usage_max_age_days or records_core.DEFAULT_MAX_AGE_DAYS
        )
        identifier_rules, other_rules = self.env["iot.usage.mediation.rule"]._compiled_rules(
            company
        )
        rejected, parsed = [], []
        for index, raw in enumerate(raws):
            row, problems = records_core.parse_record(raw, now, lenient=lenient, max_age=max_age)
            if problems:
                rejected.append((index, raw, problems))
                continue
            if identifier_rules:
                row, _reason = mediation.apply_rules(row, identifier_rules)
            parsed.append((index, raw, row))
        devices = self._resolve_devices(company, {row["device"] for _i, _r, row in parsed})
        values, excluded = [], 0
        for index, raw, row in parsed:
            device = devices.get(row["device"])
            if device is None:
                rejected.append(
                    (
                        index,
                        raw,
                        [
                            records_core.Problem(
                                "device", "unknown_device", f"unknown device {row['device']}"
                            )
                        ],
                    )
                )
                continue
            device_id, device_tz = device
            reason = None
            # The quantity is IntCounter unless a mapping rule says otherwise.
            row["quantity"] = row["int_counter"]
            if other_rules:
                row, reason = mediation.apply_rules(row, other_rules, device_tz=device_tz)
            excluded += bool(reason)
            values.append(
                (
                    company.id,
                    device_id,
                    row["egroup"],
                    row["eid"],
                    row["event_ref"],
                    row["dtu"],
                    row["dt_device"],
                    row["int_counter"],
                    row["int_counter2"],
                    row["int_counter3"],
                    row["int_counter4"],
                    row["int_counter5"],
                    row["temperature"],
                    json.dumps(row["data"]) if row["data"] is not None else None,
                    row["src_ip"],
                    source,
                    now,
                    upload.id if upload else None,
                    context_ref,
                    "excluded" if reason else "new",
                    reason,
                    row["quantity"],
                )
            )
        stored = self._insert_rows(values)
        new_stored = sum(1 for state in stored if state == "new")
        excluded_stored = len(stored) - new_stored
        rejections = self.env["iot.usage.rejection"]._quarantine(
            rejected, source, upload=upload, request_ref=context_ref, row_numbers=row_numbers
        )
        summary = {
            "accepted": new_stored,
            "duplicates": len(values) - len(stored),
            "excluded": excluded_stored,
            "rejected": [
                dict(problems[0].as_dict(), index=index)
                for index, _raw, problems in sorted(rejected, key=lambda item: item[0])
            ],
        }
        return {"summary": summary, "rejections": rejections}

    def _insert_rows(self, values):
        """Store a batch: COPY into a temporary table, then one INSERT ... SELECT that
        lets the database skip duplicates by reference. Returns the stored states."""
        if not values:
            return []
        self.env["iot.device"].flush_model()
        cr = self.env.cr
        columns = SQL(", ").join(SQL.identifier(name) for name in INSERT_COLUMNS)
        cr.execute(
            SQL(
                """CREATE TEMPORARY TABLE IF NOT EXISTS iot_usage_record_incoming
                   ON COMMIT DELETE ROWS AS SELECT %s FROM iot_usage_record WITH NO DATA""",
                columns,
            )
        )
        cr.execute("TRUNCATE iot_usage_record_incoming")
        buffer = io.StringIO()
        buffer.writelines(_copy_line(row) for row in values)
        buffer.seek(0)
        cr._obj.copy_expert(
            SQL("COPY iot_usage_record_incoming (%s) FROM STDIN", columns).code,
            buffer,
            size=1 << 20,
        )
        cr.execute(
            SQL(
                """INSERT INTO iot_usage_record (%s)
                   SELECT %s FROM iot_usage_record_incoming
                   ON CONFLICT DO NOTHING RETURNING state""",
                columns,
                columns,
            )
        )
        states = [state for (state,) in cr.fetchall()]
        self.invalidate_model()
        return states

    @api.model
    def _resolve_devices(self, company, identifiers):
        """``{identifier: (device id, time zone)}`` for the company, creating unknown
        devices when the company says so."""
        if not identifiers:
            return {}
        Device = self.env["iot.device"]
        Device.check_access("read")
        Device.flush_model(["identifier", "company_id", "tz"])
        self.env.cr.execute(
            """SELECT identifier, id, tz FROM iot_device
                WHERE company_id = %s AND identifier = ANY(%s)""",
            [company.id, list(identifiers)],
        )
        found = {
            identifier: (device_id, tz) for identifier, device_id, tz in self.env.cr.fetchall()
        }
        unknown = sorted(identifiers - set(found))
        if unknown and company.iot_unknown_device_policy == "create":
            origin = (
                "import" if self.env.context.get("iot_usage_source") in ("xlsx", "csv") else None
            )
            creator = Device.with_context(
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                tracking_disable=True,
                iot_origin=origin or Device._iot_origin(api_call=True),
                # Mediation normalised them already, with the same rules.
                iot_identifier_normalised=True,
            )
            created = creator.create(
                [{"identifier": identifier, "company_id": company.id} for identifier in unknown]
            )
            found.update((device.identifier, (device.id, False)) for device in created)
        return found


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Columns whose text is free (references, JSON data, reasons): the others are validated
# codes, numbers and dates, which never hold a tab, a newline or a backslash.
_FREE_TEXT = frozenset(
    INSERT_COLUMNS.index(name) for name in ("event_ref", "data", "request_ref", "excluded_reason")
)


def _copy_line(row):
    """One row in PostgreSQL's COPY text format."""
    return (
        "\t".join(
            "\\N"
            if value is None
            else value.translate(_COPY_ESCAPES)
            if position in _FREE_TEXT
            else str(value)
            for position, value in enumerate(row)
        )
        + "\n"
    )


class IotUsageRecordRemediation(models.Model):
    _inherit = "iot.usage.record"

    REMEDIATE_CHUNK = 50_000

    @api.model
    def _remediate(self, date_from, date_to):
        """Apply the company's mediation rules again to the stored records of a period.

        Records already rated or billed are left alone. Reads and writes by chunks,
        one UPDATE per chunk. Returns ``{"records", "excluded", "changed"}``.
        """
        # Changing stored records is a mediation manager's job.
        self.env["iot.usage.mediation.rule"].check_access("write")
        company = self.env.company
        _identifier_rules, rules = self.env["iot.usage.mediation.rule"]._compiled_rules(company)
        self.flush_model()
        cr = self.env.cr
        columns = (
            "egroup, eid, event_ref, dtu, dt_device, int_counter, int_counter2, int_counter3, "
            "int_counter4, int_counter5, temperature, data, src_ip"
        )
        totals = {"records": 0, "excluded": 0, "changed": 0}
        last_id = 0
        while True:
            cr.execute(
                f"""SELECT r.id, d.identifier, d.tz, r.state, r.excluded_reason, r.quantity,
                           {", ".join("r." + c.strip() for c in columns.split(","))}
                      FROM iot_usage_record r JOIN iot_device d ON d.id = r.device_id
                     WHERE r.company_id = %s AND r.dtu >= %s AND r.dtu < %s
                       AND r.state IN ('new', 'excluded') AND r.id > %s
                     ORDER BY r.id LIMIT %s""",
                [company.id, date_from, date_to, last_id, self.REMEDIATE_CHUNK],
            )
            fetched = cr.fetchall()
            if not fetched:
                break
            last_id = fetched[-1][0]
            names = [c.strip() for c in columns.split(",")]
            updates = []
            for record_id, identifier, tz, state, old_reason, old_quantity, *rest in fetched:
                row = dict(zip(names, rest, strict=True), device=identifier)
                row["quantity"] = row["int_counter"]
                row, reason = mediation.apply_rules(row, rules, device_tz=tz)
                quantity = row["quantity"]
                new_state = "excluded" if reason else "new"
                totals["records"] += 1
                totals["excluded"] += bool(reason)
                if (new_state, reason, quantity) != (state, old_reason, old_quantity):
                    updates.append((record_id, new_state, reason, quantity))
            if updates:
                execute_values(
                    cr._obj,
                    """UPDATE iot_usage_record r
                          SET state = v.state, excluded_reason = v.reason,
                              quantity = v.quantity::double precision
                         FROM (VALUES %s) AS v(id, state, reason, quantity)
                        WHERE r.id = v.id""",
                    updates,
                    page_size=len(updates),
                )
                totals["changed"] += len(updates)
        self.invalidate_model()
        return totals
