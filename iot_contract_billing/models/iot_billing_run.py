import datetime
import json
from collections import defaultdict

from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..core import schedule as schedule_core

ONE_DAY = datetime.timedelta(days=1)
# Contracts billed by one queue job; a run of more contracts is split into jobs.
CONTRACTS_PER_JOB = 50
# The parts of a schedule's total.
AMOUNT_PARTS = ("recurring_amount", "usage_amount", "adjustment_amount", "charge_amount")


class IotBillingRun(models.Model):
    """A billing run: the schedules of a period become posted invoices.

    Restartable: only schedules not yet invoiced are billed, so running a period again,
    or again after a failure, never bills anything twice. A contract that cannot be
    billed is reported and skipped; the others go on.
    """

    _name = "iot.billing.run"
    _description = "Billing Run"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"

    name = fields.Char(required=True, default=lambda self: _("New billing run"))
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(string="Period Start", required=True)
    date_to = fields.Date(string="Period End", required=True)
    contract_ids = fields.Many2many(
        "contract.contract",
        string="Contracts",
        domain="[('iot_fleet', '=', True)]",
        help="Only these contracts; empty for every fleet contract.",
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", help="Only these customers; empty for all."
    )
    invoice_date = fields.Date(help="Default: the period end.")
    post_invoices = fields.Boolean(default=True)
    preview = fields.Boolean(
        string="Preview Only",
        help="Value the schedules and show the amounts, without creating invoices.",
    )
    consolidate = fields.Boolean(
        string="One Invoice per Customer",
        help="Consolidate every customer's fleet contracts (same currency and journal) into "
        "one invoice, as if each contract asked for it.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done")],
        default="draft",
        required=True,
        tracking=True,
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "account_move_iot_billing_run_rel",
        "iot_billing_run_id",
        "account_move_id",
        string="Invoices",
        readonly=True,
        copy=False,
    )
    invoice_count = fields.Integer(compute="_compute_totals")
    amount_total = fields.Monetary(compute="_compute_totals", currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    computed_amount = fields.Monetary(
        string="Amount Valued",
        readonly=True,
        help="Untaxed total of the schedules this run valued (what a preview would bill).",
    )
    schedule_count = fields.Integer(readonly=True)
    contract_count = fields.Integer(readonly=True)
    error_ids = fields.One2many("iot.billing.run.error", "run_id", readonly=True)

    @api.depends("invoice_ids.amount_total")
    def _compute_totals(self):
        # The figures of the run's own invoices, shown to IoT managers who may not read
        # invoices: their list and form of runs open all the same.
        for run in self:
            invoices = run.sudo().invoice_ids
            run.invoice_count = len(invoices)
            run.amount_total = sum(invoices.mapped("amount_total"))

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for run in self:
            if run.date_to < run.date_from:
                raise ValidationError(_("The period ends before it starts."))

    def action_run(self):
        self._check_billing_role()
        for run in self:
            run._run()
        return True

    @api.model
    def _check_billing_role(self):
        """Billing posts invoices: it takes the billing role, not only IoT rights."""
        if not (self.env.su or self.env.user.has_group("iot_contract_billing.group_iot_billing")):
            raise AccessError(_("Previewing and running billing take the IoT Billing role."))

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {}
        return action

    def action_view_schedules(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_contract_billing.iot_billing_schedule_action"
        )
        action["domain"] = self._schedules_domain(billed=True)
        return action

    # ------------------------------------------------------------------
    # Scheduled action: the billing engine at the end of each month
    # ------------------------------------------------------------------

    @api.model
    def _cron_bill_due(self):
        """Bill every company's schedules of the months that have ended (and the late
        usage of terms that ended, which has a schedule only once a run looks)."""
        today = fields.Date.context_today(self)
        period_end = today.replace(day=1) - ONE_DAY
        Schedule = self.env["iot.billing.schedule"]
        for company in self.env["res.company"].search([]):
            due = Schedule.search(
                [
                    ("company_id", "=", company.id),
                    ("date_end", "<=", period_end),
                    ("state", "in", ("planned", "open", "computed")),
                    ("invoice_line_id", "=", False),
                ],
                order="date_end",
                limit=1,
            )
            run = self.create(
                {
                    "name": _(
                        "Billing engine, end of %(month)s", month=period_end.strftime("%B %Y")
                    ),
                    "company_id": company.id,
                    "date_from": (due.date_end if due else period_end).replace(day=1),
                    "date_to": period_end,
                }
            )
            run._prepare_schedules()
            if run._schedules_to_bill():
                run._bill()
            else:
                run.unlink()

    # ------------------------------------------------------------------

    def _schedules_domain(self, billed=False):
        domain = [("company_id", "=", self.company_id.id), *self._schedules_period_domain()]
        if not billed:
            domain += [
                ("state", "in", ("planned", "open", "computed")),
                ("invoice_line_id", "=", False),
            ]
        if self.contract_ids:
            domain.append(("contract_id", "in", self.contract_ids.ids))
        if self.partner_ids:
            domain.append(("partner_id", "child_of", self.partner_ids.commercial_partner_id.ids))
        return domain

    def _schedules_period_domain(self):
        """The schedules whose period this run bills. Post-paid: a period is billed by
        the run of the period it ends in (a hook: consolidation holds some back)."""
        return [("date_end", ">=", self.date_from), ("date_end", "<=", self.date_to)]

    def _schedules_to_bill(self, contract_ids=None):
        domain = self._schedules_domain()
        if contract_ids is not None:
            domain.append(("contract_id", "in", list(contract_ids)))
        return self.env["iot.billing.schedule"].search(domain)

    def _run(self):
        """Bill the period: at once, or in ``queue_job`` jobs of contracts when large."""
        self.ensure_one()
        self._prepare_schedules()
        return self._bill()

    def _bill(self):
        """Bill the schedules there are (``_prepare_schedules`` has run)."""
        schedules = self._schedules_to_bill()
        if not schedules:
            raise UserError(
                _(
                    "There is nothing to bill from %(start)s to %(end)s: no open schedules.",
                    start=self.date_from,
                    end=self.date_to,
                )
            )
        contracts = schedules.contract_id
        if len(contracts) <= CONTRACTS_PER_JOB or self.env.context.get("iot_billing_inline"):
            return self._run_contracts(contracts.ids)
        self.state = "running"
        # A customer's contracts stay in one job, so that they can be consolidated.
        by_invoice = _group_ids(contracts, self._invoice_key)
        chunks, chunk = [], []
        for ids in by_invoice.values():
            chunk += ids
            if len(chunk) >= CONTRACTS_PER_JOB:
                chunks.append(chunk)
                chunk = []
        if chunk:
            chunks.append(chunk)
        for start, chunk in enumerate(chunks):
            self.with_delay(
                description=_(
                    "%(run)s: contracts %(first)s to %(last)s",
                    run=self.name,
                    first=start + 1,
                    last=start + len(chunk),
                )
            )._run_contracts(chunk)
        return self.env["account.move"]

    def _prepare_schedules(self):
        """Schedules that exist only once the run looks: devices billed on first use that
        started, and lines whose term ended that received late usage."""
        self.env["iot.device"]._iot_start_first_use(self.company_id)
        self._open_late_usage_schedules()

    def _run_contracts(self, contract_ids):
        """Bill these contracts' open schedules of the period. Idempotent: what is
        invoiced already is not selected again, so a job run twice, or a run started
        again after a crash between jobs, bills nothing twice and leaves nothing out."""
        self.ensure_one()
        schedules = self._schedules_to_bill(contract_ids)
        invoices = self.env["account.move"]
        if schedules:
            self._value_recurring(schedules)
            self._value_usage(schedules)
            charges = self._value_charges(schedules)
            Schedule = self.env["iot.billing.schedule"]
            to_invoice = Schedule if self.preview else self._schedules_to_invoice(schedules)
            key_of = {
                contract.id: self._invoice_key(contract) for contract in to_invoice.contract_id
            }
            by_invoice = _group_ids(to_invoice, lambda schedule: key_of[schedule.contract_id.id])
            for schedule_ids in by_invoice.values():
                invoice_schedules = Schedule.browse(schedule_ids)
                contracts = invoice_schedules.contract_id
                try:
                    with self.env.cr.savepoint():
                        invoices |= self._invoice_contract(contracts, invoice_schedules, charges)
                except AccessError:
                    raise  # a user without accounting rights bills nothing
                except (UserError, ValidationError) as exc:
                    self.env["iot.billing.run.error"].create(
                        [
                            {"run_id": self.id, "contract_id": contract.id, "message": str(exc)}
                            for contract in contracts
                        ]
                    )
            self.write(
                {
                    "invoice_ids": [fields.Command.link(invoice.id) for invoice in invoices],
                    "schedule_count": self.schedule_count + len(schedules),
                    "contract_count": self.contract_count + len(schedules.contract_id),
                    "computed_amount": self.computed_amount + sum(schedules.mapped("amount_total")),
                }
            )
        left = self.env["iot.billing.schedule"].search_count(
            self._schedules_domain() + [("contract_id", "not in", self.error_ids.contract_id.ids)],
            limit=1,
        )
        if self.preview or not left:
            self.state = "done"
        return invoices

    def _billed_states(self):
        """The states of schedules whose period is billed: usage of such a period that
        arrives later is late usage, billed on a later schedule."""
        return ("invoiced",)

    def _count_late_usage_billed(self, schedule_ids):
        """Late usage carried by ``schedule_ids`` is billed: each period it came from
        counts the records it has now, so that no later run bills it again."""
        self.env.cr.execute(
            """UPDATE iot_billing_schedule o SET usage_record_count = u.record_count
                 FROM iot_billing_usage u
                WHERE u.origin_schedule_id = o.id AND u.is_adjustment
                  AND u.schedule_id = ANY(%s)""",
            [list(schedule_ids)],
        )
        self.env["iot.billing.schedule"].invalidate_model(["usage_record_count"])

    def _schedules_to_invoice(self, schedules):
        """The valued ``schedules`` this run invoices (not in a preview).

        A hook for what invoices a customer's schedules otherwise: an extension keeps
        some back (a levelised billing plan covers them, say) and moves them out of
        the open states, so that no later run selects them again; their valued amounts
        stay on them."""
        return schedules

    # ------------------------------------------------------------------
    # Valuation: recurring amounts, usage (and late usage), one-time charges
    # ------------------------------------------------------------------

    def _value_recurring(self, schedules):
        """Reprice the periods of plans with a price per device status, prorated by the
        days each device spent in each status (from its events)."""
        if not schedules.contract_line_id.product_id.iot_status_price_ids:
            return  # no plan of these schedules prices statuses
        priced = schedules.filtered(
            lambda schedule: schedule.ratio  # not the late-only ones
            and schedule.contract_line_id.product_id.iot_status_price_ids
        )
        period_end = max(priced.mapped("date_end")) + ONE_DAY
        events = (
            self.env["iot.device.event"]
            .sudo()
            .search(
                [
                    ("device_id", "in", priced.device_id.ids),
                    ("to_state_id", "!=", False),
                    ("event_type", "in", ("activation", "transition")),
                    ("date", "<", datetime.datetime.combine(period_end, datetime.time.min)),
                ],
                order="date, id",
            )
        )
        changes = defaultdict(list)
        for event in events:
            day = event.date.date()
            if event.event_type == "activation" and event.device_id.activation_date:
                # An activation takes effect on its date, which may precede the event.
                day = min(day, event.device_id.activation_date)
            changes[event.device_id.id].append((day, event.to_state_id.base_status))
        values = []
        for schedule in priced:
            line = schedule.contract_line_id
            prices = defaultdict(lambda line=line: line.price_unit)
            prices.update(
                {
                    row.base_status: row.price
                    for row in line.product_id.iot_status_price_ids
                    if row.base_status != "active"  # active: the price agreed on the line
                }
            )
            device_changes = changes.get(schedule.device_id.id, [])
            initial = "active"
            for day, status in device_changes:
                if day <= schedule.date_start:
                    initial = status
            days = schedule_core.status_days(
                schedule.date_start,
                schedule.date_end,
                initial,
                [(day, status) for day, status in device_changes if day > schedule.date_start],
            )
            amount = schedule_core.status_amount(
                schedule.date_start,
                schedule.date_end,
                schedule.ratio,
                days,
                prices,
                digits=schedule.currency_id.decimal_places,
            )
            values.append((schedule.id, amount))
        self._update_rows("iot_billing_schedule", [("recurring_amount", "numeric")], values)

    def _value_usage(self, schedules):
        """Value each period's usage under the company's invoiced calculators, and the
        late usage of earlier, invoiced periods of the same contract lines.

        Writes one ``iot.billing.usage`` row per schedule and calculator (set-based:
        one aggregation per calculator and period) and the schedules' usage totals.
        """
        self.env["iot.billing.usage"].flush_model()
        self.env.cr.execute(
            "DELETE FROM iot_billing_usage WHERE schedule_id = ANY(%s)", [schedules.ids]
        )
        calculators = self.env["iot.usage.calculator"].search(
            [("company_id", "=", self.company_id.id), ("product_id", "!=", False)]
        )
        currency = self.company_id.currency_id
        # (schedule, origin, device, calculator, quantity, amount, count, late, price lines)
        rows = []
        counts = {}
        Schedule = self.env["iot.billing.schedule"]
        # A late-only schedule carries earlier usage, not its own period's (the term ended).
        by_period = _group_ids(
            schedules.filtered("ratio"), lambda schedule: (schedule.date_start, schedule.date_end)
        )
        for (start, end), schedule_ids in by_period.items():
            period_schedules = Schedule.browse(schedule_ids)
            schedule_of = {schedule.device_id.id: schedule.id for schedule in period_schedules}
            devices = period_schedules.device_id
            for device_id, count in self._record_counts(devices.ids, start, end).items():
                counts[schedule_of[device_id]] = count
            for calculator in calculators:
                for result in self._rate(calculator, start, end, devices):
                    schedule_id = schedule_of[result["device_id"]]
                    rows.append(
                        (
                            schedule_id,
                            schedule_id,
                            result["device_id"],
                            calculator.id,
                            result["quantity"],
                            currency.round(result["amount"]),
                            result["record_count"],
                            False,
                            _price_lines(result["lines"]),
                        )
                    )
        rows += self._late_usage(schedules, calculators)
        self._insert_usage(rows)
        late_ids = {row[0] for row in rows if row[7]}
        totals = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for schedule_id, _origin, _device, _calc, quantity, amount, _count, late, _lines in rows:
            offset = 2 if late else 0
            totals[schedule_id][offset] += quantity
            totals[schedule_id][offset + 1] += amount
        self._update_rows(
            "iot_billing_schedule",
            [
                ("usage_quantity", "double precision"),
                ("usage_amount", "numeric"),
                ("adjustment_quantity", "double precision"),
                ("adjustment_amount", "numeric"),
                ("has_adjustment", "boolean"),
                ("usage_record_count", "integer"),
                ("state", "varchar"),
            ],
            [
                (
                    schedule_id,
                    *totals[schedule_id],
                    schedule_id in late_ids,
                    counts.get(schedule_id, 0),
                    "computed",
                )
                for schedule_id in schedules.ids
            ],
        )

    def _rate(self, calculator, start, end, devices):
        """Rate a period for these devices; the ratings are kept for usage analysis."""
        date_from = datetime.datetime.combine(start, datetime.time.min)
        date_to = datetime.datetime.combine(end + ONE_DAY, datetime.time.min)
        results = calculator._rate(date_from, date_to, devices=devices, store=False)
        self.env["iot.usage.rating"]._store(
            calculator, date_from, date_to, results, device_ids=devices.ids
        )
        return results

    def _record_counts(self, device_ids, start, end):
        """``{device id: usage records of the period}``, to notice late usage later."""
        self.env["iot.usage.record"].flush_model()
        self.env.cr.execute(
            """SELECT device_id, COUNT(*) FROM iot_usage_record
                WHERE device_id = ANY(%s) AND dtu >= %s AND dtu < %s AND state <> 'excluded'
                GROUP BY device_id""",
            [
                list(device_ids),
                datetime.datetime.combine(start, datetime.time.min),
                datetime.datetime.combine(end + ONE_DAY, datetime.time.min),
            ],
        )
        return dict(self.env.cr.fetchall())

    def _late_usage(self, schedules, calculators):
        """Adjustment rows for usage that arrived after its period was invoiced.

        An invoiced period whose record count changed since it was valued is valued
        again; the difference from what was billed for it (per calculator) goes to the
        contract line's schedule in this run, flagged as late usage.
        """
        months = self.company_id.iot_late_usage_months
        if months <= 0:
            return []
        target_of = {}
        for schedule in schedules.sorted("date_start"):
            target_of.setdefault(schedule.contract_line_id.id, schedule.id)
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT id, contract_line_id, device_id, date_start, date_end, records
                     FROM (%s) late""",
                self._late_periods_sql(SQL("o.contract_line_id = ANY(%s)", list(target_of))),
            )
        )
        late = cr.fetchall()
        if not late:
            return []
        cr.execute(
            """SELECT u.origin_schedule_id, u.calculator_id, SUM(u.quantity), SUM(u.amount),
                      jsonb_agg(u.price_lines)
                 FROM iot_billing_usage u JOIN iot_billing_schedule s ON s.id = u.schedule_id
                WHERE u.origin_schedule_id = ANY(%s) AND s.state = ANY(%s)
                GROUP BY 1, 2""",
            [[row[0] for row in late], list(self._billed_states())],
        )
        billed = {
            (origin, calculator): (quantity, float(amount), lines)
            for origin, calculator, quantity, amount, lines in cr.fetchall()
        }
        currency = self.company_id.currency_id
        rows, settled = [], []
        by_period = defaultdict(list)
        for origin_id, line_id, device_id, start, end, count in late:
            by_period[(start, end)].append((origin_id, line_id, device_id, count))
        for (start, end), origins in by_period.items():
            devices = self.env["iot.device"].browse([origin[2] for origin in origins])
            now = {}
            for calculator in calculators:
                for result in self._rate(calculator, start, end, devices):
                    now[(result["device_id"], calculator.id)] = (
                        result["quantity"],
                        currency.round(result["amount"]),
                        _price_lines(result["lines"]),
                    )
            for origin_id, line_id, device_id, count in origins:
                found = False
                for calculator in calculators:
                    current = now.get((device_id, calculator.id))
                    before = billed.get((origin_id, calculator.id))
                    if current is None and before is None:
                        continue
                    found = True
                    current, before = current or (0.0, 0.0, []), before or (0.0, 0.0, [])
                    rows.append(
                        (
                            target_of[line_id],
                            origin_id,
                            device_id,
                            calculator.id,
                            current[0] - before[0],
                            currency.round(current[1] - before[1]),
                            count,
                            True,
                            _late_price_lines(current[2], before[2]),
                        )
                    )
                if not found:
                    settled.append((origin_id, count))
        # Records that no calculator values have nothing to bill: the period is settled.
        self._update_rows("iot_billing_schedule", [("usage_record_count", "integer")], settled)
        return rows

    def _open_late_usage_schedules(self):
        """Late usage of a device whose term has ended has no next schedule to go to:
        give its contract line one for this run's period (no recurring amount, ratio 0),
        so that the usage is billed rather than lost."""
        months = self.company_id.iot_late_usage_months
        if months <= 0:
            return self.env["iot.billing.schedule"]
        contract_filter = SQL("TRUE")
        if self.contract_ids or self.partner_ids:
            contracts = self.env["contract.contract"].search(
                [("iot_fleet", "=", True), ("company_id", "=", self.company_id.id)]
                + ([("id", "in", self.contract_ids.ids)] if self.contract_ids else [])
                + (
                    [("partner_id", "child_of", self.partner_ids.commercial_partner_id.ids)]
                    if self.partner_ids
                    else []
                )
            )
            contract_filter = SQL("o.contract_id = ANY(%s)", contracts.ids)
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT contract_line_id, contract_id, partner_id, device_id,
                          currency_id,
                          (SELECT MAX(n.sequence) FROM iot_billing_schedule n
                            WHERE n.contract_line_id = late.contract_line_id)
                     FROM (%s) late
                    WHERE NOT EXISTS (
                          SELECT 1 FROM iot_billing_schedule n
                           WHERE n.contract_line_id = late.contract_line_id
                             AND n.date_end >= %s)""",
                self._late_periods_sql(
                    SQL("o.company_id = %s AND %s", self.company_id.id, contract_filter)
                ),
                self.date_from,
            )
        )
        return self.env["iot.billing.schedule"]._insert_rows(
            [
                (
                    line_id,
                    contract_id,
                    partner_id,
                    device_id,
                    self.company_id.id,
                    currency_id,
                    sequence + 1,
                    self.date_from,
                    self.date_to,
                    0.0,
                    0.0,
                    "open",
                )
                for line_id, contract_id, partner_id, device_id, currency_id, sequence in (
                    self.env.cr.fetchall()
                )
            ]
        )

    def _late_periods_sql(self, where):
        """The invoiced periods (of schedules ``o`` matching ``where``) within the late
        usage window before this run whose record count changed since they were valued,
        with their current count as ``records``. A late-only schedule (ratio 0, after
        the term) is never one: its own period is not billed."""
        self.env["iot.billing.schedule"].flush_model()
        self.env["iot.usage.record"].flush_model()
        return SQL(
            """SELECT * FROM (
                   SELECT o.id, o.contract_line_id, o.contract_id, o.partner_id, o.device_id,
                          o.currency_id, o.sequence, o.date_start, o.date_end,
                          COALESCE(o.usage_record_count, 0) AS counted,
                          (SELECT COUNT(*) FROM iot_usage_record r
                            WHERE r.device_id = o.device_id AND r.dtu >= o.date_start
                              AND r.dtu < o.date_end + 1 AND r.state <> 'excluded') AS records
                     FROM iot_billing_schedule o
                    WHERE %s AND o.state = ANY(%s) AND o.ratio > 0
                      AND o.date_end < %s AND o.date_end >= %s
               ) periods WHERE records <> counted""",
            where,
            list(self._billed_states()),
            self.date_from,
            schedule_core.add_months(self.date_from, -self.company_id.iot_late_usage_months),
        )

    def _insert_usage(self, rows):
        if not rows:
            return
        uid = int(self.env.uid)
        execute_values(
            self.env.cr._obj,
            """INSERT INTO iot_billing_usage
                   (schedule_id, origin_schedule_id, device_id, calculator_id, quantity,
                    amount, record_count, is_adjustment, price_lines, company_id,
                    create_uid, create_date, write_uid, write_date)
               VALUES %s""",
            [(*row[:8], json.dumps(row[8])) for row in rows],
            template=f"(%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, {int(self.company_id.id)}, "
            f"{uid}, now() at time zone 'UTC', {uid}, now() at time zone 'UTC')",
            page_size=10000,
        )
        self.env["iot.billing.usage"].invalidate_model()
        self.env["iot.billing.schedule"].invalidate_model(["usage_ids"])

    def _update_rows(self, table, columns, values):
        """One UPDATE for many rows: ``values`` are ``(id, *columns)``."""
        if not values:
            return
        model = self.env[
            {
                "iot_billing_schedule": "iot.billing.schedule",
                "iot_billing_usage": "iot.billing.usage",
            }[table]
        ]
        model.flush_model()
        names = [name for name, _kind in columns]
        assignments = [f"{name} = v.{name}" for name in names]
        if table == "iot_billing_schedule" and set(names) & set(AMOUNT_PARTS):
            # The stored total follows its parts, in the same statement: each part is
            # the new value when this update sets it, else the row's.
            assignments.append(
                "amount_total = "
                + " + ".join(
                    f"COALESCE({'v' if part in names else 't'}.{part}, 0)" for part in AMOUNT_PARTS
                )
            )
        execute_values(
            self.env.cr._obj,
            f"""UPDATE {table} t SET {", ".join(assignments)}
                  FROM (VALUES %s) AS v(id, {", ".join(names)})
                 WHERE t.id = v.id""",
            values,
            template="(%s, " + ", ".join(f"%s::{kind}" for _name, kind in columns) + ")",
            page_size=10000,
        )
        model.invalidate_model()

    def _value_charges(self, schedules):
        """One-time charges of the devices' transitions within each schedule's period."""
        first_day = min(schedules.mapped("date_start"))
        last_day = max(schedules.mapped("date_end")) + ONE_DAY
        events = (
            self.env["iot.device.event"]
            .sudo()
            .search(
                [
                    ("device_id", "in", schedules.device_id.ids),
                    ("charge_product_id", "!=", False),
                    ("date", ">=", datetime.datetime.combine(first_day, datetime.time.min)),
                    ("date", "<", datetime.datetime.combine(last_day, datetime.time.min)),
                ]
            )
        )
        by_device = defaultdict(list)
        for event in events:
            by_device[event.device_id.id].append(event)
        charges = {}
        for schedule in schedules:
            found = [
                event
                for event in by_device.get(schedule.device_id.id, [])
                if schedule.date_start <= event.date.date() <= schedule.date_end
            ]
            if found:
                charges[schedule.id] = found
        self._update_rows(
            "iot_billing_schedule",
            [("charge_amount", "numeric")],
            [
                (schedule.id, sum(event.charge_amount for event in charges.get(schedule.id, [])))
                for schedule in schedules
                if schedule.id in charges or schedule.charge_amount
            ],
        )
        return charges

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def _invoice_key(self, contract):
        """Contracts with the same key share an invoice."""
        if not self._consolidates(contract):
            return contract.id
        return tuple(sorted(self._invoice_key_parts(contract).items()))

    def _consolidates(self, contract):
        """Whether the contract may share an invoice with others."""
        return self.consolidate or contract.iot_consolidate

    def _invoice_key_parts(self, contract):
        """``{name: id}`` of what consolidated contracts must have in common to share an
        invoice: its addressee, currency, journal, fiscal position and payment terms (as
        the contract's own invoice would have them). Extend it with what else splits
        invoices."""
        return {
            "partner": contract.invoice_partner_id.id,
            "currency": contract.currency_id.id,
            "journal": contract.journal_id.id,
            "fiscal_position": contract._iot_invoice_fiscal_position().id,
            "payment_term": contract._iot_invoice_payment_term().id,
        }


