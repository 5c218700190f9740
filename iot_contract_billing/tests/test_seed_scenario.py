"""The seed's scenario end to end, through the API and a billing run."""

import csv
import io
import json

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import BillingFixtures


@tagged("post_install", "-at_install")
class TestSeedScenario(BillingFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("PFS-SEED", 9.90, name="Premium Fleet Subscription")
        cls.calculator = cls.make_water_calculator("SEED_WATER", 1.5, egroup="WM-ACME5")
        cls.accountant = cls.make_accountant("iot_accountant")
        cls.accountant_key = cls.accountant._iot_new_api_key("auditor")

    def _rows(self, file_format, content):
        if file_format == "csv":
            return list(csv.reader(io.StringIO(content.decode())))[1:]
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]

    def api(self, method, path, body=None):
        response = self.opener.request(
            method,
            self.base_url() + path,
            data=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            timeout=60,
        )
        return response.status_code, response.json()

    def test_seed_scenario(self):
        status, device = self.api("POST", "/iot/api/v1/devices", {"identifier": "IOT_NS542_SEED"})
        self.assertEqual((status, device["state"]), (201, "pending"))
        status, device = self.api(
            "POST",
            "/iot/api/v1/devices/IOT_NS542_SEED/activate",
            {
                "customer": "FCT-1",
                "date_start": "2026-04-01",
                "plan": {"product": "PFS-SEED"},
                "term_months": 12,
            },
        )
        self.assertEqual((status, device["state"]), (200, "active"), device)
        record = self.env["iot.device"].search([("identifier", "=", "IOT_NS542_SEED")])
        self.assertEqual(len(record.billing_schedule_ids), 12)
        status, body = self.api(
            "GET",
            "/iot/usage/WM-ACME5/Type-1/IOT_NS542_SEED?ref=seed-1&intcounter=12"
            "&dtu=2026-04-14T09:00:00Z",
        )
        self.assertEqual((status, body["accepted"]), (200, 1))
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create({"name": "April 2026", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        run.action_run()
        invoice = run.invoice_ids
        self.assertEqual(
            (len(invoice), invoice.state, invoice.partner_id), (1, "posted", self.customer)
        )
        lines = invoice.invoice_line_ids.sorted("sequence")
        self.assertEqual(
            [(line.product_id, line.quantity, line.price_subtotal) for line in lines],
            [(self.plan, 1.0, 9.9), (self.usage_product, 12.0, 18.0)],
        )
        self.assertEqual(
            (lines[1].name, lines[1].product_uom_id, lines[1].price_unit),
            ("Water (m3)", self.env.ref("uom.product_uom_cubic_meter"), 1.5),
        )
        april = record.billing_schedule_ids.sorted("date_start")[0]
        self.assertEqual(
            (april.state, april.usage_quantity, april.usage_amount), ("invoiced", 12.0, 18.0)
        )
        self.assertEqual(april.invoice_line_id, lines[0])
        # The detail export lists the device and the record; its totals are the invoice's.
        for file_format in ("csv", "xlsx"):
            response = self.opener.get(
                f"{self.base_url()}/iot/api/v1/invoices/{invoice.id}/detail?format={file_format}",
                headers={"Authorization": f"Bearer {self.accountant_key}"},
                timeout=60,
            )
            self.assertEqual(response.status_code, 200, response.text[:300])
            *rows, totals = self._rows(file_format, response.content)
            # Contract, the device's customer (a subsidiary when consolidated), device...
            self.assertEqual(rows[0][2:4], ["Fleet Customer Test", "IOT_NS542_SEED"])
            self.assertEqual(totals[0], "Total")
            self.assertAlmostEqual(sum(float(row[-1]) for row in rows), invoice.amount_total)
            self.assertAlmostEqual(float(totals[-1]), invoice.amount_total)
        response = self.opener.get(
            f"{self.base_url()}/iot/api/v1/invoices/{invoice.id}/detail?level=record",
            headers={"Authorization": f"Bearer {self.accountant_key}"},
            timeout=60,
        )
        records = list(csv.reader(io.StringIO(response.text)))[1:]
        self.assertEqual(
            [(row[1], row[5], float(row[6])) for row in records],
            [("IOT_NS542_SEED", "seed-1", 12.0)],
        )
        response = self.opener.get(
            f"{self.base_url()}/iot/api/v1/invoices/{invoice.id}/detail?format=pdf",
            headers={"Authorization": f"Bearer {self.accountant_key}"},
            timeout=60,
        )
        self.assertEqual(response.status_code, 400)
        # Running the period again bills nothing twice.
        again = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create({"name": "April again", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            again.action_run()
        self.assertEqual(
            self.env["account.move"].search_count([("partner_id", "=", self.customer.id)]), 1
        )

    def test_run_without_accounting_rights_cannot_post(self):
        """An IoT manager without the billing role neither creates nor runs a run."""
        device = self.env["iot.device"].create({"identifier": "NO_RIGHTS_1"})
        device._activate(self.customer, "2026-04-01", {"plan": {"product": "PFS-SEED"}})
        period = {"name": "April", "date_from": "2026-04-01", "date_to": "2026-04-30"}
        with self.assertRaises(AccessError):
            self.env["iot.billing.run"].with_user(self.manager).create(period)
        run = self.env["iot.billing.run"].create(period)
        with self.assertRaises(AccessError):
            run.with_user(self.manager).action_run()
        self.assertFalse(device.contract_line_id.iot_schedule_ids.filtered("invoice_line_id"))
