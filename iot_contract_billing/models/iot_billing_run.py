import datetime
from collections import defaultdict

from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

ONE_DAY = datetime.timedelta(days=1)
# Contracts billed by one queue job; a run of more contracts is split into jobs.
CONTRACTS_PER_JOB = 50


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
    invoice_date = fields.Date(help="Default: the period end.")
    post_invoices = fields.Boolean(default=True)
    consolidate = fields.Boolean(
        string="One Invoice per Customer",
        help="Consolidate a customer's fleet contracts (same currency) into one invoice; "
        "otherwise one invoice per contract.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done")],
        default="draft",
        required=True,
        tracking=True,
    )
    invoice_ids = fields.Many2many("account.move", string="Invoices", readonly=True, copy=False)
    invoice_count = fields.Integer(compute="_compute_totals")
    amount_total = fields.Monetary(compute="_compute_totals", currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    schedule_count = fields.Integer(readonly=True)
    contract_count = fields.Integer(readonly=True)
    error_ids = fields.One2many("iot.billing.run.error", "run_id", readonly=True)

    @api.depends("invoice_ids.amount_total")
    def _compute_totals(self):
        for run in self:
            run.invoice_count = len(run.invoice_ids)
            run.amount_total = sum(run.invoice_ids.mapped("amount_total"))

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for run in self:
            if run.date_to < run.date_from:
                raise ValidationError(_("The period ends before it starts."))

    def action_run(self):
        for run in self:
            run._run()
        return True

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------

    def _schedules_to_bill(self):
        return self.env["iot.billing.schedule"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("date_start", ">=", self.date_from),
                ("date_start", "<=", self.date_to),
                ("state", "in", ("planned", "open", "computed")),
                ("invoice_line_id", "=", False),
            ]
        )

    def _run(self):
        """Bill the period: at once, or in ``queue_job`` jobs of contracts when large."""
        self.ensure_one()
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

    def _run_contracts(self, contract_ids):
        """Bill these contracts' open schedules of the period. Idempotent: what is
        invoiced already is not selected again, so a job run twice, or a run started
        again after a crash between jobs, bills nothing twice and leaves nothing out."""
        self.ensure_one()
        schedules = self._schedules_to_bill().filtered(
            lambda schedule: schedule.contract_id.id in set(contract_ids)
        )
        invoices = self.env["account.move"]
        if schedules:
            usage = self._value_usage(schedules)
            charges = self._value_charges(schedules)
            Schedule = self.env["iot.billing.schedule"]
            by_invoice = _group_ids(
                schedules, lambda schedule: self._invoice_key(schedule.contract_id)
            )
            for schedule_ids in by_invoice.values():
                invoice_schedules = Schedule.browse(schedule_ids)
                contracts = invoice_schedules.contract_id
                try:
                    with self.env.cr.savepoint():
                        invoices |= self._invoice_contract(
                            contracts, invoice_schedules, usage, charges
                        )
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
                }
            )
        if not self._schedules_to_bill() - self._failed_schedules():
            self.state = "done"
        return invoices

    def _failed_schedules(self):
        return self._schedules_to_bill().filtered(
            lambda schedule: schedule.contract_id in self.error_ids.contract_id
        )

    def _value_usage(self, schedules):
        """Rate each period's devices under the company's invoiced calculators.

        Returns ``{schedule id: [(calculator, quantity, amount)]}`` and writes the
        schedules' usage totals.
        """
        calculators = self.env["iot.usage.calculator"].search(
            [("company_id", "=", self.company_id.id), ("product_id", "!=", False)]
        )
        Schedule = self.env["iot.billing.schedule"]
        by_period = _group_ids(schedules, lambda schedule: (schedule.date_start, schedule.date_end))
        usage = defaultdict(list)
        for (start, end), schedule_ids in by_period.items():
            period_schedules = Schedule.browse(schedule_ids)
            schedule_of = {schedule.device_id.id: schedule.id for schedule in period_schedules}
            date_from = datetime.datetime.combine(start, datetime.time.min)
            date_to = datetime.datetime.combine(end + ONE_DAY, datetime.time.min)
            for calculator in calculators:
                for result in calculator._rate(
                    date_from, date_to, devices=period_schedules.device_id
                ).read(["device_id", "quantity", "amount"], load=None):
                    usage[schedule_of[result["device_id"]]].append(
                        (calculator, result["quantity"], result["amount"])
                    )
        self._update_schedules(
            [
                (
                    schedule_id,
                    sum(quantity for _c, quantity, _a in usage.get(schedule_id, [])),
                    sum(amount for _c, _q, amount in usage.get(schedule_id, [])),
                )
                for schedule_id in schedules.ids
            ],
            "usage_quantity = v.quantity, usage_amount = v.amount, state = 'computed'",
        )
        return usage

    def _update_schedules(self, values, assignments):
        """One UPDATE for many schedules: ``values`` are ``(id, quantity, amount)``."""
        Schedule = self.env["iot.billing.schedule"]
        Schedule.flush_model()
        execute_values(
            self.env.cr._obj,
            f"""UPDATE iot_billing_schedule s SET {assignments}
                  FROM (VALUES %s) AS v(id, quantity, amount)
                 WHERE s.id = v.id""",
            values,
            template="(%s, %s::double precision, %s::numeric)",
            page_size=10000,
        )
        # The stored total follows its parts (an UPDATE reads the columns as they were).
        self.env.cr.execute(
            """UPDATE iot_billing_schedule
                  SET amount_total = recurring_amount + COALESCE(usage_amount, 0)
                                     + COALESCE(charge_amount, 0)
                WHERE id = ANY(%s)""",
            [[row[0] for row in values]],
        )
        Schedule.invalidate_model()

    def _value_charges(self, schedules):
        """One-time charges of the devices' transitions within each schedule's period."""
        events = (
            self.env["iot.device.event"]
            .sudo()
            .search(
                [
                    ("device_id", "in", schedules.device_id.ids),
                    ("charge_product_id", "!=", False),
                    ("date", ">=", datetime.datetime.combine(self.date_from, datetime.time.min)),
                    (
                        "date",
                        "<",
                        datetime.datetime.combine(self.date_to + ONE_DAY, datetime.time.min),
                    ),
                ]
            )
        )
        by_device = defaultdict(list)
        for event in events:
            by_device[event.device_id.id].append(event)
        charges = {}
        if not by_device:
            return charges
        for schedule in schedules:
            found = [
                event
                for event in by_device.get(schedule.device_id.id, [])
                if schedule.date_start <= event.date.date() <= schedule.date_end
            ]
            if found:
                charges[schedule.id] = found
        self._update_schedules(
            [
                (schedule_id, 0.0, sum(event.charge_amount for event in found))
                for schedule_id, found in charges.items()
            ],
            "charge_amount = v.amount",
        )
        return charges

    def _invoice_key(self, contract):
        """Contracts with the same key share an invoice."""
        if not self.consolidate:
            return contract.id
        return (contract.invoice_partner_id.id, contract.currency_id.id, contract.journal_id.id)

    def _invoice_contract(self, contracts, schedules, usage, charges):
        """One invoice for the contracts (one, or a customer's when consolidating), its
        lines grouped: a few lines, not thousands."""
        invoice_date = self.invoice_date or self.date_to
        contracts = contracts.sorted("id")
        vals = contracts[0]._prepare_invoice(invoice_date)
        if len(contracts) > 1:
            vals["invoice_origin"] = ", ".join(contracts.mapped("name"))
        Schedule = self.env["iot.billing.schedule"]
        recurring = _group_ids(
            schedules,
            lambda schedule: (schedule.contract_line_id.product_id, schedule.recurring_amount),
        )
        lines, line_schedules = [], []
        for (product, amount), group_ids in recurring.items():
            group = Schedule.browse(group_ids)
            lines.append(
                {
                    "product_id": product.id,
                    "name": _(
                        "%(product)s - %(count)s devices x %(amount)s",
                        product=product.display_name,
                        count=f"{len(group):,}",
                        amount=f"{amount:,.2f}",
                    ),
                    "quantity": len(group),
                    "price_unit": amount,
                }
            )
            line_schedules.append(group)
        by_calculator = defaultdict(lambda: [0.0, 0.0])
        for schedule in schedules:
            for calculator, quantity, amount in usage.get(schedule.id, []):
                by_calculator[calculator][0] += quantity
                by_calculator[calculator][1] += amount
        for calculator, (quantity, amount) in by_calculator.items():
            if not amount:
                continue
            lines.append(
                {
                    "product_id": calculator.product_id.id,
                    "name": f"{calculator.name} - {_quantity(quantity)} {calculator.unit}",
                    "quantity": 1,
                    "price_unit": round(amount, contracts.currency_id.decimal_places),
                }
            )
            line_schedules.append(None)
        by_charge = defaultdict(float)
        for schedule in schedules:
            for event in charges.get(schedule.id, []):
                by_charge[(event.charge_product_id, event.charge_amount)] += 1
        for (product, amount), count in by_charge.items():
            lines.append(
                {
                    "product_id": product.id,
                    "name": _(
                        "%(product)s x %(count)s", product=product.display_name, count=int(count)
                    ),
                    "quantity": count,
                    "price_unit": amount,
                }
            )
            line_schedules.append(None)
        vals["invoice_line_ids"] = [fields.Command.create(line) for line in lines]
        invoice = self.env["account.move"].create(vals)
        links = [
            (schedule_id, line.id)
            for line, group in zip(invoice.invoice_line_ids, line_schedules, strict=True)
            if group is not None
            for schedule_id in group.ids
        ]
        Schedule.flush_model()
        execute_values(
            self.env.cr._obj,
            """UPDATE iot_billing_schedule s SET invoice_line_id = v.line_id, state = 'invoiced'
                 FROM (VALUES %s) AS v(id, line_id) WHERE s.id = v.id""",
            links,
            page_size=10000,
        )
        Schedule.invalidate_model()
        if self.post_invoices:
            invoice.action_post()
            file_format = self.company_id.iot_attach_detail
            if file_format:
                filename, mimetype, content = invoice._iot_detail_file(file_format)
                self.env["ir.attachment"].create(
                    {
                        "name": filename,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": "account.move",
                        "res_id": invoice.id,
                    }
                )
        return invoice


def _quantity(value):
    """1234567.5 -> '1,234,567.5': thousands separators, no needless decimals."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


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
