from odoo import _, api, models
from odoo.exceptions import UserError

from ..models.iot_billing_run import PRICE_LINE_FIELDS


class IotUsageStatementReport(models.AbstractModel):
    """The usage statement of fleet invoices: per device and period, what was billed -
    the plan, each calculator's quantity in its unit, late usage and one-time charges -
    with prices and amounts, then the invoice's totals.

    Whoever may read the invoice may print it (an accountant holds no IoT group): the
    invoices are read as the user, their fleet detail with elevated rights.
    """

    _name = "report.iot_contract_billing.report_iot_usage_statement"
    _description = "Fleet Usage Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        invoices = self.env["account.move"].browse(docids)
        invoices.check_access("read")
        statements = {invoice.id: self._statement(invoice) for invoice in invoices}
        return {
            "doc_ids": docids,
            "doc_model": "account.move",
            "docs": invoices,
            "statements": statements,
        }

    def _statement(self, invoice):
        """``[{"device", "name", "lines": [...], "total"}]``, one entry per device."""
        schedules = (
            self.env["iot.billing.schedule"]
            .sudo()
            .search(
                [("invoice_line_id.move_id", "=", invoice.id)],
                order="device_id, date_start",
            )
        )
        if not schedules:
            raise UserError(
                _("The invoice %(name)s has no fleet usage to state.", name=invoice.display_name)
            )
        explanations = self._explanations(schedules)
        devices = {}
        for schedule in schedules:
            device = schedule.device_id
            entry = devices.setdefault(
                device.id,
                {
                    "device": device.identifier,
                    "name": device.name if device.name != device.identifier else "",
                    "lines": [],
                    "total": 0.0,
                },
            )
            lines = self._schedule_lines(schedule, explanations)
            entry["lines"] += lines
            entry["total"] += sum(line["amount"] for line in lines)
        return list(devices.values())

    def _explanations(self, schedules):
        """How each usage quantity was priced, from the ratings of the periods:
        ``{(device id, calculator id, date_start): explanation}``."""
        usages = schedules.usage_ids
        if not usages:
            return {}
        ratings = (
            self.env["iot.usage.rating"]
            .sudo()
            .search(
                [
                    ("device_id", "in", usages.device_id.ids),
                    ("calculator_id", "in", usages.calculator_id.ids),
                    ("date_from", ">=", min(usages.origin_schedule_id.mapped("date_start"))),
                ]
            )
        )
        return {
            (
                rating.device_id.id,
                rating.calculator_id.id,
                rating.date_from.date(),
            ): rating.explanation
            for rating in ratings
        }

    def _schedule_lines(self, schedule, explanations):
        lines = []
        period = (schedule.date_start, schedule.date_end)
        if schedule.ratio:
            line = schedule.contract_line_id
            lines.append(
                {
                    "period": period,
                    "item": line.product_id.display_name or line.name,
                    "quantity": schedule.ratio,
                    "unit": _("period"),
                    "price": schedule.recurring_amount / schedule.ratio,
                    "amount": schedule.recurring_amount,
                    "note": _(
                        "prorated: %(days)s of the period", days=format(schedule.ratio, ".0%")
                    )
                    if schedule.ratio < 1
                    else "",
                }
            )
        for usage in schedule.usage_ids.sorted(
            lambda u: (u.is_adjustment, u.calculator_id.sequence)
        ):
            calculator = usage.calculator_id
            origin = usage.origin_schedule_id
            parts = usage.price_lines or []
            simple = len(parts) == 1 and parts[0]["kind"] == "unit"
            notes = [] if simple else [self._price_part(calculator, part) for part in parts]
            if usage.is_adjustment:
                notes.insert(
                    0,
                    _(
                        "late usage of %(start)s to %(end)s",
                        start=origin.date_start,
                        end=origin.date_end,
                    ),
                )
            elif not parts:
                notes.append(
                    explanations.get((usage.device_id.id, calculator.id, origin.date_start), "")
                )
            lines.append(
                {
                    "period": (origin.date_start, origin.date_end),
                    "item": calculator.name,
                    "quantity": usage.quantity,
                    "unit": calculator.unit,
                    # A price in parts (tiers, bands, fees) is spelled out in the notes.
                    "price": parts[0]["price"] if simple else False,
                    "amount": usage.amount,
                    "note": "; ".join(note for note in notes if note),
                }
            )
        if schedule.charge_amount:
            lines.append(
                {
                    "period": period,
                    "item": _("One-time charges"),
                    "quantity": 1.0,
                    "unit": "",
                    "price": schedule.charge_amount,
                    "amount": schedule.charge_amount,
                    "note": "",
                }
            )
        return lines

    def _price_part(self, calculator, part):
        """ "Water 0-100 m3: 100 x 1.50", as the invoice line of that part says it."""
        label = self.env["iot.billing.run"]._usage_label(
            calculator, tuple(part.get(name) for name in PRICE_LINE_FIELDS), None
        )
        return _(
            "%(label)s: %(quantity)s x %(price)s",
            label=label,
            quantity=format(part["quantity"], ",.4f").rstrip("0").rstrip("."),
            price=part["price"],
        )
