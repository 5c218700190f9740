from odoo import fields, models


class IotBillingSchedule(models.Model):
    _inherit = "iot.billing.schedule"

    # Levelised: covered by a levelised plan. On account: billed on the customer's
    # transaction account, its invoice line set when the account is invoiced. Neither
    # is billed again by a run.
    state = fields.Selection(
        selection_add=[
            ("levelised", "Covered by Levelised Plan"),
            ("on_account", "On Account"),
        ],
        ondelete={"levelised": "set default", "on_account": "set default"},
    )
    levelised_plan_id = fields.Many2one(
        "iot.levelised.plan",
        readonly=True,
        index="btree_not_null",
        help="Valued by a billing run and left to this plan: its instalments invoice the "
        "month, its settlement the difference.",
    )
    account_entry_ids = fields.Many2many(
        "iot.account.entry",
        "iot_account_entry_schedule_rel",
        "schedule_id",
        "entry_id",
        string="Transaction Account Entries",
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
