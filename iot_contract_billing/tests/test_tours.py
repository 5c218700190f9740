"""The billing flows in headless Chromium, each as the least-privileged user of it."""

import datetime

from odoo.tests import Form, tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase

from .common import BillingScenario

OCTOBER = datetime.date(2026, 10, 31)


@tagged("post_install", "-at_install")
class TestBillingTours(BillingScenario, IotTourCase):
    ROLES = dict(
        IotTourCase.ROLES,
        billing="base.group_user,iot_contract_billing.group_iot_billing",
        accountant="base.group_user,account.group_account_invoice",
        auditor="base.group_user,iot_contract_billing.group_iot_auditor",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("TOUR-PLAN", 10.0, name="Tour Plan", iot_is_plan=True)
        cls.calculator = cls.make_water_calculator("TOUR_WATER", 1.85)
        cls.calculator.name = "Water consumption"

    def october(self):
        """Two devices on the plan since October, one of which used 250 m3."""
        devices = self.activate(self.devices("TOUR_BILL_1", "TOUR_BILL_2"), "2026-10-01")
        self.use(devices[0], "2026-10-10T08:00:00Z", 200)
        self.use(devices[0], "2026-10-20T08:00:00Z", 50)
        return devices

    def run_october(self, post):
        wizard = Form(
            self.env["iot.billing.run.wizard"].with_user(self.tour_users["billing"])
        ).save()
        wizard.write({"date": OCTOBER, "partner_ids": [(6, 0, self.customer.ids)]})
        wizard.action_preview()
        action = wizard.action_create_post() if post else wizard.action_create_draft()
        return self.env["iot.billing.run"].browse(action["res_id"]).invoice_ids

    def invoice_url(self, invoice):
        return f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}"

    def test_back_office_puts_a_new_device_on_a_plan(self):
        """An IoT manager creates a device, activates it on a plan for 12 months and sees
        its end date and its twelve monthly invoicing schedules."""
        self.tour(
            "/odoo/action-iot_fleet.iot_device_action/new",
            "iot_billing_new_device_on_a_plan",
            "back_office",
        )
        device = self.env["iot.device"].search([("identifier", "=", "TOUR_NEW_1")])
        self.assertEqual(device.base_status, "active")
        self.assertEqual(device.partner_id, self.customer)
        self.assertEqual(device.contract_line_id.product_id, self.plan)
        self.assertEqual(len(device.billing_schedule_ids), 12)
        self.assertEqual(str(device.end_date), "2027-10-31")

    def test_billing_user_previews_then_runs_a_month(self):
        """The billing user previews October for one customer, then creates the invoices
        as drafts: nothing is posted."""
        self.october()
        self.tour(
            "/odoo/action-iot_contract_billing.iot_billing_run_wizard_action",
            "iot_billing_preview_and_run",
            "billing",
        )
        run = self.env["iot.billing.run"].search(
            [("create_uid", "=", self.tour_users["billing"].id)]
        )
        self.assertEqual(run.invoice_ids.partner_id, self.customer)
        self.assertEqual(run.invoice_ids.state, "draft")
        self.assertEqual(run.invoice_ids.amount_untaxed, 482.5)
        self.assertEqual((run.date_from, run.date_to), (datetime.date(2026, 10, 1), OCTOBER))

    def test_accountant_posts_the_invoice_and_downloads_its_detail(self):
        """An accountant with Invoicing rights only (no IoT group) reads the usage line as
        250 m3 x 1.85, posts the invoice and downloads its fleet detail."""
        self.october()
        invoice = self.run_october(post=False)
        self.tour(self.invoice_url(invoice), "iot_billing_accountant_posts", "accountant")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.write_uid, self.tour_users["accountant"])

    def test_auditor_exports_the_record_level_detail(self):
        """A read-only auditor opens a posted invoice, cannot change it, and exports its
        record-level detail as XLSX."""
        self.october()
        invoice = self.run_october(post=True)
        self.tour(self.invoice_url(invoice), "iot_billing_auditor_exports", "auditor")
        self.assertEqual(invoice.state, "posted")
