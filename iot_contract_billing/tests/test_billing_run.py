"""Billing runs split into jobs, interrupted and run again: nothing twice, nothing lost."""

from odoo import fields
from odoo.tests import TransactionCase

from odoo.addons.queue_job.job import Job

from ..models import iot_billing_run
from .common import BillingFixtures


class TestBillingRunJobs(BillingFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("RUN-PLAN", 5.0, name="Plan")
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Run customer {n}"} for n in range(5)]
        )
        for number, customer in enumerate(cls.customers):
            devices = cls.env["iot.device"].create(
                [{"identifier": f"RUN_{number}_{n}"} for n in range(2)]
            )
            devices._activate(customer, "2026-04-01", {"plan": {"product": "RUN-PLAN"}})
        cls.accountant = cls.make_accountant("iot_run_accountant")

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

    def test_consolidated_and_per_contract_invoices(self):
        customer = self.customers[0]
        second = self.env["contract.contract"].create(
            {
                "name": "Second fleet contract",
                "partner_id": customer.id,
                "iot_fleet": True,
                "line_recurrence": True,
            }
        )
        devices = self.env["iot.device"].create([{"identifier": f"CONS_{n}"} for n in range(2)])
        devices._activate(
            customer, "2026-04-01", {"plan": {"product": "RUN-PLAN"}, "contract": second.id}
        )
        self.assertEqual(
            len(self.env["contract.contract"].search([("partner_id", "=", customer.id)])), 2
        )
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create(
                {
                    "name": "April",
                    "date_from": "2026-04-01",
                    "date_to": "2026-04-30",
                    "consolidate": True,
                }
            )
        )
        run.action_run()
        mine = run.invoice_ids.filtered(lambda move: move.partner_id == customer)
        self.assertEqual(len(mine), 1, "one invoice for the customer's two contracts")
        self.assertEqual(mine.amount_total, 20.0)
        self.assertEqual(mine.invoice_line_ids.quantity, 4.0, "4 devices x 5.00 on one line")
        self.assertEqual(len(run.invoice_ids), 5)

    def test_per_contract_invoices(self):
        customer = self.customers[1]
        second = self.env["contract.contract"].create(
            {
                "name": "Another fleet contract",
                "partner_id": customer.id,
                "iot_fleet": True,
                "line_recurrence": True,
            }
        )
        device = self.env["iot.device"].create({"identifier": "PERCON_1"})
        device._activate(
            customer, "2026-04-01", {"plan": {"product": "RUN-PLAN"}, "contract": second.id}
        )
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create({"name": "April", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        run.action_run()
        mine = run.invoice_ids.filtered(lambda move: move.partner_id == customer)
        self.assertEqual(sorted(mine.mapped("amount_total")), [5.0, 10.0])

    def test_detail_attached_when_posting(self):
        self.env.company.iot_attach_detail = "csv"
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create({"name": "April", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        run.action_run()
        invoice = run.invoice_ids[0]
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(len(attachment), 1)
        content = attachment.raw.decode()
        self.assertTrue(content.startswith("Invoice,Contract,Customer,Device"))
        self.assertEqual(
            content.count("\n"), 4, "a header, the contract's two devices and the totals"
        )

    def test_contract_cron_leaves_fleet_contracts_to_billing_runs(self):
        self.env["contract.contract"].cron_recurring_create_invoice(
            date_ref=fields.Date.to_date("2026-06-01")
        )
        self.assertFalse(
            self.env["account.move"].search([("partner_id", "in", self.customers.ids)])
        )
