from odoo import Command
from odoo.tests import new_test_user

from .common import BillingFixtures


class BilledUsageFixtures(BillingFixtures):
    """A month of billed usage in two units: water from a cumulative meter (m3) and data
    (MB), on two devices of one fleet contract, billed by an accountant."""

    @classmethod
    def setup_billed_usage(cls):
        cls.setup_fleet()
        env = cls.env
        env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("USAGE-PLAN", 9.90, name="Usage Fleet Plan")
        cls.water = cls.make_water_calculator("USAGE_WATER", 1.85)
        # The water meter reports its index: consumption is the delta of the readings.
        cls.water.write({"method": "delta", "name": "Water consumption"})
        cls.data = env["iot.usage.calculator"].create(
            {
                "name": "Mobile data",
                "code": "USAGE_DATA",
                "egroup": "DATA",
                "eid": "Type-1",
                "value_field": "int_counter",
                "method": "sum",
                "unit": "MB",
                "unit_price": 0.01,
                "product_id": env["product.product"]
                .create({"name": "Data usage", "type": "service", "taxes_id": False})
                .id,
            }
        )
        cls.meter, cls.tracker = env["iot.device"].create(
            [
                {"identifier": "USAGE_METER", "name": "Meter Rue Haute"},
                {"identifier": "USAGE_TRACKER", "name": "Tracker Van 7"},
            ]
        )
        (cls.meter | cls.tracker)._activate(
            cls.customer, "2026-10-01", {"plan": {"product": "USAGE-PLAN"}, "term_months": 3}
        )
        readings = [
            (cls.meter, "WM", "2026-10-01T06:00:00Z", 1000),
            (cls.meter, "WM", "2026-10-15T06:00:00Z", 1100),
            (cls.meter, "WM", "2026-10-31T06:00:00Z", 1250),
            (cls.tracker, "DATA", "2026-10-05T06:00:00Z", 300),
            (cls.tracker, "DATA", "2026-10-20T06:00:00Z", 200),
        ]
        summary = env["iot.usage.record"].ingest(
            [
                {
                    "device": device.identifier,
                    "egroup": egroup,
                    "eid": "Type-1",
                    "ref": f"usage-{n}",
                    "dtu": dtu,
                    "int_counter": value,
                }
                for n, (device, egroup, dtu, value) in enumerate(readings)
            ]
        )
        assert summary["accepted"] == len(readings), summary
        cls.accountant = cls.make_accountant("iot_usage_accountant")
        cls.billing_run = (
            env["iot.billing.run"]
            .with_user(cls.accountant)
            .with_context(iot_billing_inline=True)
            .create(
                {
                    "name": "October",
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    # The test's customer only: the demo data may have October to bill.
                    "partner_ids": [Command.set(cls.customer.ids)],
                }
            )
        )
        cls.billing_run.action_run()
        cls.invoice = cls.billing_run.invoice_ids
        assert len(cls.invoice) == 1 and cls.invoice.state == "posted", cls.invoice
        # Invoicing rights only, no IoT group.
        cls.bookkeeper = new_test_user(
            env,
            login="iot_usage_bookkeeper",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.employee = new_test_user(env, login="iot_usage_employee", groups="base.group_user")
