from odoo import api, fields, models

BASE_STATUSES = [
    ("prospect", "Prospect"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
]


class IotDeviceState(models.Model):
    """A user-defined state of a connected object, mapped to a base status.

    Billing and collection reason on the base status only, so administrators
    may add states ("In repair", "Lost") without touching code.
    """

    _name = "iot.device.state"
    _description = "Connected Object State"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="What the API uses to name the state.")
    sequence = fields.Integer(default=10)
    base_status = fields.Selection(BASE_STATUSES, required=True, default="prospect")
    fold = fields.Boolean(string="Folded in Kanban")
    active = fields.Boolean(default=True)
    description = fields.Text()

    _sql_constraints = [("code_uniq", "unique (code)", "The state code must be unique.")]

    @api.model
    def _get_by_code(self, code):
        return self.search([("code", "=", code)], limit=1)
