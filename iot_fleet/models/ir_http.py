import logging

import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.http import SessionExpiredException, request

_logger = logging.getLogger(__name__)

API_PREFIXES = ("/iot/api/", "/iot/usage/")


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _authenticate(cls, endpoint):
        """Answer the device API's authentication failures in its own JSON shape."""
        try:
            return super()._authenticate(endpoint)
        except (AccessDenied, SessionExpiredException, werkzeug.exceptions.Unauthorized):
            if not endpoint.routing.get("iot_api"):
                raise
            response = _json_error(
                401,
                "unauthorized",
                "A valid API key is required: send 'Authorization: Bearer <key>'.",
                headers=[("WWW-Authenticate", "Bearer")],
            )
            raise werkzeug.exceptions.Unauthorized(response=response) from None

    @classmethod
    def _handle_error(cls, exception):
        """The API's routes answer every error as JSON, also those raised before the
        route runs (a body over Odoo's size limit, a form that cannot be parsed) or
        by a bug: never an HTML page to a gateway."""
        httprequest = request.httprequest
        if not httprequest.path.startswith(API_PREFIXES):
            return super()._handle_error(exception)
        limit = httprequest.max_content_length
        if limit and (httprequest.content_length or 0) > limit:
            # Werkzeug refuses the body while Odoo reads the request's parameters.
            return _json_error(413, "too_large", f"The request body is larger than {limit} bytes.")
        if isinstance(exception, werkzeug.exceptions.HTTPException):
            if exception.response is not None:
                return exception.response
            code = exception.code or 500
            if code < 500:
                return _json_error(
                    code, exception.name.lower().replace(" ", "_"), exception.name + "."
                )
        if isinstance(exception, AccessDenied | AccessError):
            return _json_error(403, "forbidden", "You are not allowed to do this.")
        if isinstance(exception, UserError):
            return _json_error(400, "invalid", exception.args[0])
        _logger.error("IoT API: unexpected error", exc_info=exception)
        return _json_error(500, "internal", "The server could not handle this request.")


def _json_error(status, code, message, headers=None):
    return request.make_json_response(
        {"error": {"code": code, "message": message, "details": []}},
        headers=headers,
        status=status,
    )
