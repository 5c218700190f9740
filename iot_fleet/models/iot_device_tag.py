from odoo import fields, models


class IotDeviceTag(models.Model):
    _name = "iot.device.tag"
    _description = "Connected Object Tag"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "unique (name)", "A tag with this name exists already.")]
