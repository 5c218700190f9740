from odoo.exceptions import UserError


class IotApiError(UserError):
    """An error of the device API, carrying what the HTTP layer answers.

    It is a ``UserError`` so that JSON-RPC callers get a clean error with the
    message (no traceback in the logs), while the HTTP controllers turn it into
    ``{"error": {"code", "message", "details"}}`` with ``status``.
    """

    def __init__(self, message, code="invalid", status=400, details=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.details = details or []

    def to_dict(self):
        return {"error": {"code": self.code, "message": self.args[0], "details": self.details}}
