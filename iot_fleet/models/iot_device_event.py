import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

EVENT_TYPES = [
    ("create", "Creation"),
    ("activation", "Activation"),
    ("transition", "Transition"),
    ("customer_change", "Customer Change"),
    ("note", "Note"),
]
ORIGINS = [
    ("ui", "User Interface"),
    ("http", "HTTP API"),
    ("jsonrpc", "JSON-RPC"),
    ("import", "Import"),
    ("cron", "Scheduled Job"),
]


class IotDeviceEvent(models.Model):
    """What happened to a connected object, written once and never changed."""

    _name = "iot.device.event"
    _description = "Connected Object Event"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    device_id = fields.Many2one("iot.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True, index=True)
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True, help="When it happened, in UTC."
    )
    event_type = fields.Selection(EVENT_TYPES, string="Type", required=True)
    origin = fields.Selection(ORIGINS, required=True, default="ui")
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)
    from_state_id = fields.Many2one("iot.device.state")
    to_state_id = fields.Many2one("iot.device.state")
    transition_id = fields.Many2one("iot.device.transition", ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Customer")
    reason = fields.Text()
    payload = fields.Json()
    payload_text = fields.Text(string="Payload (JSON)", compute="_compute_payload_text")
    charge_product_id = fields.Many2one("product.product", string="One-time Charge")
    charge_amount = fields.Float(digits="Product Price")
    charge_currency_id = fields.Many2one("res.currency")

    @api.depends("payload")
    def _compute_payload_text(self):
        for event in self:
            event.payload_text = (
                json.dumps(event.payload, indent=2, sort_keys=True, default=str)
                if event.payload
                else False
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Device events cannot be deleted."))

    def write(self, vals):
        self.check_access("write")
        if vals:
            raise UserError(_("Device events cannot be changed once written."))
        return super().write(vals)