PRICE_LINE_FIELDS = ("kind", "lower", "upper", "band", "size", "price")


def _price_lines(lines):
    """``core.pricing.PriceLine`` parts as stored on billed usage (JSON)."""
    return [
        {
            "kind": line.kind,
            "lower": line.lower,
            "upper": line.upper,
            "band": line.band,
            "size": line.size,
            "price": line.unit_price,
            "quantity": line.quantity,
        }
        for line in lines
    ]


def _late_price_lines(current, billed):
    """What late usage adds to each part of a period's price: its parts now, less those
    billed already (``billed``: the stored lists of each billed row)."""
    quantities = defaultdict(float)
    for line in current:
        quantities[tuple(line[name] for name in PRICE_LINE_FIELDS)] += line["quantity"]
    for lines in billed:
        for line in lines or []:
            quantities[tuple(line.get(name) for name in PRICE_LINE_FIELDS)] -= line["quantity"]
    return [
        dict(zip(PRICE_LINE_FIELDS, key, strict=True), quantity=round(quantity, 9))
        for key, quantity in quantities.items()
        if round(quantity, 9)
    ]


def _group_ids(records, key):
    """``{key(record): [ids]}``, in one pass (unions of recordsets in a loop are quadratic)."""
    groups = defaultdict(list)
    for record in records:
        groups[key(record)].append(record.id)
    return groups


class IotBillingRunError(models.Model):
    _name = "iot.billing.run.error"
    _description = "Billing Run Error"

    run_id = fields.Many2one("iot.billing.run", required=True, ondelete="cascade")
    contract_id = fields.Many2one("contract.contract")
    message = fields.Text()
