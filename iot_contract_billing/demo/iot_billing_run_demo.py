from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

# Plans of the demo fleet by device type: meters on the flat plan, connectivity priced
# per status (a suspended SIM costs less).
PLAN_BY_TYPE = {"WATER_METER": "IOT-PREMIUM", "GPS_TRACKER": "IOT-STANDARD", "SIM": "IOT-STANDARD"}
NEW_CUSTOMER_METERS = 6


class IotBillingRunDemo(models.Model):
    _inherit = "iot.billing.run"

    @api.model
    def _demo_populate_billing(self):
        """Demo data: the story an accountant reads. The fleet's devices on contracts
        (contract lines, schedules) since the month before last; that month billed and
        posted - Fleet Customer's invoice paid, Aqua Utilities' overdue; the last
        finished month's usage waiting for its run. Idempotent."""
        company = self.env.company
        first, last_month = self.env["iot.usage.record"]._demo_usage_months()
        if self.search_count([("company_id", "=", company.id), ("date_from", "=", first)]):
            return False
        self._demo_sale_taxes(company)
        Device = self.env["iot.device"]
        ref = self.env.ref
        fleet_customer = ref("iot_fleet.demo_partner_fleet_customer")
        # The fleet's devices in service since ``first`` (iot_fleet's demo) join a fleet
        # contract on the plan of their type.
        in_service = Device.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", fleet_customer.id),
                ("base_status", "in", ("active", "suspended")),
                ("contract_line_id", "=", False),
            ]
        )
        contract = in_service[:1]._billing_contract(fleet_customer, {})
        for code, devices in in_service.grouped(
            lambda device: PLAN_BY_TYPE.get(device.type_id.code, "IOT-PREMIUM")
        ).items():
            product, price = devices._billing_plan({"product": code})
            devices._billing_create_lines(contract, product, price, first, 12)
            devices._billing_set_end_date()
        # A second customer, activated through the API's path on a plan.
        aqua = ref("iot_contract_billing.demo_partner_aqua")
        meter = ref("iot_fleet.demo_type_water_meter")
        meters = Device.with_context(iot_origin="import").create(
            [
                {
                    "identifier": f"IOT_AQ{index:04d}",
                    "name": f"Aqua meter {index:04d}",
                    "type_id": meter.id,
                    "serial": f"SN-AQ-{index:06d}",
                    "company_id": company.id,
                    "attributes": {"site": f"Pumping station {index}"},
                }
                for index in range(1, NEW_CUSTOMER_METERS + 1)
            ]
        )
        meters._activate(aqua, first, {"plan": {"product": "IOT-PREMIUM"}, "term_months": 24})
        self.env["iot.usage.record"]._demo_ingest_usage(meters)
        # The month before last, billed and posted.
        run = self.with_context(iot_billing_inline=True).create(
            {
                "name": first.strftime("%B %Y"),
                "company_id": company.id,
                "date_from": first,
                "date_to": last_month - relativedelta(days=1),
            }
        )
        run.action_run()
        paid = run.invoice_ids.filtered(lambda move: move.partner_id == fleet_customer)
        if paid:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids
            ).create({"payment_date": fields.Date.context_today(self)})._create_payments()
        return run.invoice_ids.ids

    @api.model
    def _demo_sale_taxes(self, company):
        """Every demo product sold (plans, usage, hardware, charges) with the company's
        sale tax, so that invoices and their detail show taxes as a real one would."""
        tax = company.account_sale_tax_id
        if not tax:
            return
        products = self.env["product.template"].search(
            [("default_code", "=like", "IOT-%"), ("taxes_id", "=", False)]
        )
        products.write({"taxes_id": [fields.Command.link(tax.id)]})
