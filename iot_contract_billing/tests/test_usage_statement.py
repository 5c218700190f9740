"""The PDF usage statement of a fleet invoice, printed by an accountant with Invoicing
rights only: per device and period, the quantities in their units, prices, amounts and
the invoice's totals."""

import shutil
import unittest

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .usage_fixtures import BilledUsageFixtures

REPORT = "iot_contract_billing.action_report_iot_usage_statement"


@tagged("post_install", "-at_install")
class TestUsageStatement(BilledUsageFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billed_usage()

    def render_html(self, user, invoice=None):
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html(REPORT, (invoice or self.invoice).ids)
        )
        return html.decode()

    def test_statement_lists_devices_quantities_and_units(self):
        html = self.render_html(self.bookkeeper)
        for text in (
            "USAGE_METER",
            "Meter Rue Haute",
            "Water consumption",
            "250.00",
            "m3",
            "1.8500",
            "USAGE_TRACKER",
            "Mobile data",
            "500.00",
            "MB",
            "Usage Fleet Plan",
            "Untaxed amount",
        ):
            self.assertIn(text, html)

    @unittest.skipUnless(shutil.which("wkhtmltopdf"), "wkhtmltopdf is installed by scripts/_env.sh")
    def test_accountant_prints_the_pdf(self):
        """wkhtmltopdf prints the statement for the accountant. (Debian's build draws the
        report's web fonts as outlines: the PDF holds no text to read back, so what it
        says is read from the HTML it is printed from, in the test above.)"""
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.bookkeeper)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.invoice.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertIn(b"/Type /Page", pdf)

    def test_an_invoice_without_fleet_usage_is_refused(self):
        other = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [(0, 0, {"name": "Consulting", "price_unit": 100.0})],
            }
        )
        with self.assertRaises(UserError):
            self.render_html(self.bookkeeper, other)

    def test_users_who_cannot_read_invoices_cannot_print(self):
        with self.assertRaises(AccessError):
            self.render_html(self.employee)
