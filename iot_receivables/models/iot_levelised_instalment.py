from odoo import _, api, fields, models
from odoo.tools.misc import format_date, formatLang


class IotLevelisedInstalment(models.Model):
    """One month of a levelised plan: the instalment invoiced on its first day, and
    what the month actually cost (valued by the billing run, left to the plan)."""

    _name = "iot.levelised.instalment"
    _description = "Levelised Billing Instalment"
    _order = "plan_id, sequence"

    plan_id = fields.Many2one(
        "iot.levelised.plan", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    partner_id = fields.Many2one(related="plan_id.partner_id", string="Customer")
    sequence = fields.Integer(string="Instalment", readonly=True)
    date = fields.Date(string="Invoice Date", required=True, readonly=True)
    month = fields.Char(compute="_compute_month")
    amount = fields.Monetary(readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True, copy=False)
    state = fields.Selection(
        [("planned", "Planned"), ("invoiced", "Invoiced")],
        compute="_compute_state",
        store=True,
    )
    actual_amount = fields.Monetary(
        string="Actual Cost",
        compute="_compute_actual_amount",
        help="What the month cost at its prices: the schedules billing valued for it.",
    )

    _sql_constraints = [
        ("sequence_uniq", "unique (plan_id, sequence)", "One instalment per month of a plan.")
    ]

    @api.depends("date")
    def _compute_month(self):
        for instalment in self:
            instalment.month = format_date(self.env, instalment.date, date_format="MMMM y")

    @api.depends("move_id")
    def _compute_state(self):
        for instalment in self:
            instalment.state = "invoiced" if instalment.move_id else "planned"

    def _compute_actual_amount(self):
        actual = self.plan_id._actual_by_month()
        for instalment in self:
            by_month = actual.get(instalment.plan_id.id, {})
            instalment.actual_amount = float(by_month.get(instalment.sequence, 0))

    @api.depends("plan_id", "sequence")
    def _compute_display_name(self):
        for instalment in self:
            instalment.display_name = _(
                "%(plan)s - instalment %(sequence)s",
                plan=instalment.plan_id.name,
                sequence=instalment.sequence,
            )

    def action_view_invoice(self):
        self.ensure_one()
        return self.plan_id.action_view_invoices(self.move_id)

    def _label(self):
        """ "Instalment 3/12 - estimated annual cost $ 1,200.00 (March 2026)"."""
        plan = self.plan_id
        return _(
            "Instalment %(sequence)s/%(count)s - estimated annual cost %(estimate)s " "(%(month)s)",
            sequence=self.sequence,
            count=len(plan.instalment_ids),
            estimate=formatLang(
                self.env,
                plan.projected_amount or plan.estimated_amount,
                currency_obj=plan.currency_id,
            ),
            month=self.month,
        )

    def _invoice(self):
        """Invoice and post these instalments: one invoice each, dated the day it is
        made (the first of its month when the scheduled action makes it)."""
        moves = self.env["account.move"]
        today = fields.Date.context_today(self)
        for plan in self.plan_id:
            instalments = self.filtered(lambda i, plan=plan: i.plan_id == plan).sorted("sequence")
            created = plan._create_invoices(
                [
                    ("out_invoice", today, instalment._label(), instalment.amount)
                    for instalment in instalments
                ]
            )
            for instalment, move in zip(instalments, created, strict=True):
                instalment.move_id = move
            moves |= created
        moves.action_post()
        return moves
