from odoo import fields, models

from odoo.addons.iot_fleet.models.iot_device_state import BASE_STATUSES


class IotPlanStatusPrice(models.Model):
    """A plan's price per full period while its device is in a base status."""

    _name = "iot.plan.status.price"
    _description = "Plan Price per Device Status"
    _order = "product_tmpl_id, base_status"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Plan", required=True, ondelete="cascade", index=True
    )
    base_status = fields.Selection(BASE_STATUSES, string="Device Status", required=True)
    price = fields.Float(digits="Product Price", required=True, default=0.0)

    _sql_constraints = [
        (
            "status_uniq",
            "unique (product_tmpl_id, base_status)",
            "A plan has one price per device status.",
        ),
        ("price_positive", "CHECK (price >= 0)", "A status price cannot be negative."),
    ]
