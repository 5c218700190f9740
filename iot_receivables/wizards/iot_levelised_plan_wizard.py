from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..core import levelised
from ..models.iot_levelised_plan import MONTHS


class IotLevelisedPlanWizard(models.TransientModel):
    """Start a levelised plan for a customer: the months, the estimate (last year's
    billing, or by hand), the reviews; the plan is put in force at once."""

    _name = "iot.levelised.plan.wizard"
    _description = "Start a Levelised Billing Plan"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, domain="[('parent_id', '=', False)]"
    )
    contract_id = fields.Many2one(
        "contract.contract",
        domain="[('iot_fleet', '=', True), ('partner_id', 'child_of', partner_id)]",
        help="Only this fleet contract; empty for all the customer's.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date(
        string="First Month",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    estimate_method = fields.Selection(
        [("last_year", "Last year's billing"), ("manual", "Set by hand")],
        default="last_year",
        required=True,
    )
    last_year_amount = fields.Monetary(
        string="Billed Last Year",
        compute="_compute_last_year_amount",
        help="What the customer's schedules of the twelve months before the first month "
        "were billed for: recurring amounts and usage.",
    )
    estimated_amount = fields.Monetary(
        string="Estimated Annual Cost",
        compute="_compute_estimated_amount",
        store=True,
        readonly=False,
    )
    instalment_amount = fields.Monetary(
        string="Monthly Instalment", compute="_compute_instalment_amount"
    )
    review_months = fields.Char(default="4,8")
    tolerance = fields.Float(string="Review Tolerance (%)", default=10.0)

    @api.depends("partner_id", "contract_id", "company_id", "date_start")
    def _compute_last_year_amount(self):
        for wizard in self:
            wizard.last_year_amount = (
                float(wizard._draft_plan()._last_year_estimate())
                if wizard.partner_id and wizard.date_start
                else 0.0
            )

    @api.depends("partner_id", "contract_id", "company_id", "date_start", "estimate_method")
    def _compute_estimated_amount(self):
        for wizard in self:
            if wizard.estimate_method == "last_year":
                wizard._compute_last_year_amount()
                wizard.estimated_amount = wizard.last_year_amount

    @api.depends(
        "partner_id",
        "contract_id",
        "company_id",
        "date_start",
        "estimate_method",
        "estimated_amount",
    )
    def _compute_instalment_amount(self):
        for wizard in self:
            # The first instalment: the first ones take the cents that do not divide.
            wizard.instalment_amount = float(
                levelised.split(
                    Decimal(str(wizard.estimated_amount or 0.0)),
                    MONTHS,
                    wizard.currency_id.decimal_places or 2,
                )[0]
            )

    def _plan_values(self):
        return {
            "partner_id": self.partner_id.commercial_partner_id.id,
            "contract_id": self.contract_id.id,
            "company_id": self.company_id.id,
            "date_start": self.date_start and self.date_start.replace(day=1),
            "estimate_method": self.estimate_method,
            "estimated_amount": self.estimated_amount,
            "review_months": self.review_months,
            "tolerance": self.tolerance,
        }

    def _draft_plan(self):
        """The plan as it would be, unsaved: it computes last year's billing."""
        return self.env["iot.levelised.plan"].new(self._plan_values())

    def action_start(self):
        self.ensure_one()
        if self.currency_id.compare_amounts(self.estimated_amount, 0) <= 0:
            raise UserError(
                _(
                    "%(customer)s was billed nothing in the twelve months before: set the "
                    "estimate by hand.",
                    customer=self.partner_id.display_name,
                )
                if self.estimate_method == "last_year"
                else _("Enter the estimated annual cost.")
            )
        plan = self.env["iot.levelised.plan"].create(self._plan_values())
        plan.action_start()
        return {
            "type": "ir.actions.act_window",
            "res_model": "iot.levelised.plan",
            "res_id": plan.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
