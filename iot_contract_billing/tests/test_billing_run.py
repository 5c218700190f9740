"""Billing runs split into jobs, interrupted and run again: nothing twice, nothing lost."""

from odoo.tests import TransactionCase, new_test_user

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures
from odoo.addons.queue_job.job import Job

from ..models import iot_billing_run


class TestBillingRunJobs(IotFleetFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Plan",
                "default_code": "RUN-PLAN",
                "type": "service",
                "list_price": 5.0,
                "taxes_id": False,
            }
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Run customer {n}"} for n in range(5)]
        )
        for number, customer in enumerate(cls.customers):
            devices = cls.env["iot.device"].create(
                [{"identifier": f"RUN_{number}_{n}"} for n in range(2)]
            )
            devices._activate(customer, "2026-04-01", {"plan": {"product": "RUN-PLAN"}})
        cls.accountant = new_test_user(
            cls.env,
            login="iot_run_accountant",
            groups="base.group_user,iot_fleet.group_iot_manager,account.group_account_invoice",
        )

    def test_interrupted_run_bills_the_rest_once(self):
        self.patch(iot_billing_run, "CONTRACTS_PER_JOB", 2)
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create({"name": "April", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        run.action_run()
        self.assertEqual(run.state, "running")
        jobs = self.env["queue.job"].search([("model_name", "=", "iot.billing.run")])
        self.assertEqual(len(jobs), 3, "5 contracts in jobs of 2")
        # The first job runs, then the workers die: the other two never run.
        Job.load(self.env, jobs.sorted("id")[0].uuid).perform()
        self.assertEqual(len(run.invoice_ids), 2)
        # Started again (inline this time): the rest is billed, nothing twice.
        run.with_context(iot_billing_inline=True).action_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.invoice_ids), 5)
        self.assertEqual(set(run.invoice_ids.partner_id), set(self.customers))
        self.assertEqual(sorted(run.invoice_ids.mapped("amount_total")), [10.0] * 5)
        # A late job of the first run finds nothing left to do.
        Job.load(self.env, jobs.sorted("id")[1].uuid).perform()
        self.assertEqual(
            self.env["account.move"].search_count([("partner_id", "in", self.customers.ids)]), 5
        )
