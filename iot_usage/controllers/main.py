import json
import urllib.parse
import uuid

from odoo.http import request

from odoo.addons.iot_fleet.controllers.main import (
    API,
    IotApiController,
    api_route,
    error_response,
)
from odoo.addons.iot_fleet.core import openapi as fleet_openapi
from odoo.addons.iot_fleet.core.payload import MAX_ID
from odoo.addons.iot_fleet.exceptions import IotApiError

from ..core import (
    openapi,
    records as records_core,
)

MAX_UPLOAD_BYTES = 256 * 1024 * 1024
# Query parameters of the quick form and the record fields they feed.
QUICK_FORM_PARAMS = {
    "ref": "ref",
    "intcounter": "int_counter",
    "intcounter2": "int_counter2",
    "intcounter3": "int_counter3",
    "intcounter4": "int_counter4",
    "intcounter5": "int_counter5",
    "temperature": "temperature",
    "dtu": "dtu",
    "dt": "dt",
}


class IotUsageApi(IotApiController):
    """Usage endpoints: one ingestion path (``iot.usage.record._ingest``) for all."""

    def _request_ref(self):
        """The sender's X-Request-Id (copied onto each record), or a new one."""
        value = request.httprequest.headers.get("X-Request-Id")
        problem = records_core.request_ref_problem(value)
        if problem:
            raise IotApiError(
                f"The X-Request-Id header {problem}.",
                details=[{"field": "X-Request-Id", "message": problem}],
            )
        return value or uuid.uuid4().hex

    def _records_env(self, source):
        """Usage records as the API stores them: with the rights of ``usage.write``,
        for the caller's company."""
        env = request.env["iot.api"]._api_env("usage.write")
        request_ref = self._request_ref()
        return env["iot.usage.record"].with_context(
            iot_origin="http", iot_usage_source=source, iot_usage_request_ref=request_ref
        )

    @api_route(
        "/iot/usage/<string:egroup>/<string:eid>/<string:device>", methods=["GET", "PUT", "POST"]
    )
    def quick_form(self, egroup, eid, device, **params):
        try:
            # Werkzeug replaces bytes that are not UTF-8: refuse them instead of storing
            # the replacement characters as the sender's reference.
            urllib.parse.unquote_to_bytes(request.httprequest.query_string).decode()
        except UnicodeDecodeError:
            return error_response(400, "invalid", "The query is not UTF-8 text.", [{"field": None}])
        unknown = sorted(set(params) - set(QUICK_FORM_PARAMS))
        if unknown:
            shown = [records_core.shown(name) for name in unknown[:10]]
            return error_response(
                400,
                "invalid",
                f"unknown parameter {shown[0]}",
                [{"field": name, "message": "unknown parameter"} for name in shown],
            )
        record = {"device": device, "egroup": egroup, "eid": eid}
        for name, value in params.items():
            record[QUICK_FORM_PARAMS[name]] = value
        record["src_ip"] = request.httprequest.remote_addr

        def ingest():
            return self._records_env("form")._ingest([record], "form", lenient=True)["summary"]

        response = self._respond(ingest)
        # A rejected reading is an error for the sender, but stays quarantined (the
        # savepoint above is released): nothing is lost.
        body = json.loads(response.get_data())
        if response.status_code == 200 and body["rejected"]:
            rejection = body["rejected"][0]
            return error_response(
                400, rejection["code"], rejection["message"], [dict(rejection, index=0)]
            )
        return response

    @api_route(f"{API}/usage", methods=["POST"])
    def post_usage(self, **kwargs):
        def ingest():
            body = self._json_body()
            if not isinstance(body, dict) or not isinstance(body.get("records"), list):
                raise IotApiError(
                    'The body must be {"records": [...]}.',
                    details=[{"field": "records", "message": "must be a list"}],
                )
            return self._records_env("json").ingest(body["records"])

        return self._respond(ingest)

    @api_route(f"{API}/usage/upload", methods=["POST"])
    def upload_usage(self, **kwargs):
        def upload():
            files = list(request.httprequest.files.values())
            if len(files) != 1:
                raise IotApiError(
                    "Send exactly one file, as multipart/form-data.",
                    details=[{"field": "file", "message": "one file expected"}],
                )
            env = request.env["iot.api"]._api_env("usage.write")
            self._request_ref()
            storage = files[0]
            storage.stream.seek(0)  # Odoo replays a request after a serialization failure
            content = storage.read(MAX_UPLOAD_BYTES + 1)
            if len(content) > MAX_UPLOAD_BYTES:
                raise IotApiError("The file is too large.", code="too_large", status=413)
            filename = storage.filename or "upload"
            upload = (
                env["iot.usage.upload"]
                .with_context(iot_origin="http")
                ._create_from_file(filename, content)
            )
            upload._schedule()
            return upload._summary()

        return self._respond(upload, status=202)

    @api_route(f"{API}/usage/uploads/<int:upload_id>", methods=["GET"])
    def get_upload(self, upload_id, **kwargs):
        def read():
            env = request.env["iot.api"]._api_env("usage.read")
            upload = env["iot.usage.upload"].browse()
            if upload_id <= MAX_ID:
                upload = upload._api_search_own([("id", "=", upload_id)])
            if not upload:
                raise IotApiError("No such upload.", code="not_found", status=404)
            return upload._summary()

        return self._respond(read)

    @api_route(f"{API}/usage/preview", methods=["GET"])
    def preview(self, calculator=None, device=None, month=None, **kwargs):
        def compute():
            missing = [
                name
                for name, value in (
                    ("calculator", calculator),
                    ("device", device),
                    ("month", month),
                )
                if not value
            ]
            if missing:
                raise IotApiError(
                    f"{missing[0]} is required.",
                    details=[{"field": name, "message": "required"} for name in missing],
                )
            return request.env["iot.usage.calculator"].api_preview(calculator, device, month)

        return self._respond(compute)

    def _openapi_document(self):
        document = super()._openapi_document()
        return fleet_openapi.add_paths(document, openapi.USAGE_PATHS, openapi.USAGE_SCHEMAS)
