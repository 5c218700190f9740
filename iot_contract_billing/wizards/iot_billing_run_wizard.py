import calendar
import datetime
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IotBillingRunWizard(models.TransientModel):
    """Start billing runs: a period (the last finished month by default), some
    companies, optionally some contracts or customers; preview what would be invoiced
    per customer, then create draft invoices, or create and post them."""

    _name = "iot.billing.run.wizard"
    _description = "Start a Billing Run"

    period_mode = fields.Selection(
        [("month", "The month of a date"), ("period", "A period")],
        default="month",
        required=True,
    )
    date = fields.Date(default=lambda self: self._default_date())
    date_from = fields.Date(string="Period Start")
    date_to = fields.Date(string="Period End")
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
        required=True,
    )
    contract_ids = fields.Many2many(
        "contract.contract", string="Contracts", domain="[('iot_fleet', '=', True)]"
    )
    partner_ids = fields.Many2many("res.partner", string="Customers")
    consolidate = fields.Boolean(string="One Invoice per Customer")
    invoice_date = fields.Date(help="Default: the period end.")
    step = fields.Selection(
        [("choose", "Choose"), ("preview", "Preview")], default="choose", required=True
    )
    preview_line_ids = fields.One2many(
        "iot.billing.run.wizard.line", "wizard_id", string="Preview", readonly=True
    )

    @api.model
    def _default_date(self):
        """The last finished month: the current one still has usage to come."""
        return fields.Date.context_today(self).replace(day=1) - datetime.timedelta(days=1)

    @api.onchange("date", "period_mode")
    def _onchange_date(self):
        if self.period_mode == "month" and self.date:
            self.date_from, self.date_to = self._month_of(self.date)

    @staticmethod
    def _month_of(day):
        return (
            day.replace(day=1),
            day.replace(day=calendar.monthrange(day.year, day.month)[1]),
        )

    def _period(self):
        if self.period_mode == "month":
            if not self.date:
                raise UserError(_("Give a date: the run bills its month."))
            return self._month_of(self.date)
        if not (self.date_from and self.date_to):
            raise UserError(_("Give the period's start and end."))
        if self.date_to < self.date_from:
            raise UserError(_("The period ends before it starts."))
        return self.date_from, self.date_to

    def _run_values(self, company, date_from, date_to, post):
        return {
            "name": _(
                "%(kind)s %(start)s to %(end)s",
                kind=_("Billing run") if post else _("Draft billing run"),
                start=date_from,
                end=date_to,
            ),
            "company_id": company.id,
            "date_from": date_from,
            "date_to": date_to,
            "contract_ids": [
                fields.Command.set(
                    self.contract_ids.filtered(lambda c, co=company: c.company_id == co).ids
                )
            ],
            "partner_ids": [fields.Command.set(self.partner_ids.ids)],
            "post_invoices": post,
            "consolidate": self.consolidate,
            "invoice_date": self.invoice_date,
        }

    def _start_runs(self, post):
        """One run per company with something to bill, ready to bill:
        ``(runs, names of the companies with nothing due)``."""
        self.env["iot.billing.run"]._check_billing_role()
        date_from, date_to = self._period()
        Run = self.env["iot.billing.run"]
        runs, idle = Run, []
        for company in self.company_ids:
            run = Run.with_company(company).create(
                self._run_values(company, date_from, date_to, post)
            )
            if self.contract_ids and not run.contract_ids:
                run.unlink()
                continue
            run._prepare_schedules()
            if not run._schedules_to_bill():
                idle.append(company.name)
                run.unlink()
                continue
            runs |= run
        if not runs:
            raise UserError(
                _(
                    "There is nothing to bill from %(start)s to %(end)s for %(companies)s: "
                    "no open schedules.",
                    start=date_from,
                    end=date_to,
                    companies=", ".join(idle) or _("the chosen contracts"),
                )
            )
        return runs

    def _preview_rows(self):
        """What the runs would invoice, per company and customer: the runs are made,
        valued and invoiced (drafts) in a savepoint that is rolled back, so that the
        figures are those of the real invoices - lines, taxes, fiscal positions - and
        nothing is kept: no run, invoice, valuation or started first use."""
        rows = {}
        errors = []
        with self.env.cr.savepoint() as savepoint:
            for run in self._start_runs(post=False):
                invoices = run.with_context(iot_billing_inline=True)._run_contracts(
                    run._schedules_to_bill().contract_id.ids
                )
                devices_of = defaultdict(set)
                for schedule in self.env["iot.billing.schedule"].search(
                    [("invoice_line_id.move_id", "in", invoices.ids)]
                ):
                    devices_of[schedule.invoice_line_id.move_id.id].add(schedule.device_id.id)
                for invoice in invoices:
                    row = rows.setdefault(
                        (run.company_id.id, invoice.partner_id.id),
                        {"devices": set(), "amount": 0.0, "lines": 0, "invoices": 0},
                    )
                    row["devices"] |= devices_of[invoice.id]
                    row["amount"] += invoice.amount_untaxed
                    row["lines"] += len(
                        invoice.invoice_line_ids.filtered(
                            lambda line: line.display_type == "product"
                        )
                    )
                    row["invoices"] += 1
                errors += [
                    (run.company_id.id, error.contract_id.partner_id.id, error.message)
                    for error in run.error_ids
                ]
            savepoint.rollback()
        values = [
            {
                "company_id": company_id,
                "partner_id": partner_id,
                "device_count": len(row["devices"]),
                "amount_untaxed": row["amount"],
                "line_count": row["lines"],
                "invoice_count": row["invoices"],
            }
            for (company_id, partner_id), row in rows.items()
        ]
        values += [
            {"company_id": company_id, "partner_id": partner_id, "error": message}
            for company_id, partner_id, message in errors
        ]
        return values

    def action_preview(self):
        """Show what the run would invoice, per customer; nothing is created."""
        self.ensure_one()
        values = self._preview_rows()
        self.write(
            {
                "step": "preview",
                "preview_line_ids": [fields.Command.clear()]
                + [fields.Command.create(row) for row in values],
            }
        )
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.write({"step": "choose", "preview_line_ids": [fields.Command.clear()]})
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": _("Start a Billing Run"),
        }

    def action_create_draft(self):
        """Bill the period into draft invoices, left for an accountant to post."""
        return self._bill(post=False)

    def action_create_post(self):
        """Bill the period and post the invoices."""
        return self._bill(post=True)

    def _bill(self, post):
        self.ensure_one()
        runs = self._start_runs(post)
        for run in runs:
            run._bill()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_contract_billing.iot_billing_run_action"
        )
        if len(runs) == 1:
            action.update({"res_id": runs.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", runs.ids)]
        return action
