from odoo.http import request

from odoo.addons.iot_fleet.controllers.main import API, api_route
from odoo.addons.iot_fleet.core import openapi as fleet_openapi
from odoo.addons.iot_fleet.exceptions import IotApiError
from odoo.addons.iot_usage.controllers.main import IotUsageApi

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
                    "schema": {"type": "integer"},
                },
                {"name": "format", "in": "query", "schema": {"enum": ["csv", "xlsx"]}},
                {"name": "level", "in": "query", "schema": {"enum": ["device", "record"]}},
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


class IotBillingApi(IotUsageApi):
    @api_route(f"{API}/invoices/<int:invoice_id>/detail", methods=["GET"])
    def invoice_detail(self, invoice_id, format="csv", level="device", **kwargs):
        def export():
            invoice = request.env["account.move"].search(
                [("id", "=", invoice_id), ("move_type", "in", ("out_invoice", "out_refund"))]
            )
            if not invoice:
                raise IotApiError("No such invoice.", code="not_found", status=404)
            return invoice._iot_detail_file(format, level)

        def render(exported):
            filename, mimetype, content = exported
            return request.make_response(
                content,
                headers=[
                    ("Content-Type", mimetype),
                    ("Content-Disposition", f'attachment; filename="{filename}"'),
                ],
            )

        return self._respond(export, render=render)

    def _openapi_document(self):
        return fleet_openapi.add_paths(super()._openapi_document(), DETAIL_PATHS)
