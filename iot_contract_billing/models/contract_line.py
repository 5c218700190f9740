from odoo import fields, models

from ..core import schedule as schedule_core


class ContractLine(models.Model):
    _inherit = "contract.line"

    iot_device_id = fields.Many2one(
        "iot.device", string="Device", index="btree_not_null", ondelete="restrict"
    )
    iot_schedule_ids = fields.One2many(
        "iot.billing.schedule",
        "contract_line_id",
        string="Invoicing Schedules",
        groups="iot_fleet.group_iot_user",
    )
    iot_term_months = fields.Integer(string="Term (months)")
    iot_awaiting_first_use = fields.Boolean(
        string="Awaiting First Use",
        index=True,
        help="Billed on first use: no schedules until the device is first used.",
    )

    def _iot_generate_schedules(self, date_start):
        """The invoicing schedules of these device lines from ``date_start`` for their
        term: one INSERT for the lot (a large fleet has 12 per device)."""
        Schedule = self.env["iot.billing.schedule"]
        today = fields.Date.context_today(self)
        rows = []
        for (contract, price, term, interval), lines in self.grouped(
            lambda line: (
                line.contract_id,
                line.price_unit,
                line.iot_term_months or 12,
                line.recurring_interval or 1,
            )
        ).items():
            currency = contract.currency_id
            periods = schedule_core.billing_periods(
                date_start,
                term,
                price,
                interval_months=interval,
                alignment=contract.iot_billing_alignment or "calendar",
                digits=currency.decimal_places,
            )
            rows += [
                (
                    line.id,
                    contract.id,
                    contract.partner_id.id,
                    line.iot_device_id.id,
                    contract.company_id.id,
                    currency.id,
                    number,
                    period.start,
                    period.end,
                    period.ratio,
                    period.amount,
                    "open" if period.start <= today <= period.end else "planned",
                )
                for line in lines
                for number, period in enumerate(periods, start=1)
            ]
        schedules = Schedule._insert_rows(rows)
        self.invalidate_recordset(["iot_schedule_ids"])
        self.iot_device_id.invalidate_recordset(["billing_schedule_ids"])
        return schedules
