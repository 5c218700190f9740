"""Transaction accounts from the user's seat: the accountant's tour, and what a gateway
key or an IoT user cannot do over JSON-RPC."""

import datetime

from odoo.tests import tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase

from .test_transaction_account import AccountFixtures

OCTOBER = datetime.date(2026, 10, 31)


@tagged("post_install", "-at_install")
class TestAccountUi(AccountFixtures, IotTourCase):
    ROLES = dict(IotTourCase.ROLES, accountant="base.group_user,account.group_account_invoice")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_accounts()

    def held(self):
        self.on_plan(self.small, 2, "TXU")
        self.bill(OCTOBER, partner_ids=self.small)
        entries = self.entries(self.small)
        self.assertEqual(entries.mapped("state"), ["open"])
        return entries

    def test_accountant_invoices_a_customer_account_now(self):
        """An accountant (Invoicing only) opens the customer, sees 20.00 on account,
        clicks Invoice Now and sees the posted invoice."""
        entries = self.held()
        self.tour(f"/odoo/res.partner/{self.small.id}", "iot_account_invoice_now", "accountant")
        invoice = self.invoices(self.small)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.create_uid, self.tour_users["accountant"])
        self.assertEqual(entries.move_id, invoice)
        self.assertEqual(entries.mapped("state"), ["invoiced"])

    def rpc_error(self, answer):
        self.assertIn("error", answer, answer)
        return answer["error"]["data"]["name"]

    def test_gateway_and_iot_user_cannot_create_or_write_entries(self):
        entry = self.held()
        values = {
            "partner_id": self.small.id,
            "currency_id": entry.currency_id.id,
            "name": "Forged",
            "amount": -500.0,
            "date": "2026-10-31",
            "idempotency_key": "forged",
        }
        callers = [(self.gateway, self.key), (self.reader, self.reader_key)]
        for user, key in callers:
            with self.subTest(user=user.login):
                for method, args in (
                    ("create", [values]),
                    ("write", [entry.ids, {"amount": 0.0, "state": "invoiced"}]),
                    ("unlink", [entry.ids]),
                ):
                    answer = self.execute_kw("iot.account.entry", method, args, user, key)
                    self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError")
                answer = self.execute_kw(
                    "res.partner", "action_iot_invoice_now", [self.small.ids], user, key
                )
                self.assertIn("error", answer)
        self.assertRecordValues(entry, [{"amount": 20.0, "state": "open"}])
        self.assertEqual(self.entries(self.small), entry)
        self.assertFalse(self.invoices(self.small))
