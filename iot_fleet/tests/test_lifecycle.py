"""The life cycle through the UI: creation by hand, wizards, transitions, events."""

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase
from odoo.tools import mute_logger

from odoo.addons.iot_fleet.exceptions import IotApiError

from .common import IotFleetFixtures


class TestLifecycle(IotFleetFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()

    def test_created_by_hand_starts_in_draft_with_an_event(self):
        with Form(self.env["iot.device"].with_user(self.manager)) as form:
            form.identifier = "  IOT_HAND1 "
            form.type_id = self.device_type
        device = form.record
        self.assertEqual(device.identifier, "IOT_HAND1")
        self.assertEqual(device.name, "IOT_HAND1")
        self.assertEqual(device.state_id.code, "draft")
        self.assertEqual(device.base_status, "prospect")
        self.assertEqual(device.product_id, self.product, "the type's default product")
        event = self.events(device)
        self.assertEqual(event.mapped("event_type"), ["create"])
        self.assertEqual(event.to_state_id.code, "draft")
        self.assertEqual((event.origin, event.user_id), ("ui", self.manager))

    def test_initial_state_is_configurable_per_company(self):
        self.env["iot.device.transition"].create(
            {
                "name": "Create pre-active",
                "code": "create",
                "to_state_id": self.state["preactive"].id,
                "creation_channel": "manual",
                "company_id": self.company.id,
            }
        )
        self.assertEqual(self.create_device("IOT_PRE").state_id.code, "preactive")
        other = (
            self.env["iot.device"]
            .with_company(self.company_b)
            .create({"identifier": "IOT_PRE", "company_id": self.company_b.id})
        )
        self.assertEqual(other.state_id.code, "draft", "the other company keeps the default")

    def test_activation_wizard_for_one_device(self):
        device = self.create_device("IOT_ACT1")
        action = device.with_user(self.manager).action_open_activate_wizard()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"])
        )
        wizard_form.partner_id = self.customer
        wizard_form.date_start = "2026-04-01"
        wizard_form.save().action_activate()
        self.assertEqual(device.state_id.code, "active")
        self.assertEqual(device.partner_id, self.customer)
        self.assertEqual(str(device.activation_date), "2026-04-01")
        activation = self.events(device, "activation")
        self.assertEqual(len(activation), 1)
        self.assertEqual(
            (activation.from_state_id.code, activation.to_state_id.code), ("draft", "active")
        )
        self.assertEqual(activation.partner_id, self.customer)
        self.assertEqual(activation.payload["date_start"], "2026-04-01")
        self.assertFalse(self.events(device, "customer_change"), "activation is one event")

    def test_activation_wizard_for_many_devices_from_the_list(self):
        devices = self.env["iot.device"]
        for index in range(5):
            devices |= self.create_device(f"IOT_MANY{index}")
        devices[0].with_user(self.manager)._apply_transition(code="submit")
        wizard_form = Form(
            self.env["iot.device.activate.wizard"]
            .with_user(self.manager)
            .with_context(active_model="iot.device", active_ids=devices.ids)
        )
        self.assertEqual(wizard_form.device_count, 5)
        wizard_form.partner_id = self.customer
        wizard_form.save().action_activate()
        self.assertEqual(set(devices.mapped("state_id.code")), {"active"})
        self.assertEqual(
            len(devices.sudo().event_ids.filtered(lambda e: e.event_type == "activation")), 5
        )
        self.assertEqual(self.events(devices[0], "activation").from_state_id.code, "pending")

    def test_activating_an_active_device_is_refused(self):
        device = self.create_device("IOT_TWICE")
        device.with_user(self.manager)._activate(self.customer, "2026-04-01")
        wizard = (
            self.env["iot.device.activate.wizard"]
            .with_user(self.manager)
            .create({"device_ids": device.ids, "partner_id": self.customer.id})
        )
        with self.assertRaisesRegex(UserError, "already active"):
            wizard.action_activate()
        self.assertEqual(len(self.events(device, "activation")), 1)

    def test_transition_buttons_and_wizard(self):
        device = self.create_device("IOT_MOVE", partner_id=self.customer.id)
        device = device.with_user(self.manager)
        self.assertIn(" submit ", device.allowed_transition_codes)
        self.assertNotIn(" suspend ", device.allowed_transition_codes)
        device.with_context(iot_transition_code="submit").action_transition()
        self.assertEqual(device.state_id.code, "pending")
        device._activate(self.customer, "2026-04-01")
        # Suspend needs a reason: the button opens the wizard instead of moving.
        action = device.with_context(iot_transition_code="suspend").action_transition()
        self.assertEqual(action["res_model"], "iot.device.transition.wizard")
        self.assertEqual(device.state_id.code, "active")
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"])
        )
        self.assertEqual(wizard_form.transition_id.code, "suspend")
        wizard_form.reason = "Customer on holiday"
        wizard = wizard_form.save()
        self.assertEqual(
            sorted(wizard.allowed_transition_ids.mapped("code")), ["block", "cancel", "suspend"]
        )
        wizard.action_apply()
        self.assertEqual(device.state_id.code, "suspended")
        self.assertEqual(device.base_status, "suspended")
        event = self.events(device, "transition")[-1]
        self.assertEqual(
            (event.from_state_id.code, event.to_state_id.code, event.reason),
            ("active", "suspended", "Customer on holiday"),
        )

    def test_reason_required(self):
        device = self.create_device("IOT_REASON")
        device.with_user(self.manager)._activate(self.customer, "2026-04-01")
        wizard = (
            self.env["iot.device.transition.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "device_ids": device.ids,
                    "transition_id": self.env.ref("iot_fleet.transition_active_suspended").id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "needs a reason"):
            wizard.action_apply()
        self.assertEqual(device.state_id.code, "active")

    def test_move_that_is_not_a_transition_is_refused(self):
        device = self.create_device("IOT_REFUSE").with_user(self.manager)
        with self.assertRaises(IotApiError) as caught:
            device._apply_transition(code="suspend", reason="x")
        self.assertEqual(caught.exception.status, 409)
        with self.assertRaisesRegex(UserError, "only through a transition"):
            device.write({"state_id": self.state["active"].id})
        self.assertEqual(device.state_id.code, "draft")
        self.assertEqual(len(self.events(device)), 1)

    @freeze_time("2026-05-31 10:00:00")
    def test_cancel_carries_the_one_time_charge(self):
        device = self.create_device("IOT_CANCEL").with_user(self.manager)
        device._activate(self.customer, "2026-04-01")
        device._apply_transition(code="cancel", reason="Contract ended")
        self.assertEqual(device.state_id.code, "cancelled")
        self.assertEqual(str(device.end_date), "2026-05-31")
        event = self.events(device, "transition")
        self.assertEqual(
            event.charge_product_id, self.env.ref("iot_fleet.product_cancellation_fee")
        )
        self.assertEqual(event.charge_amount, 5.0)
        self.assertEqual(event.charge_currency_id, self.company.currency_id)
        self.assertEqual(str(event.date), "2026-05-31 10:00:00")

    def test_quick_create_takes_the_typed_text_as_identifier(self):
        """Created from a many-to-one field by its typed text, as the web client does."""
        device_id, label = self.env["iot.device"].with_user(self.manager).name_create(" IOT_QC_1 ")
        device = self.env["iot.device"].browse(device_id)
        self.assertEqual(device.identifier, "IOT_QC_1")
        self.assertIn("IOT_QC_1", label)
        with self.assertRaises(AccessError):
            self.env["iot.device"].with_user(self.reader).name_create("IOT_QC_2")

    def test_customer_change_is_an_event(self):
        device = self.create_device("IOT_CUST", partner_id=self.customer.id)
        device.with_user(self.manager).partner_id = self.customer_2
        event = self.events(device, "customer_change")
        self.assertEqual(event.partner_id, self.customer_2)
        self.assertEqual(event.payload["from_customer_id"], self.customer.id)
        self.assertEqual(event.payload["to_customer_id"], self.customer_2.id)

    def test_events_are_read_only(self):
        event = self.events(self.create_device("IOT_RO"))
        with self.assertRaises(UserError):
            event.write({"reason": "rewritten"})
        with self.assertRaises(UserError):
            event.unlink()

    def test_identifier_unique_per_company(self):
        self.create_device("IOT_UNIQUE")
        with self.assertRaises(IntegrityError), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.create_device("IOT_UNIQUE")
        other = (
            self.env["iot.device"]
            .with_company(self.company_b)
            .create({"identifier": "IOT_UNIQUE", "company_id": self.company_b.id})
        )
        self.assertEqual(other.identifier, "IOT_UNIQUE")

    def test_attributes_are_json(self):
        device = self.create_device("IOT_ATTR")
        with Form(device.with_user(self.manager)) as form:
            form.attributes_text = '{"site": "Dock 4", "floor": 2}'
        self.assertEqual(device.attributes, {"site": "Dock 4", "floor": 2})
        with self.assertRaises(ValidationError):
            device.with_user(self.manager).attributes_text = "[1, 2"

    def test_reader_cannot_change_the_fleet(self):
        device = self.create_device("IOT_READ")
        self.assertEqual(device.with_user(self.reader).identifier, "IOT_READ")
        with self.assertRaises(AccessError):
            self.env["iot.device"].with_user(self.reader).create({"identifier": "IOT_NOPE"})
        with self.assertRaises(AccessError):
            device.with_user(self.reader)._activate(self.customer, "2026-04-01")
        with self.assertRaises(AccessError):
            self.env["iot.device.activate.wizard"].with_user(self.reader).create(
                {"device_ids": device.ids, "partner_id": self.customer.id}
            )
