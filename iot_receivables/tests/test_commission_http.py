"""Commissions from the user's seat over HTTP: the accountant settles and bills in
headless Chromium; an IoT user's or a gateway's key settles nothing over JSON-RPC."""

from odoo.tests import tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase

from .test_commissions import COMMISSION_ACCOUNTANT, CommissionFixtures


@tagged("post_install", "-at_install")
class TestCommissionHttp(CommissionFixtures, IotTourCase):
    ROLES = dict(IotTourCase.ROLES, accountant=COMMISSION_ACCOUNTANT)

    def assertRefused(self, answer):
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)

    def test_keys_settle_nothing_over_json_rpc(self):
        self.october()
        period = {"agent_id": self.owner_a.id, "date_from": "2026-10-01", "date_to": "2026-10-31"}
        for user, key in ((self.gateway, self.key), (self.reader, self.reader_key)):
            with self.subTest(user=user.login):
                self.assertRefused(
                    self.execute_kw("commission.settlement", "create", [period], user, key)
                )
                self.assertRefused(
                    self.execute_kw(
                        "commission.make.settle",
                        "create",
                        [{"settlement_type": "sale_invoice", "date_to": "2026-11-30"}],
                        user,
                        key,
                    )
                )
                self.assertRefused(
                    self.execute_kw(
                        "account.invoice.line.agent",
                        "write",
                        [self.env["account.invoice.line.agent"].search([]).ids, {"amount": 1e6}],
                        user,
                        key,
                    )
                )
        self.assertFalse(self.env["commission.settlement"].search([]))

    def test_accountant_settles_and_bills_from_the_menu(self):
        self.october()
        self.tour(
            "/odoo",
            "iot_commission_settle_and_bill",
            "accountant",
        )
        settlements = self.env["commission.settlement"].search([])
        self.assertEqual(settlements.agent_id, self.owner_a | self.owner_b)
        billed = settlements.filtered(lambda s: s.state == "invoiced")
        self.assertEqual(billed.agent_id, self.owner_a)
        self.assertEqual(billed.invoice_id.amount_untaxed, 20.5)
        self.assertEqual(billed.invoice_id.create_uid, self.tour_users["accountant"])
