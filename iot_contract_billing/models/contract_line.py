from odoo import fields, models

from ..core import schedule as schedule_core


class ContractLine(models.Model):
    _inherit = "contract.line"

    iot_device_id = fields.Many2one(
        "iot.device", string="Device", index="btree_not_null", ondelete="restrict"
    )
    iot_schedule_ids = fields.One2many(
        "iot.billing.schedule", "contract_line_id", string="Invoicing Schedules"
    )
    iot_term_months = fields.Integer(string="Term (months)")
    iot_awaiting_first_use = fields.Boolean(
        string="Awaiting First Use",
        index=True,
        help="Billed on first use: no schedules until the device is first used.",
    )

    def _iot_generate_schedules(self, date_start):
        """The invoicing schedules of these device lines (one contract, one plan price
        and term per call's groups) from ``date_start`` for their term, in one batch."""
        Schedule = self.env["iot.billing.schedule"].sudo()
        today = fields.Date.context_today(self)
        values = []
        for (contract, price, term), lines in self.grouped(
            lambda line: (line.contract_id, line.price_unit, line.iot_term_months or 12)
        ).items():
            currency = contract.currency_id
            periods = schedule_core.billing_periods(
                date_start,
                term,
                price,
                interval_months=1,
                alignment=contract.iot_billing_alignment or "calendar",
                digits=currency.decimal_places,
            )
            values += [
                {
                    "contract_line_id": line.id,
                    "device_id": line.iot_device_id.id,
                    "company_id": contract.company_id.id,
                    "currency_id": currency.id,
                    "sequence": number,
                    "date_start": period.start,
                    "date_end": period.end,
                    "ratio": period.ratio,
                    "recurring_amount": period.amount,
                    "state": "open" if period.start <= today <= period.end else "planned",
                }
                for line in lines
                for number, period in enumerate(periods, start=1)
            ]
        return Schedule.create(values)
