import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .iot_usage_record import SOURCES


class IotUsageRejection(models.Model):
    """A usage record that could not be stored, kept with its reason.

    Nothing is lost: a user corrects the payload and replays it, or discards it.
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
        """Keep rejected records: ``rejected`` is ``[(index, raw, problems)]``."""
        if not rejected or self.env.context.get("iot_usage_no_quarantine"):
            return self.browse()
        company = self.env.company
        return (
            self.sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            .create(
                [
                    {
                        "company_id": company.id,
                        "source": source,
                        "upload_id": upload.id if upload else False,
                        "request_ref": request_ref,
                        "record_index": index,
                        "row_number": row_numbers[index] if row_numbers else 0,
                        "code": problems[0].code,
                        "field": problems[0].field,
                        "reason": "; ".join(problem.message for problem in problems)[:1000],
                        "payload": _jsonable(raw),
                    }
                    for index, raw, problems in rejected
                ]
            )
        )

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
        self.filtered(lambda r: r.state == "discarded").write({"state": "new"})
        return True


def _jsonable(raw):
    try:
        return json.loads(json.dumps(raw, default=str))
    except (TypeError, ValueError):
        return {"raw": repr(raw)}
