import datetime

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import format_date

# The billing runs the overview lists.
LAST_RUNS = 5
# The months of the activation chart, this one included.
ACTIVATION_MONTHS = 12


class IotOverview(models.AbstractModel):
    """The figures of the IoT > Overview dashboard, as plain data.

    Read as the user, with their companies: each figure is one grouped query, and each
    comes with the domain of the list it summarises, which the dashboard opens on click.
    """

    _name = "iot.overview"
    _description = "IoT Overview"

    @api.model
    def get_overview(self):
        if not self.env.user.has_group("iot_fleet.group_iot_user"):
            raise AccessError(_("The IoT overview is for IoT users."))
        today = fields.Date.context_today(self)
        return {
            "devices": self._overview_devices(),
            "activations": self._overview_activations(today),
            "usage": self._overview_usage(today),
            "revenue": self._overview_revenue(today),
            "runs": self._overview_runs(),
        }

    def _overview_devices(self):
        labels = dict(
            self.env["iot.device"]._fields["base_status"]._description_selection(self.env)
        )
        counts = dict(self.env["iot.device"]._read_group([], ["base_status"], ["__count"]))
        return {
            "name": _("Connected Objects"),
            "total": sum(counts.values()),
            "statuses": [
                {
                    "status": status,
                    "label": label,
                    "count": counts.get(status, 0),
                    "domain": [("base_status", "=", status)],
                }
                for status, label in labels.items()
            ],
        }

    def _overview_activations(self, today):
        first = today.replace(day=1) - relativedelta(months=ACTIVATION_MONTHS - 1)
        counts = {
            month.date() if isinstance(month, datetime.datetime) else month: count
            for month, count in self.env["iot.device"]._read_group(
                [("activation_date", ">=", first)], ["activation_date:month"], ["__count"]
            )
        }
        months = []
        for offset in range(ACTIVATION_MONTHS):
            start = first + relativedelta(months=offset)
            end = start + relativedelta(months=1)
            months.append(
                {
                    "label": format_date(self.env, start, date_format="MMM yy"),
                    "title": format_date(self.env, start, date_format="MMMM yyyy"),
                    "count": counts.get(start, 0),
                    "domain": [
                        ("activation_date", ">=", fields.Date.to_string(start)),
                        ("activation_date", "<", fields.Date.to_string(end)),
                    ],
                }
            )
        return {"months": months, "max": max(month["count"] for month in months)}

    def _overview_usage(self, today):
        """Last month's billed consumption, one row per unit and calculator."""
        end = today.replace(day=1)
        start = end - relativedelta(months=1)
        period = [
            ("date", ">=", fields.Date.to_string(start)),
            ("date", "<", fields.Date.to_string(end)),
        ]
        groups = self.env["iot.usage.analysis"]._read_group(
            period,
            ["unit", "calculator_id", "currency_id"],
            ["quantity:sum", "amount:sum"],
            order="unit, calculator_id",
        )
        return {
            "name": _("Usage Analysis"),
            "period": format_date(self.env, start, date_format="MMMM yyyy"),
            "domain": period,
            "rows": [
                {
                    "unit": unit,
                    "calculator_id": calculator.id,
                    "calculator": calculator.display_name,
                    "quantity": quantity,
                    "amount": amount,
                    "currency_id": currency.id,
                    "domain": period + [("calculator_id", "=", calculator.id), ("unit", "=", unit)],
                }
                for unit, calculator, currency, quantity, amount in groups
            ],
        }

    def _overview_revenue(self, today):
        """What the active fleet contract lines bring in a month (OCA contract's monthly
        equivalent of each line's price), per company.

        IoT users read each device's recurring amount on its invoicing schedules, not
        the contracts themselves: the total of their companies' lines is read with
        elevated rights, and the card opens the list of what they may read."""
        day = fields.Date.to_string(today)
        domain = [
            ("contract_id.iot_fleet", "=", True),
            ("company_id", "in", self.env.companies.ids),
            ("display_type", "=", False),
            ("is_canceled", "=", False),
            ("date_start", "<=", day),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", day),
        ]
        groups = (
            self.env["contract.line"]
            .sudo()
            ._read_group(domain, ["company_id"], ["monthly_recurring:sum", "__count"])
        )
        if self.env["contract.line"].has_access("read"):
            action = {
                "res_model": "contract.line",
                "domain": domain,
                "name": _("Active Fleet Contract Lines"),
            }
        else:
            action = {
                "res_model": "iot.billing.schedule",
                "domain": [("date_start", "<=", day), ("date_end", ">=", day)],
                "name": _("Current Invoicing Schedules"),
            }
        return {
            "rows": [
                {
                    "company": company.name,
                    "amount": amount,
                    "currency_id": company.currency_id.id,
                    "lines": count,
                }
                for company, amount, count in groups
            ],
            "action": action,
        }

    def _overview_runs(self):
        runs = self.env["iot.billing.run"].search([], limit=LAST_RUNS)
        states = dict(runs._fields["state"]._description_selection(self.env))
        return [
            {
                "id": run.id,
                "name": run.name,
                "period": _(
                    "%(start)s to %(end)s",
                    start=format_date(self.env, run.date_from),
                    end=format_date(self.env, run.date_to),
                ),
                "state": run.state,
                "state_label": states[run.state],
                "preview": run.preview,
                "invoice_count": run.invoice_count,
                "amount_total": run.amount_total,
                "computed_amount": run.computed_amount,
                "currency_id": run.currency_id.id,
            }
            for run in runs
        ]
