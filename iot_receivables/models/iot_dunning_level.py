from odoo import fields, models

from ..core import dunning


class IotDunningLevel(models.Model):
    """One step of a dunning policy.

    Conditions are measured from the invoices' due date: the level counts the customer's
    open invoices overdue by at least ``days_overdue`` days and is reached when there are
    at least ``min_count`` of them owing at least ``min_amount`` together
    (``core.dunning``). Its actions are taken once, when a customer reaches it.
    """

    _name = "iot.dunning.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one("iot.dunning.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10, required=True)
    name = fields.Char(required=True, translate=True)
    days_overdue = fields.Integer(
        required=True,
        default=15,
        help="Counts the invoices whose due date is at least this many days past.",
    )
    min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        currency_field="currency_id",
        help="The invoices counted owe at least this much together.",
    )
    min_count = fields.Integer(
        string="Minimum Unpaid Invoices", default=1, help="At least this many invoices counted."
    )
    currency_id = fields.Many2one(related="policy_id.company_id.currency_id")
    send_email = fields.Boolean(string="Reminder by E-mail")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'iot.dunning.log')]",
        default=lambda self: self.env.ref(
            "iot_receivables.mail_template_dunning_reminder", raise_if_not_found=False
        ),
    )
    print_letter = fields.Boolean(
        string="Reminder by Letter",
        help="The step's letter is printed from the Dunning History (Print Letter).",
    )
    fee_product_id = fields.Many2one(
        "product.product",
        string="Dunning Fee",
        domain="[('type', '=', 'service')]",
        help="Reaching the level posts an invoice of this product (once per level reached).",
    )
    fee_amount = fields.Monetary(
        currency_field="currency_id", help="Left at zero, the product's sales price."
    )
    block_devices = fields.Boolean(
        help="Blocks the customer's devices (not those paid in advance) until it no longer "
        "reaches a blocking level: a payment, a credit note or a write-off lifts the block "
        "at once.",
    )
    hand_over = fields.Boolean(
        string="Hand Over to Collection",
        help="Flags the customer as handed over to collection and gives the accountant "
        "an activity.",
    )
    collection_user_id = fields.Many2one(
        "res.users",
        string="Accountant",
        help="Who gets the hand-over activity; left empty, the customer's salesperson, "
        "else the user running dunning.",
    )

    def _iot_core_level(self):
        """The level as ``core.dunning`` reads it."""
        self.ensure_one()
        return dunning.Level(
            key=self.id,
            sequence=self.sequence,
            days_overdue=self.days_overdue,
            min_amount=self.min_amount,
            min_count=self.min_count,
            blocks=self.block_devices,
        )
