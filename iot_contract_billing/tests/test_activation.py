"""Activation puts each device on a contract line with its invoicing schedules."""

import json

from freezegun import freeze_time

from odoo import fields
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures


@tagged("post_install", "-at_install")
class TestActivationOnContracts(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Premium Fleet Subscription Test",
                "default_code": "PFS-T",
                "type": "service",
                "list_price": 9.90,
                "iot_is_plan": True,
            }
        )
        cls.free_plan = cls.env["product.product"].create(
            {
                "name": "Free plan",
                "default_code": "FREE-T",
                "type": "service",
                "list_price": 0,
                "iot_is_plan": True,
            }
        )

    def call(self, method, path, body=None):
        response = self.opener.request(
            method,
            self.base_url() + "/iot/api/v1" + path,
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            timeout=60,
        )
        return response.status_code, response.json()

    @freeze_time("2026-04-01")
    def test_wizard_activation_creates_lines_and_schedules(self):
        devices = self.env["iot.device"].create([{"identifier": f"BILL_{n}"} for n in range(3)])
        wizard_form = Form(
            self.env["iot.device.activate.wizard"]
            .with_user(self.manager)
            .with_context(active_model="iot.device", active_ids=devices.ids)
        )
        wizard_form.partner_id = self.customer
        wizard_form.date_start = "2026-04-01"
        wizard_form.plan_product_id = self.plan
        self.assertEqual(wizard_form.plan_price, 9.9)
        wizard_form.save().action_activate()
        lines = devices.contract_line_id
        self.assertEqual(len(lines), 3)
        self.assertEqual(sorted(lines.mapped("name")), ["BILL_0", "BILL_1", "BILL_2"])
        # The device ends with its 12-month term.
        self.assertEqual(set(devices.mapped("end_date")), {fields.Date.to_date("2027-03-31")})
        self.assertEqual(lines.iot_device_id, devices, "linked both ways")
        contract = lines.contract_id
        self.assertEqual(
            (len(contract), contract.partner_id, contract.iot_fleet), (1, self.customer, True)
        )
        self.assertEqual(contract.contract_template_id.name, "IOT Fleet Contract")
        schedules = devices[0].billing_schedule_ids.sorted("date_start")
        self.assertEqual(len(schedules), 12)
        self.assertEqual(set(schedules.mapped("recurring_amount")), {9.9})
        self.assertEqual(schedules[0].state, "open")
        self.assertEqual(set(schedules[1:].mapped("state")), {"planned"})
        event = devices[0].event_ids.filtered(lambda e: e.event_type == "activation")
        self.assertEqual(event.payload["contract_id"], contract.id)
        self.assertEqual(event.payload["term_months"], 12)

    def test_mid_month_activation_is_prorated(self):
        device = self.env["iot.device"].create({"identifier": "BILL_MID"})
        device._activate(self.customer, "2026-04-14", {"plan": {"product": "PFS-T", "price": 30.0}})
        schedules = device.billing_schedule_ids.sorted("date_start")
        self.assertEqual(len(schedules), 13)
        self.assertEqual(
            (schedules[0].recurring_amount, schedules[-1].recurring_amount), (17.0, 13.0)
        )

    def test_api_activation_and_its_errors(self):
        self.call("POST", "/devices", {"identifier": "IOT_NS542_T"})
        status, body = self.call(
            "POST",
            "/devices/IOT_NS542_T/activate",
            {"customer": "FCT-1", "plan": {"product": "NOPE-T"}, "date_start": "2026-04-01"},
        )
        self.assertEqual((status, body["error"]["details"][0]["field"]), (400, "plan.product"))
        usd = self.env.ref("base.USD")
        other = usd if self.company.currency_id != usd else self.env.ref("base.EUR")
        other.active = True
        contract = self.env["contract.contract"].create(
            {
                "name": "Foreign",
                "partner_id": self.customer.id,
                "currency_id": other.id,
                "pricelist_id": self.env["product.pricelist"]
                .create({"name": "Foreign", "currency_id": other.id})
                .id,
            }
        )
        if contract.currency_id != self.company.currency_id:
            status, body = self.call(
                "POST",
                "/devices/IOT_NS542_T/activate",
                {"customer": "FCT-1", "plan": {"product": "PFS-T"}, "contract": contract.id},
            )
            self.assertEqual((status, body["error"]["code"]), (400, "currency_mismatch"))
        device = self.env["iot.device"].search([("identifier", "=", "IOT_NS542_T")])
        self.assertEqual((device.state_id.code, device.contract_line_id.id), ("pending", False))
        status, body = self.call(
            "POST",
            "/devices/IOT_NS542_T/activate",
            {
                "customer": "FCT-1",
                "plan": {"product": "PFS-T"},
                "term_months": 12,
                "date_start": "2026-04-01",
            },
        )
        self.assertEqual((status, body["state"]), (200, "active"), body)
        self.assertEqual(len(device.billing_schedule_ids), 12)
        self.assertEqual(device.contract_line_id.price_unit, 9.9)
        status, body = self.call(
            "POST",
            "/devices/IOT_NS542_T/activate",
            {"customer": "FCT-1", "plan": {"product": "PFS-T"}},
        )
        self.assertEqual((status, body["error"]["code"]), (409, "already_active"))
        self.assertEqual(len(device.billing_schedule_ids), 12, "nothing written twice")

    def test_create_and_activate_in_one_call(self):
        activation = {
            "customer": "FCT-1",
            "date_start": "2026-04-01",
            "plan": {"product": "PFS-T"},
            "term_months": 6,
        }
        status, body = self.call(
            "POST",
            "/devices",
            [{"identifier": f"ONE_CALL_{n}", "activation": activation} for n in range(3)],
        )
        self.assertEqual((status, body["created"]), (200, 3), body)
        devices = self.env["iot.device"].search([("identifier", "like", "ONE_CALL_")])
        self.assertEqual(set(devices.mapped("state_id.code")), {"active"})
        self.assertEqual(len(devices.contract_line_id.contract_id), 1)
        self.assertEqual(len(devices.billing_schedule_ids), 18)
        status, body = self.call(
            "POST",
            "/devices",
            {
                "identifier": "ONE_CALL_BAD",
                "activation": dict(activation, plan={"product": "NOPE-T"}),
            },
        )
        self.assertEqual((status, body["error"]["details"][0]["field"]), (400, "plan.product"))
        self.assertFalse(self.env["iot.device"].search([("identifier", "=", "ONE_CALL_BAD")]))

    def test_api_activation_billed_on_first_use_waits_in_preactive(self):
        self.plan.product_tmpl_id.write({"iot_bill_on_first_use": True, "iot_first_use_days": 30})
        self.call("POST", "/devices", {"identifier": "FIRST_USE_API"})
        status, body = self.call(
            "POST",
            "/devices/FIRST_USE_API/activate",
            {"customer": "FCT-1", "plan": {"product": "PFS-T"}, "date_start": "2026-04-01"},
        )
        self.assertEqual((status, body["state"]), (200, "preactive"), body)
        device = self.env["iot.device"].search([("identifier", "=", "FIRST_USE_API")])
        self.assertTrue(device.contract_line_id.iot_awaiting_first_use)
        self.assertFalse(device.billing_schedule_ids)
        event = device.event_ids.filtered(lambda e: e.event_type == "activation")
        self.assertTrue(event.payload["bill_on_first_use"])
        status, body = self.call(
            "POST",
            "/devices/FIRST_USE_API/activate",
            {"customer": "FCT-1", "plan": {"product": "PFS-T"}},
        )
        self.assertEqual((status, body["error"]["code"]), (409, "already_active"))
