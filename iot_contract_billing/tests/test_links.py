"""IoT > Billing menus (Fleet Contracts, Plans, Invoices) and the links between an
invoice, its billing run and its schedules, followed as their users do."""

from odoo.tests import TransactionCase, new_test_user
from odoo.tools.safe_eval import safe_eval

from .common import BillingFixtures


class TestBillingLinks(BillingFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("LINK-PLAN", 6.0)
        cls.accountant = cls.make_accountant("iot_link_accountant")
        cls.devices = cls.env["iot.device"].create([{"identifier": f"LINK_{n}"} for n in range(2)])
        cls.devices._activate(cls.customer, "2026-04-01", {"plan": {"product": "LINK-PLAN"}})
        cls.billing_run = (
            cls.env["iot.billing.run"]
            .with_user(cls.accountant)
            .create({"name": "Links April", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        cls.billing_run.action_run()
        cls.invoice = cls.billing_run.invoice_ids
        # A plain invoice and a plain contract, not the fleet's.
        cls.other_invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_line_ids": [(0, 0, {"name": "Other", "price_unit": 1.0})],
            }
        )
        cls.other_contract = cls.env["contract.contract"].create(
            {"name": "Not a fleet", "partner_id": cls.customer.id}
        )

    def open_menu(self, xmlid, user):
        """The records the menu's action lists for ``user`` (who must see the menu)."""
        menu = self.env.ref(xmlid)
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        action = menu.action
        domain = safe_eval(action.domain or "[]")
        return self.env[action.res_model].with_user(user).search(domain)

    def test_invoice_links_to_its_run_and_schedules(self):
        invoice = self.invoice.with_user(self.accountant)
        self.assertEqual(invoice.iot_billing_run_count, 1)
        action = invoice.action_view_iot_billing_runs()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("iot.billing.run", self.billing_run.id)
        )
        action = invoice.action_view_iot_schedules()
        schedules = (
            self.env["iot.billing.schedule"].with_user(self.accountant).search(action["domain"])
        )
        self.assertEqual(invoice.iot_schedule_count, 2)
        self.assertEqual(schedules.device_id, self.devices)
        # And back: from the run and from a schedule to the invoice.
        action = self.billing_run.with_user(self.accountant).action_view_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), self.invoice)
        action = schedules[0].action_view_invoice()
        self.assertEqual(
            (schedules[0].invoice_id, action["res_id"]), (self.invoice, self.invoice.id)
        )

    def test_billing_menus(self):
        invoices = self.open_menu("iot_contract_billing.menu_iot_invoice", self.accountant)
        self.assertIn(self.invoice, invoices)
        self.assertNotIn(self.other_invoice, invoices)
        contracts = self.open_menu("iot_contract_billing.menu_iot_fleet_contract", self.accountant)
        self.assertIn(self.devices.contract_id, contracts)
        self.assertNotIn(self.other_contract, contracts)
        plans = self.open_menu("iot_contract_billing.menu_iot_plan", self.reader)
        self.assertIn(self.plan.product_tmpl_id, plans)
        self.assertNotIn(self.product.product_tmpl_id, plans)

    def test_menus_follow_rights(self):
        """IoT users and managers without accounting rights see no invoices or contracts
        menu; an accountant without IoT group sees no IoT menu and reads the invoice."""
        for user in (self.reader, self.manager):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            for xmlid in ("menu_iot_invoice", "menu_iot_fleet_contract"):
                self.assertNotIn(self.env.ref(f"iot_contract_billing.{xmlid}").id, visible)
        accountant = new_test_user(
            self.env,
            login="iot_link_plain_accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        visible = self.env["ir.ui.menu"].with_user(accountant)._visible_menu_ids()
        self.assertNotIn(self.env.ref("iot_fleet.menu_iot_root").id, visible)
        invoice = self.invoice.with_user(accountant)
        self.assertEqual(invoice.amount_untaxed, 12.0)
        self.assertNotIn("iot_billing_run_count", invoice.fields_get())
