from odoo import fields, models


class IotDeviceType(models.Model):
    _name = "iot.device.type"
    _description = "Connected Object Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="What the API uses to name the type, e.g. WATER_METER.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    product_id = fields.Many2one(
        "product.product",
        string="Default Product",
        help="The product a device of this type is sold or billed as, unless the device "
        "says otherwise.",
    )
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the type between companies."
    )
    description = fields.Text()
    device_count = fields.Integer(compute="_compute_device_count")

    _sql_constraints = [
        ("code_uniq", "unique (code, company_id)", "The type code must be unique per company.")
    ]

    def _compute_device_count(self):
        counts = dict(
            self.env["iot.device"]._read_group(
                [("type_id", "in", self.ids)], ["type_id"], ["__count"]
            )
        )
        for device_type in self:
            device_type.device_count = counts.get(device_type, 0)
