import calendar
import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IotBillingRunWizard(models.TransientModel):
    """Start billing runs: a period (or the month of a date), some companies, and
    optionally some contracts or customers; preview without invoicing, or bill."""

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
    preview = fields.Boolean(
        string="Preview Only", help="Value the schedules and show the amounts; no invoices."
    )
    post_invoices = fields.Boolean(default=True)
    consolidate = fields.Boolean(string="One Invoice per Customer")
    invoice_date = fields.Date(help="Default: the period end.")

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

    def action_start(self):
        """One run per company; a company with nothing due is reported, not run."""
        self.ensure_one()
        date_from, date_to = self._period()
        Run = self.env["iot.billing.run"]
        runs, idle = Run, []
        for company in self.company_ids:
            run = Run.with_company(company).create(
                {
                    "name": _(
                        "%(kind)s %(start)s to %(end)s",
                        kind=_("Preview") if self.preview else _("Billing run"),
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
                    "preview": self.preview,
                    "post_invoices": self.post_invoices,
                    "consolidate": self.consolidate,
                    "invoice_date": self.invoice_date,
                }
            )
            if self.contract_ids and not run.contract_ids:
                run.unlink()
                continue
            run._prepare_schedules()
            if not run._schedules_to_bill():
                idle.append(company.name)
                run.unlink()
                continue
            run._bill()
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
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_contract_billing.iot_billing_run_action"
        )
        if len(runs) == 1:
            action.update({"res_id": runs.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", runs.ids)]
        return action
