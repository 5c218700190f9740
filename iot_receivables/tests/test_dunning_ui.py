"""Dunning from the accountant's seat (a tour in headless Chromium), and what those who
may not run it meet over JSON-RPC."""

import datetime

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase

from .dunning_common import DunningFixtures


@tagged("post_install", "-at_install")
class TestDunningUi(DunningFixtures, IotTourCase):
    ROLES = dict(IotTourCase.ROLES, accountant="base.group_user,account.group_account_invoice")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dunning()

    def test_accountant_runs_dunning_and_a_payment_unblocks(self):
        """Invoicing > Customers > Run Dunning blocks the debtor's device; registering the
        payment on the invoice brings it back, with no other step."""
        debtor = self.make_customer("Tour Debtor")
        today = fields.Date.context_today(self.env["res.partner"])
        self.invoice(debtor, 100.0, today - datetime.timedelta(days=40))
        device = self.active_devices(debtor, "TOUR_DUN_1", date_start=today.replace(day=1))
        self.tour(
            "/web#menu_id=%d" % self.env.ref("account.menu_finance").id,
            "iot_dunning_accountant_run_and_payment",
            "accountant",
        )
        self.assertEqual(device.state_id.code, "active")
        events = self.events(device, "transition")
        self.assertEqual([e.origin for e in events[-2:]], ["dunning", "payment"])
        logs = self.env["iot.dunning.log"].search([("partner_id", "=", debtor.id)])
        self.assertEqual(logs.mapped("step"), ["lower", "escalate"])
        self.assertEqual(logs[1].create_uid, self.tour_users["accountant"])

    def rpc_error(self, model, method, args, user, key, kwargs=None):
        body = self.execute_kw(model, method, args, user=user, key=key, kwargs=kwargs)
        self.assertIn("error", body, f"{user.login} could call {model}.{method}")
        return body["error"]["data"]["name"]

    def test_iot_users_and_gateways_cannot_run_dunning_or_touch_policies(self):
        log = self.env["iot.dunning.log"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "step": "escalate",
                "level_id": self.level[10].id,
            }
        )
        for user, key in ((self.reader, self.reader_key), (self.gateway, self.key)):
            for model, method, args in (
                ("iot.dunning.run.wizard", "create", [{}]),
                ("iot.dunning.policy", "create", [{"name": "Mine"}]),
                ("iot.dunning.policy", "write", [self.policy.ids, {"name": "Mine"}]),
                ("iot.dunning.level", "write", [self.level[30].ids, {"block_devices": False}]),
                ("iot.dunning.log", "create", [{"partner_id": user.partner_id.id}]),
                ("iot.dunning.log", "write", [log.ids, {"step": "lower"}]),
                ("iot.dunning.log", "unlink", [log.ids]),
                ("iot.dunning.log", "read", [log.ids]),
            ):
                self.assertEqual(
                    self.rpc_error(model, method, args, user, key),
                    "odoo.exceptions.AccessError",
                    f"{user.login}: {model}.{method}",
                )
            # A private method is not reachable over RPC.
            self.assertIn(
                "Private methods",
                self.execute_kw(
                    "res.partner", "_iot_dunning_run", [[], self.company.id], user=user, key=key
                )["error"]["data"]["message"],
            )
        self.assertEqual(self.policy.name, "Standard dunning")
        self.assertTrue(log.exists())

    def test_an_accountant_runs_but_does_not_configure(self):
        accountant = self.accountant
        policy = self.env["iot.dunning.policy"].with_user(accountant)
        self.assertEqual(policy.search([]), self.policy)
        with self.assertRaises(AccessError):  # only accounting managers configure
            policy.create({"name": "Mine"})
        manager = new_test_user(
            self.env,
            login="dun_acc_manager",
            groups="base.group_user,account.group_account_manager",
        )
        self.assertTrue(policy.with_user(manager).create({"name": "Theirs"}))

    def test_company_b_sees_none_of_company_a(self):
        user_b = new_test_user(
            self.env,
            login="dun_accountant_b",
            groups="base.group_user,account.group_account_invoice,account.group_account_manager",
            company_id=self.company_b.id,
            company_ids=[(6, 0, self.company_b.ids)],
        )
        log = self.env["iot.dunning.log"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "step": "escalate",
                "level_id": self.level[10].id,
            }
        )
        for model in ("iot.dunning.policy", "iot.dunning.level", "iot.dunning.log"):
            self.assertFalse(self.env[model].with_user(user_b).search([]), model)
        self.assertEqual(self.env["iot.dunning.log"].with_user(self.accountant).search([]), log)
