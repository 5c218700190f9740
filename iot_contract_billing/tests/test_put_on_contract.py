"""Devices active already, on no contract, put on one from the device list."""

import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase

from .common import BillingFixtures


class TestPutOnContract(BillingFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("PUT-PLAN", 8.0)
        cls.accountant = cls.make_accountant("iot_put_accountant")

    def active_devices(self, partner, date_start, *identifiers):
        """Devices activated without a plan: active, on no contract."""
        devices = self.env["iot.device"].create([{"identifier": i} for i in identifiers])
        devices._activate(partner, date_start, {})
        self.assertEqual(set(devices.mapped("base_status")), {"active"})
        self.assertFalse(devices.contract_line_id)
        return devices

    def wizard(self, devices, user=None):
        return Form(
            self.env["iot.device.contract.wizard"]
            .with_user(user or self.manager)
            .with_context(active_model="iot.device", active_ids=devices.ids)
        )

    def test_active_devices_get_lines_and_schedules_from_their_activation(self):
        first = self.active_devices(self.customer, "2026-03-01", "PUT_A1", "PUT_A2")
        second = self.active_devices(self.customer_2, "2026-04-15", "PUT_B1")
        form = self.wizard(first | second)
        self.assertEqual(form.device_count, 3)
        form.plan_product_id = self.plan
        self.assertEqual(form.plan_price, 8.0)
        form.term_months = 6
        form.save().action_confirm()
        lines = (first | second).contract_line_id
        self.assertEqual(len(lines), 3)
        self.assertEqual(set(lines.mapped("product_id")), {self.plan})
        self.assertEqual(first.contract_id.partner_id, self.customer)
        self.assertEqual(second.contract_id.partner_id, self.customer_2)
        self.assertTrue(first.contract_id.iot_fleet)
        schedules = first[0].billing_schedule_ids.sorted("date_start")
        self.assertEqual(len(schedules), 6)
        self.assertEqual(schedules[0].date_start, datetime.date(2026, 3, 1))
        self.assertEqual(set(schedules.mapped("recurring_amount")), {8.0})
        # Calendar periods: the first one is prorated from the activation day.
        schedules = second.billing_schedule_ids.sorted("date_start")
        self.assertEqual(
            (schedules[0].date_start, schedules[0].recurring_amount),
            (datetime.date(2026, 4, 15), 4.27),
        )
        self.assertEqual(set(first.mapped("end_date")), {datetime.date(2026, 8, 31)})
        self.assertEqual(second.end_date, datetime.date(2026, 10, 14))
        notes = first[0].event_ids.filtered(lambda e: e.event_type == "note")
        self.assertEqual(notes.payload["contract_line_id"], first[0].contract_line_id.id)
        # Billed like any activated device.
        run = (
            self.env["iot.billing.run"]
            .with_user(self.accountant)
            .create({"name": "March", "date_from": "2026-03-01", "date_to": "2026-03-31"})
        )
        run.action_run()
        self.assertEqual(run.invoice_ids.partner_id, self.customer)
        self.assertEqual(run.invoice_ids.amount_untaxed, 16.0)

    def test_devices_not_active_or_on_a_contract_are_refused(self):
        active = self.active_devices(self.customer, "2026-04-01", "PUT_OK")
        new = self.env["iot.device"].create({"identifier": "PUT_NEW"})
        on_contract = self.env["iot.device"].create({"identifier": "PUT_ON"})
        on_contract._activate(self.customer, "2026-04-01", {"plan": {"product": "PUT-PLAN"}})
        with self.assertRaisesRegex(
            UserError, r"not active: PUT_NEW\n- already on a contract: PUT_ON"
        ):
            self.wizard(active | new | on_contract)
        # Refused also when the devices change once the wizard is open.
        form = self.wizard(active)
        form.plan_product_id = self.plan
        wizard = form.save()
        wizard.device_ids |= new
        with self.assertRaisesRegex(UserError, "PUT_NEW"):
            wizard.action_confirm()
        self.assertFalse(active.contract_line_id)

    def test_one_contract_is_for_one_customer(self):
        first = self.active_devices(self.customer, "2026-04-01", "PUT_C1")
        second = self.active_devices(self.customer_2, "2026-04-01", "PUT_C2")
        contract = self.env["contract.contract"].create(
            {"name": "Chosen", "partner_id": self.customer.id, "iot_fleet": True}
        )
        form = self.wizard(first | second)
        self.assertFalse(form.partner_id)
        form.plan_product_id = self.plan
        wizard = form.save()
        wizard.contract_id = contract
        with self.assertRaisesRegex(UserError, "one customer"):
            wizard.action_confirm()
        form = self.wizard(first)
        form.plan_product_id = self.plan
        form.contract_id = contract
        form.save().action_confirm()
        self.assertEqual(first.contract_id, contract)

    def test_an_iot_user_cannot(self):
        devices = self.active_devices(self.customer, "2026-04-01", "PUT_R1")
        with self.assertRaises(AccessError):
            self.wizard(devices, user=self.reader).save()
        self.assertFalse(devices.contract_line_id)
