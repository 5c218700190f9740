from odoo import fields, models


class Commission(models.Model):
    """A rate per unit, next to OCA's fixed percentage and percentage by sections: what
    a device owner earns for each unit its devices were billed (a device-month, a
    cubic metre)."""

    _inherit = "commission"

    commission_type = fields.Selection(
        selection_add=[("per_unit", "Amount per unit")],
        ondelete={"per_unit": "set default"},
    )
    amount_per_unit = fields.Float(
        digits="Product Price",
        help="Earned for each unit of the invoice lines: the line's quantity times the "
        "owner's share of it (its devices' quantities in the line's detail).",
    )
