import json
import logging

import psycopg2

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from ..core import openapi
from ..exceptions import IotApiError

_logger = logging.getLogger(__name__)

API = "/iot/api/v1"
MAX_BODY_BYTES = 8 * 1024 * 1024
FORBIDDEN = "You are not allowed to do this."


def api_route(path, methods):
    return http.route(
        path,
        type="http",
        auth="bearer",
        methods=methods,
        csrf=False,
        save_session=False,
        iot_api=True,
    )


def _too_large():
    return IotApiError(
        f"The body is larger than {MAX_BODY_BYTES} bytes.", code="too_large", status=413
    )


def _refuse_constant(name):
    """NaN and Infinity are not JSON (RFC 8259), nor storable numbers."""
    raise ValueError(f"{name} is not a JSON number")


def error_response(status, code, message, details=None):
    return request.make_json_response(
        {"error": {"code": code, "message": message, "details": details or []}}, status=status
    )


class IotApiController(http.Controller):
    """The device API: parse the request, call the model's public API, answer JSON.

    The models hold the rules (the same methods serve JSON-RPC); this layer only
    maps their errors to HTTP statuses. Subclasses in other addons add routes
    and extend ``_openapi_document``.
    """

    def _json_body(self):
        length = request.httprequest.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise _too_large()
        # Cached: Odoo replays the whole request after a serialization failure.
        raw = request.httprequest.get_data(cache=True)
        if len(raw) > MAX_BODY_BYTES:
            raise _too_large()
        try:
            return json.loads(raw or b"null", parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise IotApiError(
                "The body is not valid JSON.",
                code="malformed",
                details=[{"field": None, "message": str(exc)}],
            ) from None
        except RecursionError:
            raise IotApiError(
                "The body is nested too deeply.",
                code="malformed",
                details=[{"field": None, "message": "too deep"}],
            ) from None

    def _respond(self, func, status=200, render=None):
        """Run ``func`` in a savepoint and answer its result as JSON (or ``render`` it),
        or its error in the API's error shape: on error nothing it wrote stays written.
        ``status`` may be a function of the result."""
        try:
            with request.env.cr.savepoint():
                result = func()
        except IotApiError as exc:
            return request.make_json_response(exc.to_dict(), status=exc.status)
        except AccessError:
            # Odoo's text names users, models and record ids: say only what it means.
            return error_response(403, "forbidden", FORBIDDEN)
        except (UserError, ValidationError) as exc:
            return error_response(400, "invalid", exc.args[0])
        except psycopg2.DataError:
            # A value the database cannot hold that a check missed: the savepoint is
            # rolled back, the request is refused, never a traceback.
            _logger.warning("IoT API: value refused by the database", exc_info=True)
            return error_response(400, "invalid", "A value is out of range or malformed.")
        if render:
            return render(result)
        if callable(status):
            status = status(result)
        return request.make_json_response(result, status=status)

    def _call(self, method, *args, status=200, parse_body=False):
        """Call a public API method of ``iot.device`` (with the JSON body, if asked)."""

        def call():
            body = (self._json_body(),) if parse_body else ()
            Device = request.env["iot.device"].with_context(iot_origin="http")
            return getattr(Device, method)(*args, *body)

        return self._respond(call, status=status)

    @api_route(f"{API}/devices", methods=["POST"])
    def create_devices(self, **kwargs):
        def status(result):
            return 201 if result.get("status") == "created" else 200

        return self._call("api_create_devices", status=status, parse_body=True)

    @api_route(f"{API}/devices/<string:identifier>", methods=["GET"])
    def get_device(self, identifier, **kwargs):
        return self._call("api_get_device", identifier)

    @api_route(f"{API}/devices/<string:identifier>/events", methods=["GET"])
    def get_device_events(self, identifier, limit="200", **kwargs):
        try:
            limit = int(limit)
        except ValueError:
            return error_response(400, "invalid", "limit must be an integer.", [{"field": "limit"}])
        return self._call("api_get_events", identifier, limit)

    @api_route(f"{API}/devices/<string:identifier>/activate", methods=["POST"])
    def activate_device(self, identifier, **kwargs):
        return self._call("api_activate", identifier, parse_body=True)

    @api_route(f"{API}/devices/<string:identifier>/transition", methods=["POST"])
    def transition_device(self, identifier, **kwargs):
        return self._call("api_transition", identifier, parse_body=True)

    def _openapi_document(self):
        return openapi.fleet_document(request.httprequest.host_url.rstrip("/"))

    @http.route(
        f"{API}/openapi.json",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def openapi_document(self, **kwargs):
        return request.make_json_response(self._openapi_document())
