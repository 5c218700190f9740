"""Invoices people can read (issue #9): a usage line is its quantity in its unit of
measure x its unit price, a tiered price gives a line per tier, device counts are
devices, late usage names its period, a plan may be usage only, and taxes come from
Odoo - billed through the wizard as the billing user, the detail downloaded over HTTP
by an accountant with Invoicing rights only, and reconciled with the invoice."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl

from odoo import Command
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from .common import BillingScenario

CENT = Decimal("0.01")


def cents(value):
    return Decimal(str(value)).quantize(CENT)


class InvoiceFixtures(BillingScenario):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("INV-PLAN", 10.0, name="Fleet plan")
        cls.calculator = cls.make_water_calculator("INV_WATER", 1.85)
        cls.calculator.name = "Water consumption"
        cls.accountant = cls.make_accountant("iot_inv_accountant")
        cls.m3 = cls.env.ref("uom.product_uom_cubic_meter")

    def usage_lines(self, invoice):
        return [
            (line.name, line.quantity, line.product_uom_id, line.price_unit, line.price_subtotal)
            for line in invoice.invoice_line_ids.sorted("id")
            if line.product_id == self.usage_product
        ]

    def set_tiers(self, mode):
        self.calculator.write(
            {
                "mode": mode,
                "tier_ids": [
                    Command.create({"up_to": 100, "unit_price": 2.0}),
                    Command.create({"up_to": 500, "unit_price": 1.5}),
                    Command.create({"up_to": 0, "unit_price": 1.0}),
                ],
            }
        )


class TestInvoiceLines(InvoiceFixtures, TransactionCase):
    def test_usage_line_is_quantity_in_its_unit_times_unit_price(self):
        device = self.activate(self.devices("INV_UNIT_1"), "2026-04-01")
        self.use(device, "2026-04-10T08:00:00Z", 200)
        self.use(device, "2026-04-20T08:00:00Z", 50)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(
            self.usage_lines(invoice), [("Water consumption (m3)", 250.0, self.m3, 1.85, 462.5)]
        )
        self.assertEqual(invoice.amount_untaxed, 472.5)
        schedule = device.billing_schedule_ids.sorted("date_start")[0]
        self.assertEqual(
            (schedule.usage_quantity, schedule.usage_amount, schedule.amount_total),
            (250.0, 462.5, invoice.amount_untaxed),
        )

    def bill_tiers(self, mode):
        """April of two devices, 250 and 650 m3, under tiers up to 100, 500 and beyond."""
        self.set_tiers(mode)
        small, large = self.activate(self.devices(f"{mode}_S", f"{mode}_L"), "2026-04-01")
        self.use(small, "2026-04-10T08:00:00Z", 250)
        self.use(large, "2026-04-10T08:00:00Z", 650)
        return self.bill(datetime.date(2026, 4, 30)).invoice_ids

    def test_graduated_price_gives_a_line_per_tier(self):
        invoice = self.bill_tiers("graduated")
        # Each device climbs the tiers on its own: 100 + 150 and 100 + 400 + 150.
        self.assertEqual(
            self.usage_lines(invoice),
            [
                ("Water consumption 0-100 m3", 200.0, self.m3, 2.0, 400.0),
                ("Water consumption 100-500 m3", 550.0, self.m3, 1.5, 825.0),
                ("Water consumption over 500 m3", 150.0, self.m3, 1.0, 150.0),
            ],
        )
        self.assertEqual(invoice.amount_untaxed, 20.0 + 1375.0)

    def test_volume_price_gives_a_line_per_band(self):
        invoice = self.bill_tiers("volume")
        # Each device's whole quantity at the price of the band it falls in.
        self.assertEqual(
            self.usage_lines(invoice),
            [
                ("Water consumption 100-500 m3", 250.0, self.m3, 1.5, 375.0),
                ("Water consumption over 500 m3", 650.0, self.m3, 1.0, 650.0),
            ],
        )

    def test_late_usage_of_a_tiered_price_names_its_period(self):
        self.set_tiers("graduated")
        device = self.activate(self.devices("TIER_LATE"), "2026-03-01")
        self.use(device, "2026-03-10T08:00:00Z", 80)
        self.bill(datetime.date(2026, 3, 31))
        self.use(device, "2026-03-20T08:00:00Z", 40)  # March now 120: 100 + 20
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(
            self.usage_lines(invoice),
            [
                ("Water consumption 0-100 m3 - March 2026 (late usage)", 20.0, self.m3, 2.0, 40.0),
                (
                    "Water consumption 100-500 m3 - March 2026 (late usage)",
                    20.0,
                    self.m3,
                    1.5,
                    30.0,
                ),
            ],
        )

    def test_catch_up_run_counts_devices_not_schedules(self):
        device = self.activate(self.devices("CATCH_UP_1"), "2026-01-01", term_months=6)
        self.use(device, "2026-02-10T08:00:00Z", 10)
        wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        wizard.period_mode = "period"
        wizard.date_from = datetime.date(2026, 1, 1)
        wizard.date_to = datetime.date(2026, 3, 31)
        action = wizard.save().action_create_post()
        invoice = self.env["iot.billing.run"].browse(action["res_id"]).invoice_ids
        self.assertEqual(
            [(name, quantity, price) for name, quantity, price in self.lines(invoice)][:3],
            [
                ("Fleet plan - January 2026 - 1 device x 10.00", 1.0, 10.0),
                ("Fleet plan - February 2026 - 1 device x 10.00", 1.0, 10.0),
                ("Fleet plan - March 2026 - 1 device x 10.00", 1.0, 10.0),
            ],
        )
        self.assertEqual(invoice.amount_untaxed, 30.0 + 18.5)

    def test_usage_only_plan_bills_its_usage(self):
        free = self.make_plan("INV-USAGE-ONLY", 0.0, name="Metered plan")
        device = self.devices("USAGE_ONLY_1")
        wizard = Form(
            self.env["iot.device.activate.wizard"]
            .with_user(self.manager)
            .with_context(active_model="iot.device", active_ids=device.ids)
        )
        wizard.partner_id = self.customer
        wizard.date_start = datetime.date(2026, 4, 1)
        wizard.plan_product_id = free
        wizard.save().action_activate()
        self.assertEqual(device.state_id.code, "active")
        self.assertEqual(set(device.billing_schedule_ids.mapped("recurring_amount")), {0.0})
        self.use(device, "2026-04-10T08:00:00Z", 10)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(
            self.lines(invoice), [("Water consumption (m3)", 10.0, 1.85)], "no 0.00 line"
        )
        april = device.billing_schedule_ids.sorted("date_start")[0]
        self.assertEqual(
            (april.state, april.invoice_line_id), ("invoiced", invoice.invoice_line_ids)
        )

    def test_detail_rows_stay_in_their_company(self):
        device = self.activate(self.devices("INV_RULE_1"), "2026-04-01")
        self.use(device, "2026-04-10T08:00:00Z", 3)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        fleet_user = "base.group_user,iot_fleet.group_iot_user"
        mine = new_test_user(self.env, login="iot_inv_rule_a", groups=fleet_user)
        other = new_test_user(
            self.env,
            login="iot_inv_rule_b",
            groups=fleet_user,
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        Detail = self.env["iot.billing.detail"]
        domain = [("move_id", "=", invoice.id)]
        self.assertEqual(Detail.with_user(mine).search_count(domain), 2, "plan and usage")
        self.assertEqual(Detail.with_user(other).search_count(domain), 0)


@tagged("post_install", "-at_install")
class TestInvoiceTaxesAndDetail(InvoiceFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = cls.env["account.tax.group"].create({"name": "VAT", "company_id": cls.company.id})
        cls.tax_15, cls.tax_5 = cls.env["account.tax"].create(
            [
                {
                    "name": f"VAT {rate}% (test)",
                    "amount": rate,
                    "type_tax_use": "sale",
                    "company_id": cls.company.id,
                    "tax_group_id": group.id,
                }
                for rate in (15, 5)
            ]
        )
        cls.usage_product.taxes_id = cls.tax_15
        cls.reduced = cls.env["account.fiscal.position"].create(
            {
                "name": "Reduced rate (test)",
                "company_id": cls.company.id,
                "tax_ids": [
                    Command.create({"tax_src_id": cls.tax_15.id, "tax_dest_id": cls.tax_5.id})
                ],
            }
        )
        # Invoicing rights only: no IoT group at all.
        cls.invoicing_only = new_test_user(
            cls.env,
            login="iot_inv_invoicing_only",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.invoicing_key = cls.invoicing_only._iot_new_api_key("invoicing only")
        cls.iot_user_key = new_test_user(
            cls.env, login="iot_inv_fleet_only", groups="base.group_user,iot_fleet.group_iot_user"
        )._iot_new_api_key("fleet only")

    def download(self, invoice, file_format, key):
        return self.opener.get(
            f"{self.base_url()}/iot/api/v1/invoices/{invoice.id}/detail?format={file_format}",
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )

    def test_taxes_from_odoo_and_a_detail_that_reconciles(self):
        self.customer_2.with_company(self.company).property_account_position_id = self.reduced
        plain = self.activate(self.devices("TAX_1", "TAX_2"), "2026-04-01")
        reduced = self.devices("TAX_3")
        reduced._activate(
            self.customer_2, "2026-04-01", {"plan": {"product": "INV-PLAN"}, "term_months": 3}
        )
        for device, counter in zip(plain | reduced, (7, 13, 11), strict=True):
            self.use(device, "2026-04-10T08:00:00Z", counter)
        invoices = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        invoice = invoices.filtered(lambda move: move.partner_id == self.customer)
        other = invoices - invoice
        usage = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.usage_product
        )
        self.assertEqual(usage.tax_ids, self.tax_15)
        self.assertEqual(cents(usage.price_subtotal), cents(37))
        self.assertEqual(invoice.amount_tax, 5.55)
        self.assertEqual(other.fiscal_position_id, self.reduced)
        self.assertEqual(
            other.invoice_line_ids.filtered(
                lambda line: line.product_id == self.usage_product
            ).tax_ids,
            self.tax_5,
        )
        # The accountant (Invoicing only) downloads the detail; it reconciles to the cent.
        response = self.download(invoice, "csv", self.invoicing_key)
        self.assertEqual(response.status_code, 200, response.text[:300])
        reader = csv.DictReader(io.StringIO(response.text))
        self.assertEqual(
            reader.fieldnames,
            [
                "Invoice", "Contract", "Customer", "Device", "Device name", "Period start",
                "Period end", "Type", "Description", "Quantity", "Unit", "Unit price", "Untaxed",
                "Tax", "Total",
            ],
        )  # fmt: skip
        *rows, totals = reader
        self.assertEqual(totals["Invoice"], "Total")
        for column, amount in (
            ("Untaxed", invoice.amount_untaxed),
            ("Tax", invoice.amount_tax),
            ("Total", invoice.amount_total),
        ):
            self.assertEqual(sum(Decimal(row[column]) for row in rows), cents(amount), column)
            self.assertEqual(Decimal(totals[column]), cents(amount), column)
        usage_rows = [row for row in rows if row["Type"] == "Usage"]
        self.assertEqual(
            [
                (row["Device"], row["Quantity"], row["Unit"], row["Unit price"])
                for row in usage_rows
            ],
            [("TAX_1", "7", "m3", "1.85"), ("TAX_2", "13", "m3", "1.85")],
        )
        self.assertEqual(usage_rows[0]["Period start"], "2026-04-01")
        # The XLSX: dates as dates, amounts as numbers, the same totals.
        response = self.download(invoice, "xlsx", self.invoicing_key)
        self.assertEqual(response.status_code, 200, response.text[:300])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in sheet[1]]
        first, last = sheet[2], sheet[sheet.max_row]
        self.assertTrue(first[header.index("Period start")].is_date)
        self.assertEqual(first[header.index("Period start")].value, datetime.datetime(2026, 4, 1))
        for name in ("Quantity", "Unit price", "Untaxed", "Tax", "Total"):
            self.assertEqual(first[header.index(name)].data_type, "n", name)
        self.assertEqual(first[header.index("Device")].data_type, "s")
        self.assertEqual(last[0].value, "Total")
        self.assertEqual(
            [cents(last[header.index(name)].value) for name in ("Untaxed", "Tax", "Total")],
            [cents(invoice.amount_untaxed), cents(invoice.amount_tax), cents(invoice.amount_total)],
        )
        # A fleet user without invoicing rights reads no invoice, nor its detail.
        response = self.download(invoice, "csv", self.iot_user_key)
        self.assertIn(response.status_code, (403, 404), response.text[:300])
        self.assertNotIn("TAX_1", response.text)
