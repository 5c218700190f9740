"""KYC: a customer's verification on the partner form, required before activation when
the company asks for it (activation wizard and device API)."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures

API = "/iot/api/v1"


class KycFixtures(IotFleetFixtures):
    @classmethod
    def setup_kyc(cls):
        cls.setup_fleet()
        cls.accountant = new_test_user(
            cls.env, login="kyc_accountant", groups="account.group_account_invoice"
        )
        cls.company.iot_kyc_required = True

    def verify(self, partner, user=None, **values):
        action = partner.with_user(user or self.manager).action_iot_kyc_verify()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(user or self.manager)
            .with_context(**action["context"])
        )
        wizard.method = values.get("method", "id_document")
        wizard.reference = values.get("reference", "ID-123456")
        if "result" in values:
            wizard.result = values["result"]
        return wizard.save().action_confirm()


@tagged("post_install", "-at_install")
class TestKyc(KycFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_kyc()

    def activate_with_wizard(self, device, partner):
        wizard = Form(
            self.env["iot.device.activate.wizard"]
            .with_user(self.manager)
            .with_context(active_model="iot.device", active_ids=device.ids)
        )
        wizard.partner_id = partner
        return wizard.save().action_activate()

    def test_manager_records_a_verification_with_the_wizard(self):
        self.assertEqual(self.customer.iot_kyc_state, "unverified")
        self.verify(self.customer, method="eid", reference="EID-42")
        self.assertRecordValues(
            self.customer,
            [
                {
                    "iot_kyc_state": "verified",
                    "iot_kyc_method": "eid",
                    "iot_kyc_reference": "EID-42",
                    "iot_kyc_verified_by_id": self.manager.id,
                }
            ],
        )
        self.assertTrue(self.customer.iot_kyc_date)
        # Tracked: who verified how shows in the customer's chatter.
        self.env.cr.precommit.run()
        tracked = self.customer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("iot_kyc_state", tracked)

    def test_a_contact_shares_its_company_verification(self):
        company = self.env["res.partner"].create({"name": "KYC Corp", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": company.id})
        self.verify(contact)
        self.assertEqual(company.iot_kyc_state, "verified", "recorded on the legal person")
        self.assertEqual(contact._iot_kyc_verified(), contact)

    def test_who_may_not_record_a_verification(self):
        # An IoT user (read-only) has no wizard, and the record method refuses them.
        with self.assertRaises(AccessError):
            self.verify(self.customer, user=self.reader)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.reader)._iot_kyc_record("verified", "eid")
        # An accountant may edit partners, but not type a verification in.
        self.assertEqual(self.customer.with_user(self.accountant).iot_kyc_state, "unverified")
        with self.assertRaisesRegex(AccessError, "Verify Identity"):
            self.customer.with_user(self.accountant).write({"iot_kyc_state": "verified"})
        with self.assertRaisesRegex(AccessError, "Verify Identity"):
            self.env["res.partner"].with_user(self.accountant).create(
                {"name": "Self-verified", "iot_kyc_state": "verified"}
            )
        self.assertEqual(self.customer.iot_kyc_state, "unverified")

    def test_activation_wizard_refuses_an_unverified_customer(self):
        device = self.create_device("KYC-1")
        with self.assertRaisesRegex(UserError, "has not been verified"):
            self.activate_with_wizard(device, self.customer)
        self.assertEqual(device.state_id, self.state["draft"])
        self.assertFalse(device.partner_id)
        self.verify(self.customer)
        self.activate_with_wizard(device, self.customer)
        self.assertEqual(device.state_id, self.state["active"])

    def test_a_rejected_customer_is_refused_too(self):
        self.verify(self.customer, result="rejected")
        self.assertEqual(self.customer.iot_kyc_state, "rejected")
        with self.assertRaisesRegex(UserError, "has not been verified"):
            self.activate_with_wizard(self.create_device("KYC-2"), self.customer)

    def test_without_the_setting_anyone_is_activated(self):
        settings = Form(self.env["res.config.settings"])
        self.assertTrue(settings.iot_kyc_required)
        settings.iot_kyc_required = False
        settings.save().execute()
        self.assertFalse(self.company.iot_kyc_required)
        device = self.create_device("KYC-3")
        self.activate_with_wizard(device, self.customer_2)
        self.assertEqual(device.partner_id, self.customer_2)


@tagged("post_install", "-at_install")
class TestKycApi(KycFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_kyc()

    def activate(self, identifier, body):
        response = self.opener.post(
            f"{self.base_url()}{API}/devices/{identifier}/activate",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            timeout=30,
        )
        return response.status_code, response.json()

    def test_api_refuses_an_unverified_customer_with_kyc_required(self):
        device = self.create_device("KYC-API-1")
        status, body = self.activate(device.identifier, {"customer": self.customer.ref})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "kyc_required")
        self.assertIn("has not been verified", body["error"]["message"])
        self.assertEqual(device.state_id, self.state["draft"])
        self.verify(self.customer)
        status, body = self.activate(device.identifier, {"customer": self.customer.ref})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], "active")

    def test_a_gateway_cannot_verify_a_customer_over_jsonrpc(self):
        wizard = {
            "partner_id": self.customer.id,
            "method": "eid",
            "reference": "FORGED",
        }
        for model, method, args in (
            ("res.partner", "write", [[self.customer.id], {"iot_kyc_state": "verified"}]),
            ("res.partner", "_iot_kyc_record", [[self.customer.id], "verified"]),
            ("iot.kyc.wizard", "create", [wizard]),
        ):
            answer = self.execute_kw(model, method, args)
            self.assertIn("error", answer, f"{model}.{method}")
        self.assertEqual(self.customer.iot_kyc_state, "unverified")
