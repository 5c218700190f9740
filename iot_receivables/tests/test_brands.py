"""Brands (OCA ``brand``, ``contract_brand``, ``account_brand``,
``brand_external_report_layout``): the brand of a fleet contract goes to the invoices a
billing run posts, which its journal numbers, its layout prints and its address sends;
invoices of different brands never merge, and a user of another company sees none of it."""

import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.iot_contract_billing.tests.common import BillingScenario


@tagged("post_install", "-at_install")
class TestBrands(BillingScenario, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("BRAND-PLAN", 10.0, name="Fleet plan")
        cls.accountant = cls.make_accountant("brand_billing")
        cls.admin_accountant = new_test_user(
            cls.env, login="brand_admin", groups="account.group_account_manager"
        )
        cls.invoicing = new_test_user(
            cls.env, login="brand_invoicing", groups="account.group_account_invoice"
        )
        sale = cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.journal_aqua = sale.copy({"name": "AquaCity Invoices", "code": "AQC"})
        cls.journal_meter = sale.copy({"name": "MeterCo Invoices", "code": "MTC"})
        standard = cls.env.ref("web.external_layout_standard")
        cls.aqua, cls.meter = cls.env["res.brand"].create(
            [
                {
                    "name": "AquaCity",
                    "email": "billing@aquacity.example",
                    "company_id": cls.company.id,
                    "external_report_layout_id": standard.id,
                    "report_footer": "<p>AquaCity water services - aquacity.example</p>",
                },
                {
                    "name": "MeterCo",
                    "email": "invoices@meterco.example",
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.brand_b = cls.env["res.brand"].create(
            {"name": "Brand of B", "company_id": cls.company_b.id}
        )

    def setUp(self):
        super().setUp()
        # Brands shown on contracts and invoices: the IoT settings' Brands block.
        settings = Form(self.env["res.config.settings"])
        settings.brand_use_level = "optional"
        settings.save().execute()
        # The accounting administrator gives each brand its journal (Accounting >
        # Configuration > Brands).
        for brand, journal in ((self.aqua, self.journal_aqua), (self.meter, self.journal_meter)):
            with Form(brand.with_user(self.admin_accountant)) as form:
                form.iot_journal_id = journal

    def contract(self, name, brand, identifier):
        """A fleet contract of the customer with a device on the plan; its brand set on
        the contract's form by the accounting administrator (who edits contracts)."""
        contract = self.env["contract.contract"].create(
            {
                "name": name,
                "partner_id": self.customer.id,
                "iot_fleet": True,
                "line_recurrence": True,
            }
        )
        with Form(contract.with_user(self.admin_accountant)) as form:
            form.brand_id = brand
            self.assertEqual(form.journal_id, brand.iot_journal_id, "the brand's journal")
        device = self.devices(identifier)
        device._activate(
            self.customer,
            "2026-04-01",
            {"plan": {"product": "BRAND-PLAN"}, "contract": contract.id},
        )
        return contract

    def send(self, invoice):
        """Send & Print from the invoice's Send button, by the accountant: the message."""
        self.customer.email = "ap@customer.example"
        action = invoice.with_user(self.invoicing).action_invoice_sent()
        model = self.env[action["res_model"]].with_user(self.invoicing)
        Form(model.with_context(**action["context"])).save().action_send_and_print()
        return invoice.message_ids.filtered(lambda msg: msg.message_type == "comment")[:1]

    def test_brand_numbers_its_invoices_and_never_merges(self):
        first = self.contract("Aqua fleet 1", self.aqua, "BRAND_1")
        self.contract("Meter fleet", self.meter, "BRAND_2")
        third = self.contract("Aqua fleet 2", self.aqua, "BRAND_3")
        run = self.bill(datetime.date(2026, 4, 30), consolidate=True)
        invoices = run.invoice_ids
        self.assertEqual(len(invoices), 2, "one invoice per brand, the customer consolidated")
        aqua = invoices.filtered(lambda move: move.brand_id == self.aqua)
        meter = invoices - aqua
        self.assertEqual(meter.brand_id, self.meter)
        self.assertEqual(aqua.invoice_origin, f"{first.name}, {third.name}")
        self.assertEqual((aqua.amount_untaxed, meter.amount_untaxed), (20.0, 10.0))
        self.assertEqual(aqua.journal_id, self.journal_aqua)
        self.assertEqual(meter.journal_id, self.journal_meter)
        self.assertTrue(aqua.name.startswith("AQC/2026/"), aqua.name)
        self.assertTrue(meter.name.startswith("MTC/2026/"), meter.name)
        # What the accountant opens: the invoice's brand on its form.
        with Form(aqua.with_user(self.invoicing)) as form:
            self.assertEqual(form.brand_id, self.aqua)

    def test_brand_set_without_the_form_still_numbers_in_its_journal(self):
        """A brand written by RPC or an import (no onchange): the contract keeps its
        journal, the billing run still numbers the invoice in the brand's."""
        device = self.activate(self.devices("RPC_1"), "2026-04-01")
        contract = device.contract_id
        journal = contract.journal_id
        self.assertNotEqual(journal, self.journal_meter)
        contract.brand_id = self.meter
        self.assertEqual(contract.journal_id, journal)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual((invoice.brand_id, invoice.journal_id), (self.meter, self.journal_meter))
        self.assertTrue(invoice.name.startswith("MTC/"), invoice.name)

    def test_without_the_brand_in_the_key_brands_would_merge(self):
        """The billing run's invoice key carries the brand (else a consolidated
        customer's contracts of two brands would share one invoice)."""
        first = self.contract("Aqua fleet", self.aqua, "KEY_1")
        second = self.contract("Meter fleet", self.meter, "KEY_2")
        run = self.env["iot.billing.run"].new({"consolidate": True})
        self.assertNotEqual(run._invoice_key(first), run._invoice_key(second))
        second.journal_id = first.journal_id
        self.assertNotEqual(run._invoice_key(first), run._invoice_key(second))
        second.brand_id = self.aqua
        self.assertEqual(run._invoice_key(first), run._invoice_key(second))

    def test_brand_layout_and_sender(self):
        self.contract("Aqua fleet", self.aqua, "LAYOUT_1")
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(invoice.brand_id, self.aqua)
        # The PDF is laid out with the brand's layout: its name and footer.
        html = (
            self.env["ir.actions.report"]
            .with_user(self.invoicing)
            ._render_qweb_html("account.report_invoice", invoice.ids)[0]
            .decode()
        )
        self.assertIn("AquaCity water services", html)
        # Sent from the brand's address, by the accountant, through Send & Print.
        message = self.send(invoice)
        self.assertEqual(message.email_from, self.aqua.email_formatted)
        self.assertIn("aquacity.example", message.email_from)

    def test_invoice_without_brand_keeps_the_company_sender(self):
        self.activate(self.devices("NOBRAND_1"), "2026-04-01")
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertFalse(invoice.brand_id)
        message = self.send(invoice)
        self.assertTrue(message.email_from)
        self.assertNotIn("aquacity", message.email_from)

    def test_other_company_sees_no_brand_nor_its_invoices(self):
        self.contract("Aqua fleet", self.aqua, "MC_1")
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        user_b = new_test_user(
            self.env,
            login="brand_invoicing_b",
            groups="account.group_account_invoice",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        Brand = self.env["res.brand"].with_user(user_b)
        self.assertEqual(Brand.search([("id", "in", (self.aqua | self.brand_b).ids)]), self.brand_b)
        with self.assertRaises(AccessError):
            Brand.browse(self.aqua.id).read(["name"])
        self.assertFalse(
            self.env["account.move"].with_user(user_b).search([("brand_id", "=", self.aqua.id)])
        )
        with self.assertRaises(AccessError):
            invoice.with_user(user_b).read(["name"])
        # Nor may an accountant edit a brand: the accounting administrator does.
        with self.assertRaises(AccessError):
            self.aqua.with_user(self.invoicing).write({"iot_journal_id": False})
