from psycopg2.extras import execute_values

from odoo import api, fields, models

STATES = [
    ("planned", "Planned"),
    ("open", "Open"),
    ("computed", "Computed"),
    ("invoiced", "Invoiced"),
]


class IotBillingSchedule(models.Model):
    """One billing period of one device's contract line, generated ahead for the term.

    It carries the recurring amount (prorated for a partial period), the usage valued
    into the period and the one-time charges; billing runs turn it into an invoice
    line.
    """

    _name = "iot.billing.schedule"
    _description = "Invoicing Schedule"
    _order = "date_start, contract_line_id"

    contract_line_id = fields.Many2one(
        "contract.line", required=True, ondelete="cascade", index=True, readonly=True
    )
    contract_id = fields.Many2one(
        related="contract_line_id.contract_id", store=True, index=True, string="Contract"
    )
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True, string="Customer")
    device_id = fields.Many2one("iot.device", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    sequence = fields.Integer(string="Period", readonly=True)
    date_start = fields.Date(required=True, readonly=True)
    date_end = fields.Date(required=True, readonly=True)
    ratio = fields.Float(
        digits=(16, 6), readonly=True, help="Days covered over the days of a full period."
    )
    recurring_amount = fields.Monetary(readonly=True)
    usage_quantity = fields.Float(digits=(16, 4), readonly=True)
    usage_amount = fields.Monetary(readonly=True)
    usage_record_count = fields.Integer(
        readonly=True, help="Usage records of the period when it was last valued."
    )
    adjustment_quantity = fields.Float(string="Late Usage Quantity", digits=(16, 4), readonly=True)
    adjustment_amount = fields.Monetary(string="Late Usage", readonly=True)
    has_adjustment = fields.Boolean(
        string="Adjustment",
        readonly=True,
        help="Carries usage of an earlier, already invoiced period.",
    )
    usage_ids = fields.One2many(
        "iot.billing.usage", "schedule_id", string="Usage Billed", readonly=True
    )
    charge_amount = fields.Monetary(string="One-time Charges", readonly=True)
    amount_total = fields.Monetary(compute="_compute_amount_total", store=True)
    state = fields.Selection(STATES, default="planned", required=True, index=True, readonly=True)
    invoice_line_id = fields.Many2one("account.move.line", readonly=True, index="btree_not_null")
    invoice_id = fields.Many2one(related="invoice_line_id.move_id", string="Invoice")

    _sql_constraints = [
        (
            "period_uniq",
            "unique (contract_line_id, date_start)",
            "A contract line has one schedule per period.",
        )
    ]

    @api.depends("recurring_amount", "usage_amount", "adjustment_amount", "charge_amount")
    def _compute_amount_total(self):
        for schedule in self:
            schedule.amount_total = (
                schedule.recurring_amount
                + schedule.usage_amount
                + schedule.adjustment_amount
                + schedule.charge_amount
            )

    def action_view_invoice(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            {"res_id": self.invoice_id.id, "view_mode": "form", "views": [(False, "form")]}
        )
        return action

    @api.model
    def _insert_rows(self, rows):
        """Insert schedules in one statement: ``rows`` are ``(contract_line_id,
        contract_id, partner_id, device_id, company_id, currency_id, sequence, date_start,
        date_end, ratio, recurring_amount, state)``; the total starts as the recurring
        amount."""
        if not rows:
            return self.browse()
        self.env["contract.line"].flush_model()
        self.flush_model()
        uid = int(self.env.uid)
        ids = execute_values(
            self.env.cr._obj,
            """INSERT INTO iot_billing_schedule
                   (contract_line_id, contract_id, partner_id, device_id, company_id,
                    currency_id, sequence, date_start, date_end, ratio, recurring_amount,
                    state, amount_total, create_uid, create_date, write_uid, write_date)
               VALUES %s RETURNING id""",
            [(*row, row[10]) for row in rows],
            template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            f"{uid}, now() at time zone 'UTC', {uid}, now() at time zone 'UTC')",
            page_size=10000,
            fetch=True,
        )
        self.invalidate_model()
        return self.browse([row[0] for row in ids])
