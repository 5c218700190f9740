"""The billing-run wizard: the last finished month, a preview per customer that changes
nothing, then draft invoices or posted ones - as the user chooses."""

import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase

from .common import BillingFixtures

APRIL_END = datetime.date(2026, 4, 30)


class TestBillingWizard(BillingFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("WIZ-PLAN", 10.0, name="Wizard plan")
        cls.accountant = cls.make_accountant("iot_wizard_accountant")
        devices = cls.env["iot.device"].create([{"identifier": f"WIZ_{n}"} for n in range(3)])
        devices[:2]._activate(cls.customer, "2026-04-01", {"plan": {"product": "WIZ-PLAN"}})
        devices[2]._activate(cls.customer_2, "2026-04-01", {"plan": {"product": "WIZ-PLAN"}})

    def wizard(self, user=None):
        form = Form(self.env["iot.billing.run.wizard"].with_user(user or self.accountant))
        form.date = APRIL_END
        form.partner_ids.add(self.customer)
        form.partner_ids.add(self.customer_2)
        return form.save()

    def state_of_billing(self):
        """What a preview must leave as it is."""
        schedules = self.env["iot.billing.schedule"].search([])
        return {
            "invoices": self.env["account.move"].search_count([]),
            "runs": self.env["iot.billing.run"].search_count([]),
            "usage": self.env["iot.billing.usage"].search_count([]),
            "ratings": self.env["iot.usage.rating"].search_count([]),
            "events": self.env["iot.device.event"].search_count([]),
            "schedules": sorted(
                zip(
                    schedules.ids,
                    schedules.mapped("state"),
                    schedules.mapped("amount_total"),
                    strict=False,
                )
            ),
        }

    def test_defaults_to_the_last_finished_month(self):
        with freeze_time("2026-05-14"):
            form = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        self.assertEqual((form.date_from, form.date_to), (datetime.date(2026, 4, 1), APRIL_END))

    def test_preview_changes_nothing_then_draft_invoices(self):
        wizard = self.wizard()
        before = self.state_of_billing()
        wizard.action_preview()
        self.assertEqual(self.state_of_billing(), before, "a preview creates and changes nothing")
        self.assertEqual(wizard.step, "preview")
        preview = {
            line.partner_id: (line.device_count, line.amount_untaxed, line.line_count)
            for line in wizard.preview_line_ids
        }
        self.assertEqual(preview, {self.customer: (2, 20.0, 1), self.customer_2: (1, 10.0, 1)})
        action = wizard.action_create_draft()
        run = self.env["iot.billing.run"].browse(action["res_id"])
        invoices = run.invoice_ids
        self.assertEqual(set(invoices.mapped("state")), {"draft"}, "nothing posted")
        self.assertEqual(
            {invoice.partner_id: invoice.amount_untaxed for invoice in invoices},
            {self.customer: 20.0, self.customer_2: 10.0},
        )
        # What was previewed is billed now: nothing is left for the period.
        wizard = self.wizard()
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            wizard.action_preview()

    def test_create_and_post(self):
        wizard = self.wizard()
        wizard.action_preview()
        action = wizard.action_create_post()
        invoices = self.env["iot.billing.run"].browse(action["res_id"]).invoice_ids
        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})

    def test_back_to_the_choice(self):
        wizard = self.wizard()
        wizard.action_preview()
        wizard.action_back()
        self.assertEqual((wizard.step, len(wizard.preview_line_ids)), ("choose", 0))

    def test_an_iot_user_cannot_bill(self):
        with self.assertRaises(AccessError):
            self.wizard(user=self.reader)
        self.assertFalse(self.env["account.move"].search([("partner_id", "in", self.customer.ids)]))
