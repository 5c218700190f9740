from odoo import fields, models


class IotBillingSchedule(models.Model):
    _inherit = "iot.billing.schedule"

    state = fields.Selection(
        selection_add=[("levelised", "Covered by Levelised Plan")],
        ondelete={"levelised": "set default"},
    )
    levelised_plan_id = fields.Many2one(
        "iot.levelised.plan",
        readonly=True,
        index="btree_not_null",
        help="Valued by a billing run and left to this plan: its instalments invoice the "
        "month, its settlement the difference.",
    )
