from odoo import models


class IotBillingRun(models.Model):
    _inherit = "iot.billing.run"

    def _schedules_to_invoice(self, schedules):
        """Schedules of a customer's levelised plan in force are valued as usual but
        not invoiced: they are marked as covered by the plan (one statement)."""
        schedules = super()._schedules_to_invoice(schedules)
        covered = self.env["iot.levelised.plan"].sudo()._covering(schedules)
        if not covered:
            return schedules
        self._update_rows(
            "iot_billing_schedule",
            [("state", "varchar"), ("levelised_plan_id", "integer")],
            [(schedule_id, "levelised", plan_id) for schedule_id, plan_id in covered.items()],
        )
        # Late usage they carry is as good as billed: the plan settles it.
        self._count_late_usage_billed(list(covered))
        return schedules.filtered(lambda schedule: schedule.id not in covered)

    def _billed_states(self):
        """A month covered by a levelised plan is billed: usage of it that arrives
        later is late usage of the next schedule (covered too, or invoiced)."""
        return (*super()._billed_states(), "levelised")

    def _link_invoice(self, invoice, invoice_lines, shares, schedules):
        """Once the detail says which devices each line bills, their owners get their
        share of the lines as commission agents (before the invoice is posted)."""
        res = super()._link_invoice(invoice, invoice_lines, shares, schedules)
        invoice_lines._iot_add_owner_agents()
        return res

    def _invoice_key(self, contract):
        """Contracts of different brands never share an invoice: each is numbered,
        laid out and sent by its own brand."""
        key = super()._invoice_key(contract)
        if isinstance(key, tuple):
            return (*key, contract.brand_id.id)
        return key
