from odoo import fields, models


class IotBillingUsage(models.Model):
    """Usage valued into a schedule: one row per schedule and calculator.

    ``origin_schedule_id`` is the period the usage belongs to. It is the schedule
    itself, except for late usage: readings that arrived after their period was
    invoiced are billed on the next open schedule as a flagged adjustment (the
    difference between the period valued again and what was billed for it), so that
    a posted invoice is never edited.
    """

    _name = "iot.billing.usage"
    _description = "Billed Usage"
    _order = "schedule_id, is_adjustment, calculator_id"

    schedule_id = fields.Many2one(
        "iot.billing.schedule",
        string="Billed in",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    origin_schedule_id = fields.Many2one(
        "iot.billing.schedule",
        string="Period of the Usage",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    device_id = fields.Many2one("iot.device", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    calculator_id = fields.Many2one(
        "iot.usage.calculator", required=True, ondelete="restrict", readonly=True
    )
    quantity = fields.Float(digits=(16, 4), readonly=True)
    amount = fields.Monetary(readonly=True)
    record_count = fields.Integer(
        readonly=True, help="Usage records of the period when it was valued."
    )
    price_lines = fields.Json(
        readonly=True,
        help="The parts of the price (tiers, bands, fees) as quantity x unit price.",
    )
    is_adjustment = fields.Boolean(string="Late Usage", readonly=True)
    date_start = fields.Date(related="origin_schedule_id.date_start", string="Usage from")
    date_end = fields.Date(related="origin_schedule_id.date_end", string="Usage to")
    invoice_line_id = fields.Many2one("account.move.line", readonly=True, index="btree_not_null")
