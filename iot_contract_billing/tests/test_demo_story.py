"""The demo database tells the whole story, as an accountant reads it: customers on fleet
contracts with devices and their schedules, a month billed and posted - one invoice paid,
one overdue - whose detail export reconciles with the invoice, taxes on every product
sold, and the last finished month's usage waiting for its run."""

import csv
import io

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDemoStory(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.fleet_customer = env.ref("iot_fleet.demo_partner_fleet_customer")
        cls.aqua = env.ref("iot_contract_billing.demo_partner_aqua")
        # The accountant who posts and reads invoices, with read access to the fleet.
        cls.accountant = new_test_user(
            env,
            login="demo_story_accountant",
            groups="base.group_user,account.group_account_invoice,iot_fleet.group_iot_user",
        )
        cls.today = fields.Date.context_today(env["res.partner"])
        cls.last_month = cls.today.replace(day=1) - relativedelta(months=1)

    def customer_invoices(self, partner):
        return (
            self.env["account.move"]
            .with_user(self.accountant)
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                ]
            )
            .filtered("iot_schedule_count")
        )

    def detail_rows(self, invoice, user):
        key = user._iot_new_api_key("demo story")
        response = self.opener.get(
            f"{self.base_url()}/iot/api/v1/invoices/{invoice.id}/detail?format=csv",
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        if response.status_code != 200:
            return response.status_code, response.json()
        return 200, list(csv.DictReader(io.StringIO(response.text)))

    def test_a_posted_paid_invoice_whose_detail_reconciles(self):
        invoice = self.customer_invoices(self.fleet_customer)
        self.assertEqual(len(invoice), 1)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertGreater(invoice.amount_tax, 0)
        self.assertTrue(all(line.tax_ids for line in invoice.invoice_line_ids))
        status, rows = self.detail_rows(invoice, self.accountant)
        self.assertEqual(status, 200, rows)
        *rows, totals = rows
        devices = {row["Device"] for row in rows}
        schedules = invoice.sudo()._iot_schedules()
        self.assertEqual(devices, set(schedules.device_id.mapped("identifier")))
        self.assertGreaterEqual(len(devices), 20)
        # To the cent: the rows, and the totals row, are the invoice's amounts.
        for column, amount in (
            ("Untaxed", invoice.amount_untaxed),
            ("Tax", invoice.amount_tax),
            ("Total", invoice.amount_total),
        ):
            self.assertAlmostEqual(sum(float(row[column]) for row in rows), amount, places=2)
            self.assertAlmostEqual(float(totals[column]), amount, places=2)
        # Water and data are billed with the plans.
        products = invoice.invoice_line_ids.product_id.mapped("default_code")
        self.assertTrue({"IOT-PREMIUM", "IOT-STANDARD", "IOT-WATER-M3"} <= set(products), products)

    def test_an_overdue_invoice(self):
        invoice = self.customer_invoices(self.aqua)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertLess(invoice.invoice_date_due, self.today)
        self.assertEqual(invoice.amount_residual, invoice.amount_total)
        self.assertGreater(invoice.amount_tax, 0)

    def test_devices_on_contracts_with_schedules(self):
        company = self.env.company
        Device = self.env["iot.device"].with_user(self.accountant)
        in_service = Device.search(
            [("company_id", "=", company.id), ("base_status", "in", ("active", "suspended"))]
        )
        self.assertGreaterEqual(len(in_service), 30)
        self.assertFalse(in_service.filtered(lambda device: not device.contract_line_id))
        for device in in_service:
            self.assertEqual(
                len(device.billing_schedule_ids), device.contract_line_id.iot_term_months
            )
        self.assertEqual(set(in_service.contract_id.partner_id), {self.fleet_customer, self.aqua})

    def test_the_last_finished_month_waits_for_its_run(self):
        records = self.env["iot.usage.record"].search(
            [
                ("dtu", ">=", fields.Datetime.to_datetime(self.last_month)),
                ("dtu", "<", fields.Datetime.to_datetime(self.today.replace(day=1))),
                ("state", "=", "new"),
            ]
        )
        self.assertGreater(len(records.device_id), 25)
        preview = self.env["iot.usage.calculator"].api_preview(
            "WATER", "IOT_FC0009", self.last_month.strftime("%Y-%m")
        )
        # A small business's meter: one to four m3 a day.
        self.assertTrue(25 <= preview["quantity"] <= 4 * 31, preview)
        run = self.env["iot.billing.run"].create(
            {
                "name": "Last month",
                "date_from": self.last_month,
                "date_to": self.today.replace(day=1) - relativedelta(days=1),
                "preview": True,
            }
        )
        run.action_run()
        self.assertGreater(run.computed_amount, 0)

    def test_every_product_sold_carries_the_sale_tax(self):
        tax = self.env.company.account_sale_tax_id
        products = self.env["product.template"].search([("default_code", "=like", "IOT-%")])
        self.assertFalse(products.filtered(lambda product: tax not in product.taxes_id))

    def test_a_user_without_invoicing_rights_cannot_read_the_detail(self):
        invoice = self.customer_invoices(self.fleet_customer)
        reader = new_test_user(
            self.env, login="demo_story_reader", groups="base.group_user,iot_fleet.group_iot_user"
        )
        status, body = self.detail_rows(invoice, reader)
        self.assertIn(status, (403, 404), body)
