import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request


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
            response = request.make_json_response(
                {
                    "error": {
                        "code": "unauthorized",
                        "message": "A valid API key is required: send 'Authorization: Bearer "
                        "<key>'.",
                        "details": [],
                    }
                },
                headers=[("WWW-Authenticate", "Bearer")],
                status=401,
            )
            raise werkzeug.exceptions.Unauthorized(response=response) from None
