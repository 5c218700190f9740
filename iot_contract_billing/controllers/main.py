import copy

import werkzeug.exceptions

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.iot_fleet.controllers.main import API, api_route
from odoo.addons.iot_fleet.core import openapi as fleet_openapi
from odoo.addons.iot_fleet.exceptions import IotApiError
from odoo.addons.iot_usage.controllers.main import IotUsageApi

from ..core import plan as plan_core

DETAIL_FORMATS = ("csv", "xlsx")
DETAIL_LEVELS = ("device", "record")

DETAIL_PATHS = {
    "/iot/api/v1/invoices/{invoice_id}/detail": {
        "get": {
            "summary": "An invoice's per-device detail (or per usage record) as CSV or XLSX",
            "operationId": "getInvoiceDetail",
            "parameters": [
                {
                    "name": "invoice_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                },
                {"name": "format", "in": "query", "schema": {"enum": list(DETAIL_FORMATS)}},
                {"name": "level", "in": "query", "schema": {"enum": list(DETAIL_LEVELS)}},
            ],
            "responses": {
                "200": {"description": "The file"},
                "400": {"description": "Bad format or level, or no fleet detail"},
                "401": {"description": "No or bad API key"},
                "404": {"description": "Unknown invoice"},
            },
        }
    }
}


def _export_detail(invoice_id, file_format, level):
    """``(filename, mimetype, content)`` of a customer invoice's detail that the
    request's user may read, or an ``IotApiError``."""
    if file_format not in DETAIL_FORMATS:
        raise IotApiError(
            f"format must be one of {', '.join(DETAIL_FORMATS)}.",
            details=[{"field": "format", "message": "unknown format"}],
        )
    if level not in DETAIL_LEVELS:
        raise IotApiError(
            f"level must be one of {', '.join(DETAIL_LEVELS)}.",
            details=[{"field": "level", "message": "unknown level"}],
        )
    # Another company's invoice is answered like one that does not exist; an id
    # beyond the database's integers names none.
    invoice = request.env["account.move"]
    if invoice_id <= plan_core.MAX_ID:
        invoice = invoice.search(
            [
                ("id", "=", invoice_id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("company_id", "in", request.env.companies.ids),
            ]
        )
    if not invoice:
        raise IotApiError("No such invoice.", code="not_found", status=404)
    return invoice._iot_detail_file(file_format, level)


def _file_response(exported):
    filename, mimetype, content = exported
    return request.make_response(
        content,
        headers=[
            ("Content-Type", mimetype),
            ("Content-Disposition", f'attachment; filename="{filename}"'),
        ],
    )


class IotBillingApi(IotUsageApi):
    @api_route(f"{API}/invoices/<int:invoice_id>/detail", methods=["GET"])
    def invoice_detail(self, invoice_id, format="csv", level="device", **kwargs):
        return self._respond(
            lambda: _export_detail(invoice_id, format, level), render=_file_response
        )

    @http.route("/iot/invoices/<int:invoice_id>/detail", type="http", auth="user", methods=["GET"])
    def invoice_detail_download(self, invoice_id, format="csv", level="device", **kwargs):
        """The same file for the back office: the invoice form's download buttons, with
        the user's session (the API's route takes a key)."""
        try:
            exported = _export_detail(invoice_id, format, level)
        except UserError as exc:
            if getattr(exc, "status", None) == 404:
                raise werkzeug.exceptions.NotFound() from None
            raise werkzeug.exceptions.BadRequest(exc.args[0]) from None
        return _file_response(exported)

    def _openapi_document(self):
        document = fleet_openapi.add_paths(super()._openapi_document(), DETAIL_PATHS)
        activation = document["components"]["schemas"].get("Activation")
        if activation:
            activation["properties"].update(copy.deepcopy(plan_core.OPENAPI_ACTIVATION_PROPERTIES))
        return document
