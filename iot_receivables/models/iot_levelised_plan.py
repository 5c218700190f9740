import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date, formatLang

from ..core import levelised

MONTHS = 12
# Schedules a billing run has still to value (and to invoice, or leave to a plan).
OPEN_STATES = ("planned", "open", "computed")
# What last year's schedules were billed for, as the estimate sees it: their recurring
# amount and usage (late usage included); one-time charges do not come back each year.
ESTIMATE_PARTS = ("recurring_amount", "usage_amount", "adjustment_amount")


class IotLevelisedPlan(models.Model):
    """A customer pays a year's estimated cost in twelve equal monthly instalments.

    While the plan is in force, billing runs value the customer's schedules as usual
    but leave them to the plan instead of invoicing them (*Covered by a levelised
    plan*). Reviews at chosen months re-level the rest of the year when the usage
    valued so far strays from the estimate; the settlement at the year's end invoices,
    or credits, what the months actually cost less what the instalments invoiced.
    The arithmetic is in ``core/levelised.py``.
    """

    _name = "iot.levelised.plan"
    _description = "Levelised Billing Plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name", store=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        help="The customer (a company, not a contact): its schedules are covered.",
    )
    contract_id = fields.Many2one(
        "contract.contract",
        tracking=True,
        domain="[('iot_fleet', '=', True), ('partner_id', 'child_of', partner_id)]",
        help="Only this fleet contract's schedules; empty for all the customer's.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date(
        string="First Month",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        tracking=True,
    )
    date_end = fields.Date(string="Last Day", compute="_compute_date_end", store=True)
    estimate_method = fields.Selection(
        [("last_year", "Last year's billing"), ("manual", "Set by hand")],
        default="last_year",
        required=True,
    )
    estimated_amount = fields.Monetary(
        string="Estimated Annual Cost",
        tracking=True,
        help="Untaxed: what the customer's schedules are expected to cost in the plan's "
        "twelve months.",
    )
    projected_amount = fields.Monetary(
        string="Current Projection",
        readonly=True,
        tracking=True,
        help="What the twelve instalments add up to: the estimate, or the projection of "
        "the last review that re-levelled the year.",
    )
    review_months = fields.Char(
        default="4,8",
        help="The months of the plan (1 to 11) after which the usage valued so far is "
        "compared with the estimate, e.g. 4,8.",
    )
    tolerance = fields.Float(
        string="Review Tolerance (%)",
        default=10.0,
        help="A review re-levels the rest of the year when the usage valued so far "
        "deviates from the estimate pro rata by more than this percentage.",
    )
    reviewed_month = fields.Integer(
        string="Reviewed Up To Month", readonly=True, help="The month of the last review."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "In Force"),
            ("settled", "Settled"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        readonly=True,
    )
    instalment_ids = fields.One2many(
        "iot.levelised.instalment", "plan_id", string="Instalments", readonly=True
    )
    settlement_move_ids = fields.Many2many(
        "account.move",
        "iot_levelised_plan_settlement_rel",
        "plan_id",
        "move_id",
        string="Settlements",
        readonly=True,
        copy=False,
    )
    invoiced_amount = fields.Monetary(string="Invoiced in Instalments", compute="_compute_amounts")
    actual_amount = fields.Monetary(
        string="Actual Cost So Far",
        compute="_compute_amounts",
        help="What the months covered by the plan cost, each at its own prices (the "
        "schedules billing runs valued and left to the plan).",
    )
    settled_amount = fields.Monetary(string="Settled", compute="_compute_amounts")
    invoice_count = fields.Integer(compute="_compute_amounts")

    _sql_constraints = [
        ("tolerance_positive", "CHECK (tolerance >= 0)", "The tolerance cannot be negative."),
    ]

    @api.depends("partner_id", "date_start")
    def _compute_name(self):
        for plan in self:
            plan.name = _(
                "%(customer)s - from %(month)s",
                customer=plan.partner_id.name or "",
                month=format_date(plan.env, plan.date_start, date_format="MMMM y")
                if plan.date_start
                else "",
            )

    @api.depends("date_start")
    def _compute_date_end(self):
        for plan in self:
            plan.date_end = (
                plan.date_start + relativedelta(months=MONTHS, days=-1)
                if plan.date_start
                else False
            )

    def _compute_amounts(self):
        actual = self._actual_by_month()
        for plan in self:
            posted = plan.instalment_ids.filtered(lambda i: i.move_id.state == "posted")
            plan.invoiced_amount = sum(posted.mapped("amount"))
            plan.actual_amount = sum(actual.get(plan.id, {}).values())
            plan.settled_amount = float(sum(plan._settled(), Decimal(0)))
            plan.invoice_count = len(plan.instalment_ids.move_id | plan.settlement_move_ids)

    @api.constrains("date_start")
    def _check_date_start(self):
        for plan in self:
            if plan.date_start.day != 1:
                raise ValidationError(_("A levelised plan starts on the first of a month."))

    @api.constrains("review_months")
    def _check_review_months(self):
        for plan in self:
            plan._review_months()

    @api.constrains("partner_id", "contract_id", "date_start", "state", "company_id")
    def _check_overlap(self):
        for plan in self.filtered(lambda p: p.state in ("draft", "running")):
            domain = [
                ("id", "!=", plan.id),
                ("partner_id", "=", plan.partner_id.id),
                ("company_id", "=", plan.company_id.id),
                ("state", "in", ("draft", "running")),
                ("date_start", "<=", plan.date_end),
                ("date_end", ">=", plan.date_start),
            ]
            if plan.contract_id:
                domain.append(("contract_id", "in", (False, plan.contract_id.id)))
            other = self.sudo().search(domain, limit=1)
            if other:
                raise ValidationError(
                    _(
                        "%(customer)s has a levelised plan for these months already: " "%(plan)s.",
                        customer=plan.partner_id.display_name,
                        plan=other.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(plan.state not in ("draft", "cancelled") for plan in self):
            raise UserError(_("A plan in force or settled is kept: its invoices refer to it."))

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_compute_estimate(self):
        """The estimate from last year: the twelve months before the plan's first."""
        for plan in self:
            plan._check_state("draft")
            estimate = plan._last_year_estimate()
            if not estimate:
                raise UserError(
                    _(
                        "%(customer)s was billed nothing from %(start)s to %(end)s: set the "
                        "estimate by hand.",
                        customer=plan.partner_id.display_name,
                        start=format_date(plan.env, plan.date_start - relativedelta(years=1)),
                        end=format_date(plan.env, plan.date_start - relativedelta(days=1)),
                    )
                )
            plan.write({"estimated_amount": float(estimate), "estimate_method": "last_year"})
            plan._build_instalments()
        return True

    def action_start(self):
        """Put the plan in force: its instalments due by today are invoiced at once."""
        for plan in self:
            plan._check_state("draft")
            if plan.currency_id.compare_amounts(plan.estimated_amount, 0) <= 0:
                raise UserError(_("Compute or enter the estimated annual cost first."))
            plan._build_instalments()
            plan.write({"state": "running", "projected_amount": plan.estimated_amount})
        self._invoice_due_instalments()
        return True

    def action_cancel(self):
        for plan in self:
            plan._check_state("draft")
        self.write({"state": "cancelled"})
        return True

    def action_review(self):
        """Review the last review month that has ended (once its usage is billed)."""
        for plan in self:
            plan._check_state("running")
            month = plan._due_review_month()
            if not month:
                upcoming = [m for m in plan._review_months() if m > plan.reviewed_month]
                raise UserError(
                    _(
                        "No review is due: the next one follows month %(month)s (%(date)s).",
                        month=upcoming[0],
                        date=format_date(plan.env, plan._month_end(upcoming[0])),
                    )
                    if upcoming
                    else _("This plan has no review left.")
                )
            plan._review(month)
        return True

    def action_settle(self):
        """Settle the year: an invoice or credit note for the difference; nothing when
        there is nothing (more) to settle."""
        moves = self.env["account.move"]
        for plan in self:
            moves |= plan._settle()
        if moves:
            return self.action_view_invoices(moves)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Nothing to settle"),
                "message": _("The instalments and settlements match the actual cost."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_invoices(self, moves=None):
        moves = (
            moves if moves is not None else self.instalment_ids.move_id | self.settlement_move_ids
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", moves.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        if len(moves) == 1:
            action.update({"res_id": moves.id, "view_mode": "form", "views": [(False, "form")]})
        return action

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_levelised_billing(self):
        """Invoice the instalments that are due, and review the plans whose review
        month has ended and been billed."""
        plans = self.search([("state", "=", "running")])
        plans._invoice_due_instalments()
        for plan in plans:
            month = plan._due_review_month()
            if month and not plan._pending_schedules(plan._month_end(month)):
                plan._review(month)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _covering(self, schedules):
        """``{schedule id: plan id}``: the schedules a plan in force covers - of its
        customer (and contract), company and months."""
        if not schedules:
            return {}
        plans = self.search(
            [
                ("state", "=", "running"),
                ("partner_id", "in", schedules.partner_id.commercial_partner_id.ids),
                ("company_id", "in", schedules.company_id.ids),
            ]
        )
        if not plans:
            return {}
        by_partner = {}
        for plan in plans:
            by_partner.setdefault((plan.partner_id.id, plan.company_id.id), []).append(plan)
        covered = {}
        for schedule in schedules:
            key = (schedule.partner_id.commercial_partner_id.id, schedule.company_id.id)
            for plan in by_partner.get(key, []):
                if plan.date_start <= schedule.date_end <= plan.date_end and (
                    not plan.contract_id or plan.contract_id == schedule.contract_id
                ):
                    covered[schedule.id] = plan.id
                    break
        return covered

    def _check_state(self, *states):
        labels = dict(self._fields["state"].selection)
        if self.state not in states:
            raise UserError(
                _(
                    "%(plan)s is %(state)s: this is done on a %(expected)s plan.",
                    plan=self.name,
                    state=labels[self.state],
                    expected=" / ".join(labels[state] for state in states),
                )
            )

    def _digits(self):
        return self.currency_id.decimal_places

    def _review_months(self):
        try:
            return levelised.parse_months(self.review_months, MONTHS)
        except ValueError as exc:
            raise ValidationError(
                _(
                    "Review months are months of the plan from 1 to %(last)s, separated by "
                    "commas (e.g. 4,8); %(wrong)s is not.",
                    last=MONTHS - 1,
                    wrong=str(exc),
                )
            ) from exc

    def _month_end(self, month):
        """The last day of the plan's ``month`` (1 to 12)."""
        return self.date_start + relativedelta(months=month, days=-1)

    def _schedule_domain(self, date_from=None, date_to=None):
        """The customer's schedules the plan is about (any state), by period end."""
        domain = [
            ("company_id", "=", self.company_id.id),
            ("partner_id", "child_of", self.partner_id.id),
            ("date_end", ">=", date_from or self.date_start),
            ("date_end", "<=", date_to or self.date_end),
        ]
        if self.contract_id:
            domain.append(("contract_id", "=", self.contract_id.id))
        return domain

    def _pending_schedules(self, date_to):
        """The plan's schedules up to ``date_to`` that no billing run has billed yet."""
        return (
            self.env["iot.billing.schedule"]
            .sudo()
            .search(
                self._schedule_domain(date_to=date_to)
                + [("state", "in", OPEN_STATES), ("invoice_line_id", "=", False)]
            )
        )

    def _check_billed(self, date_to):
        pending = self._pending_schedules(date_to)
        if pending:
            raise UserError(
                _(
                    "Billing has not run for %(months)s yet: run it first, so that the "
                    "usage of those months is valued.",
                    months=", ".join(
                        sorted(
                            {
                                format_date(self.env, day, date_format="MMMM y")
                                for day in pending.mapped("date_end")
                            }
                        )
                    ),
                )
            )

    def _last_year_estimate(self):
        """What the customer's schedules of the twelve months before the plan were
        billed for (recurring amounts and usage), or left to an earlier plan."""
        start = self.date_start - relativedelta(years=1)
        groups = (
            self.env["iot.billing.schedule"]
            .sudo()
            ._read_group(
                self._schedule_domain(start, self.date_start - datetime.timedelta(days=1))
                + [("state", "in", ("invoiced", "levelised"))],
                [],
                [f"{part}:sum" for part in ESTIMATE_PARTS],
            )
        )
        return sum(
            (levelised.to_amount(value or 0.0, self._digits()) for value in groups[0]),
            Decimal(0),
        )

    def _actual_by_month(self):
        """``{plan id: {month (1-12): actual cost}}`` of the schedules the plans cover."""
        if not self.ids:
            return {}
        groups = (
            self.env["iot.billing.schedule"]
            .sudo()
            ._read_group(
                [("levelised_plan_id", "in", self.ids)],
                ["levelised_plan_id", "date_end:month"],
                ["amount_total:sum"],
            )
        )
        actual = {}
        for plan, month, amount in groups:
            index = (month.year - plan.date_start.year) * 12 + month.month - plan.date_start.month
            actual.setdefault(plan.id, {})[index + 1] = levelised.to_amount(
                amount or 0.0, plan._digits()
            )
        return actual

    def _settled(self):
        """The untaxed amounts of the posted settlements: invoices +, credit notes -."""
        return [
            levelised.to_amount(move.amount_untaxed, self._digits())
            * (-1 if move.move_type == "out_refund" else 1)
            for move in self.settlement_move_ids
            if move.state == "posted"
        ]

    def _build_instalments(self):
        """Twelve instalments of a draft plan, adding up to its estimate to the cent."""
        self.ensure_one()
        self.instalment_ids.unlink()
        amounts = levelised.split(
            Decimal(str(self.estimated_amount or 0.0)), MONTHS, self._digits()
        )
        self.env["iot.levelised.instalment"].create(
            [
                {
                    "plan_id": self.id,
                    "sequence": index + 1,
                    "date": self.date_start + relativedelta(months=index),
                    "amount": float(amount),
                }
                for index, amount in enumerate(amounts)
            ]
        )

    def _invoice_due_instalments(self):
        today = fields.Date.context_today(self)
        due = self.filtered(lambda p: p.state == "running").instalment_ids.filtered(
            lambda i: not i.move_id and i.date <= today
        )
        return due._invoice()

    def _due_review_month(self):
        """The last review month not reviewed yet that has ended."""
        today = fields.Date.context_today(self)
        due = [
            month
            for month in self._review_months()
            if month > self.reviewed_month and self._month_end(month) < today
        ]
        return due[-1] if due else 0

    def _review(self, month):
        """Compare the first ``month`` months' cost with the estimate pro rata; beyond
        the tolerance, re-level the instalments not invoiced yet."""
        self.ensure_one()
        self._check_billed(self._month_end(month))
        # The instalments invoiced by now are fixed; the rest are re-levelled.
        self._invoice_due_instalments()
        digits = self._digits()
        actual = self._actual_by_month().get(self.id, {})
        invoiced = self.instalment_ids.filtered("move_id")
        remaining = (self.instalment_ids - invoiced).sorted("sequence")
        found = levelised.review(
            # After a re-levelling, the year is measured against its new projection.
            Decimal(str(self.projected_amount or self.estimated_amount)),
            month,
            sum((actual.get(m, Decimal(0)) for m in range(1, month + 1)), Decimal(0)),
            sum((Decimal(str(i.amount)) for i in invoiced), Decimal(0)),
            len(remaining),
            self.tolerance,
            MONTHS,
            digits,
        )
        values = {
            "months": month,
            "actual": formatLang(self.env, float(found.actual), currency_obj=self.currency_id),
            "expected": formatLang(self.env, float(found.expected), currency_obj=self.currency_id),
            "deviation": f"{found.deviation:+}",
        }
        if found.remaining is None:
            body = _(
                "Review after month %(months)s: the usage so far cost %(actual)s against "
                "%(expected)s expected (%(deviation)s%%), within the tolerance. The "
                "instalments stay as they are.",
                **values,
            )
        else:
            for instalment, amount in zip(remaining, found.remaining, strict=True):
                instalment.amount = float(amount)
            self.projected_amount = sum(self.instalment_ids.mapped("amount"))
            body = _(
                "Review after month %(months)s: the usage so far cost %(actual)s against "
                "%(expected)s expected (%(deviation)s%%). The year is re-levelled to "
                "%(projection)s: the %(count)s instalments left are %(amount)s.",
                projection=formatLang(
                    self.env, float(found.projection), currency_obj=self.currency_id
                ),
                count=len(remaining),
                amount=formatLang(
                    self.env,
                    float(found.remaining[0]) if found.remaining else 0.0,
                    currency_obj=self.currency_id,
                ),
                **values,
            )
        self.reviewed_month = month
        self.message_post(body=body)
        return found

    def _settle(self):
        """Invoice or credit what the year cost less what the instalments and earlier
        settlements invoiced; nothing when that is zero (a second settlement)."""
        self.ensure_one()
        self._check_state("running", "settled")
        if fields.Date.context_today(self) <= self.date_end:
            raise UserError(
                _(
                    "%(plan)s is settled after its last day, %(date)s.",
                    plan=self.name,
                    date=format_date(self.env, self.date_end),
                )
            )
        # Two settlements of one plan at once would both invoice the difference.
        self.env.cr.execute("SELECT id FROM iot_levelised_plan WHERE id = %s FOR UPDATE", [self.id])
        self.invalidate_recordset()
        self._check_billed(self.date_end)
        self._invoice_due_instalments()
        digits = self._digits()
        actual = self._actual_by_month().get(self.id, {})
        instalments = [
            Decimal(str(i.amount)) for i in self.instalment_ids if i.move_id.state == "posted"
        ]
        difference = levelised.settlement(
            list(actual.values()), instalments, self._settled(), digits
        )
        self.state = "settled"
        if not difference:
            self.message_post(body=_("Settled: nothing (more) to settle."))
            return self.env["account.move"]
        total = sum(actual.values(), Decimal(0))
        label = _(
            "Levelised billing %(period)s - settlement: actual cost %(actual)s, invoiced "
            "%(invoiced)s",
            period=self._period_label(),
            actual=formatLang(self.env, float(total), currency_obj=self.currency_id),
            invoiced=formatLang(self.env, float(total - difference), currency_obj=self.currency_id),
        )
        move = self._create_invoices(
            [
                (
                    "out_invoice" if difference > 0 else "out_refund",
                    fields.Date.context_today(self),
                    label,
                    float(abs(difference)),
                )
            ]
        )
        move.action_post()
        self.settlement_move_ids = [fields.Command.link(move.id)]
        self.message_post(
            body=_(
                "Settled: %(kind)s %(move)s of %(amount)s.",
                kind=_("invoice") if difference > 0 else _("credit note"),
                move=move.name,
                amount=formatLang(self.env, float(abs(difference)), currency_obj=self.currency_id),
            )
        )
        return move

    def _period_label(self):
        return _(
            "%(start)s to %(end)s",
            start=format_date(self.env, self.date_start, date_format="MMMM y"),
            end=format_date(self.env, self.date_end, date_format="MMMM y"),
        )

    def _create_invoices(self, moves):
        """Customer invoices of the plan, one line each: ``moves`` are ``(move type,
        date, label, untaxed amount)``; the contract's journal, terms and invoice
        address when the plan is for a contract."""
        self.ensure_one()
        product = self.env.ref("iot_receivables.product_levelised_billing")
        values = []
        for move_type, date, label, amount in moves:
            if self.contract_id:
                vals = self.contract_id._prepare_invoice(date)
                vals["move_type"] = move_type
            else:
                vals = {
                    "move_type": move_type,
                    "partner_id": self.partner_id.id,
                    "invoice_date": date,
                    "company_id": self.company_id.id,
                    "currency_id": self.currency_id.id,
                }
            vals["invoice_origin"] = self.name
            vals["invoice_line_ids"] = [
                fields.Command.create(
                    {"product_id": product.id, "name": label, "quantity": 1, "price_unit": amount}
                )
            ]
            values.append(vals)
        return self.env["account.move"].with_company(self.company_id).create(values)
