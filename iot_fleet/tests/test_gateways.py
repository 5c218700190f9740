"""Gateways and their keys from the back office (IoT > Configuration > Gateways): an
IoT manager creates a gateway and keys with the wizard, sees when each key was last
used and revokes it; an IoT user can do none of it."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import IotFleetFixtures

API = "/iot/api/v1"


@tagged("post_install", "-at_install")
class TestGateways(IotFleetFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.device = cls.env["iot.device"].create(
            {"identifier": "GW_UI_1", "type_id": cls.device_type.id}
        )

    def get_device(self, key):
        response = self.opener.get(
            f"{self.base_url()}{API}/devices/{self.device.identifier}",
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        return response.status_code, response.json()

    def new_gateway(self, user, name="North Gateway", **values):
        """The New Gateway wizard as ``user`` fills it: ``(gateway, key)``."""
        with Form(self.env["iot.gateway.wizard"].with_user(user)) as wizard:
            wizard.name = name
            wizard.key_name = values.get("key_name", "north key")
            wizard.duration = values.get("duration", "365")
        action = wizard.record.action_create_key()
        login = "iot-gateway-" + name.lower().replace(" ", "-")
        return self.env["res.users"].search([("login", "=", login)]), action

    def shown_key(self, action):
        """The key as the dialog shows it, once: it is passed to the dialog, never
        stored but hashed."""
        self.assertEqual(action["res_model"], "res.users.apikeys.show")
        view = self.env["ir.ui.view"].browse(action["views"][0][0])
        self.assertIn('<field name="key"', view.arch)
        return action["context"]["default_key"]

    def test_manager_creates_a_gateway_and_a_key_that_works(self):
        gateway, action = self.new_gateway(self.manager)
        key = self.shown_key(action)
        self.assertTrue(gateway.iot_is_gateway)
        self.assertEqual(gateway.groups_id, gateway._iot_gateway_groups(), "portal + Device API")
        self.assertEqual(gateway.company_ids, self.company)
        # The list of the Gateways menu shows it, with its key.
        Users = self.env["res.users"].with_user(self.manager)
        listed = Users.search([("iot_is_gateway", "=", True)])
        self.assertIn(gateway, listed)
        self.assertNotIn(self.manager, listed)
        keys = (
            self.env["res.users.apikeys"]
            .with_user(self.manager)
            .search([("user_id", "=", gateway.id)])
        )
        self.assertEqual(keys.mapped("name"), ["north key"])
        self.assertFalse(keys.iot_last_use, "not used yet")
        self.assertTrue(keys.expiration_date, "a key of one year")

        status, body = self.get_device(key)
        self.assertEqual((status, body["identifier"]), (200, "GW_UI_1"), body)
        keys.invalidate_recordset()
        last_use = keys.iot_last_use
        self.assertTrue(last_use, "the use is recorded")
        self.assertEqual(gateway.with_user(self.manager).iot_last_use, last_use)
        # At most one write a minute: a second request leaves the stamp as it is.
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET iot_last_use = iot_last_use - interval '30 seconds'"
            " WHERE id = %s RETURNING iot_last_use",
            [keys.id],
        )
        [(stamped,)] = self.env.cr.fetchall()
        self.assertEqual(self.get_device(key)[0], 200)
        keys.invalidate_recordset()
        self.assertEqual(keys.iot_last_use, stamped)
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET iot_last_use = iot_last_use - interval '2 minutes'"
            " WHERE id = %s",
            [keys.id],
        )
        self.assertEqual(self.get_device(key)[0], 200)
        keys.invalidate_recordset()
        self.assertEqual(keys.iot_last_use, last_use, "stamped again after a minute")

        # Revoked from the gateway's form: the key answers 401.
        keys.with_user(self.manager).action_iot_revoke()
        self.assertFalse(gateway.api_key_ids)
        status, body = self.get_device(key)
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"), body)

    def test_new_key_of_an_existing_gateway(self):
        gateway, action = self.new_gateway(self.manager, name="South Gateway", key_name="south key")
        first = self.shown_key(action)
        action = gateway.with_user(self.manager).action_iot_new_key()
        with Form(
            self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"])
        ) as wizard:
            wizard.key_name = "south spare"
            wizard.duration = "0"
        second = self.shown_key(wizard.record.action_create_key())
        self.assertNotEqual(first, second)
        keys = gateway.with_user(self.manager).api_key_ids
        self.assertEqual(sorted(keys.mapped("name")), ["south key", "south spare"])
        self.assertFalse(keys.filtered(lambda key: key.name == "south spare").expiration_date)
        self.assertEqual(self.get_device(second)[0], 200)
        self.assertEqual(self.get_device(first)[0], 200)

    def test_iot_user_cannot_manage_gateways(self):
        with (
            self.assertRaises(AccessError),
            Form(self.env["iot.gateway.wizard"].with_user(self.reader)) as wizard,
        ):
            wizard.name = "Rogue Gateway"
        Users = self.env["res.users"].with_user(self.reader)
        with self.assertRaises(AccessError):
            Users._iot_gateway_user("Rogue Gateway")
        with self.assertRaises(AccessError):
            self.gateway.with_user(self.reader)._iot_new_api_key("stolen")
        with self.assertRaises(AccessError):
            Users.action_iot_new_gateway()
        # Over JSON-RPC with the IoT user's own key.
        answer = self.execute_kw(
            "iot.gateway.wizard",
            "create",
            [{"name": "Rogue Gateway", "key_name": "rogue"}],
            user=self.reader,
            key=self.reader_key,
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)
        gateway_key = self.gateway.sudo().api_key_ids
        answer = self.execute_kw(
            "res.users.apikeys",
            "action_iot_revoke",
            [gateway_key.ids],
            user=self.reader,
            key=self.reader_key,
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)
        self.assertTrue(gateway_key.exists())
        self.assertFalse(
            self.env["res.users"].search([("login", "=", "iot-gateway-rogue-gateway")])
        )

    def test_manager_makes_keys_of_gateways_only(self):
        """A key is a password: an IoT manager making one for an internal user, or
        revoking theirs, would act as them."""
        with self.assertRaises(AccessError):
            self.reader.with_user(self.manager)._iot_new_api_key("as the reader")
        wizard = (
            self.env["iot.gateway.wizard"]
            .with_user(self.manager)
            .create({"user_id": self.reader.id, "key_name": "as the reader"})
        )
        with self.assertRaises(AccessError):
            wizard.action_create_key()
        # The reader's keys are not listed to the manager, nor revocable.
        reader_key = self.reader.sudo().api_key_ids
        self.assertTrue(reader_key)
        Keys = self.env["res.users.apikeys"].with_user(self.manager)
        self.assertFalse(Keys.search([("user_id", "=", self.reader.id)]))
        with self.assertRaises(AccessError):
            reader_key.with_user(self.manager).action_iot_revoke()
        # A gateway name that is an internal user's login is not taken over.
        new_test_user(self.env, login="iot-gateway-hr", groups="base.group_user")
        with self.assertRaises(UserError):
            self.env["res.users"].with_user(self.manager)._iot_gateway_user("HR")

    def test_manager_gives_only_companies_of_their_own(self):
        with self.assertRaises(AccessError):
            self.env["res.users"].with_user(self.manager)._iot_gateway_user(
                "Brand B Gateway", self.company_b
            )
        self.manager.write({"company_ids": [Command.link(self.company_b.id)]})
        gateway = (
            self.env["res.users"]
            .with_user(self.manager)
            ._iot_gateway_user("Brand B Gateway", self.company_b)
        )
        self.assertEqual(gateway.sudo().company_ids, self.company_b)
