from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    iot_dunning_level_id = fields.Many2one(
        "iot.dunning.level",
        string="Dunning Fee Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This invoice charges the dunning fee of this level.",
    )
