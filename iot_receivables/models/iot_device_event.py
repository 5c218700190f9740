from odoo import fields, models


class IotDeviceEvent(models.Model):
    _inherit = "iot.device.event"

    origin = fields.Selection(
        selection_add=[("dunning", "Dunning"), ("payment", "Payment")],
        ondelete={"dunning": "set default", "payment": "set default"},
    )
