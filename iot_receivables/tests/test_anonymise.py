"""Anonymising a closed consumer account on request, accounting intact."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures

LINE_FIELDS = [
    "account_id",
    "partner_id",
    "debit",
    "credit",
    "balance",
    "amount_currency",
    "amount_residual",
    "tax_line_id",
    "reconciled",
]


@tagged("post_install", "-at_install")
class TestAnonymise(IotFleetFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.accountant = new_test_user(
            cls.env, login="anon_accountant", groups="account.group_account_invoice"
        )
        cls.consumer = cls.env["res.partner"].create(
            {
                "name": "Jane Consumer",
                "email": "jane@example.com",
                "phone": "+32 470 00 00 00",
                "street": "Rue de la Loi 16",
                "zip": "1000",
                "city": "Brussels",
                "vat": "BE0477472701",
            }
        )
        cls.address = cls.env["res.partner"].create(
            {
                "name": "Jane at home",
                "parent_id": cls.consumer.id,
                "type": "invoice",
                "email": "jane.home@example.com",
            }
        )
        cls.device = cls.env["iot.device"].create({"identifier": "ANON-1"})
        cls.device._activate(cls.consumer, "2026-01-01")

    def invoice(self, partner, amount=100.0):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create({"name": "Tracker plan", "quantity": 1, "price_unit": amount})
                ],
            }
        )
        invoice.action_post()
        return invoice

    def pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def close_account(self):
        invoice = self.invoice(self.consumer)
        self.pay(invoice)
        self.device._apply_transition(code="cancel", reason="account closed")
        return invoice

    def snapshot(self, moves):
        return [
            (line.move_id.name, line.move_id.state, line.move_id.amount_total)
            + tuple(str(line[f]) for f in LINE_FIELDS)
            for line in moves.line_ids.sorted("id")
        ]

    def test_manager_anonymises_a_closed_consumer_account(self):
        invoice = self.close_account()
        moves = invoice | invoice.line_ids.matched_credit_ids.credit_move_id.move_id
        self.assertGreater(len(moves), 1, "the invoice and its payment")
        before = self.snapshot(moves)
        hash_before = moves.mapped("inalterable_hash")

        self.consumer.with_user(self.manager).action_iot_anonymise()

        label = f"Anonymised customer #{self.consumer.id}"
        cleared = dict.fromkeys(["email", "phone", "street", "zip", "city", "vat"], False)
        # The customer and its invoicing address alike.
        self.assertRecordValues(self.consumer | self.address, [dict(cleared, name=label)] * 2)
        self.assertTrue(self.consumer.iot_anonymised_date)
        # Accounting untouched: same entries, same lines, same amounts, same partner.
        self.env.invalidate_all()
        self.assertEqual(self.snapshot(moves), before)
        self.assertEqual(moves.mapped("inalterable_hash"), hash_before)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.consumer)
        self.assertEqual(invoice.invoice_partner_display_name, label)
        # Logged in the chatter, without the old data.
        note = self.consumer.message_ids[:1]
        self.assertIn("anonymised on request", note.body)
        self.assertNotIn("jane@example.com", "".join(self.consumer.message_ids.mapped("body")))

    def test_open_invoices_refuse_anonymisation(self):
        self.invoice(self.consumer, 50.0)
        self.device._apply_transition(code="cancel", reason="account closed")
        with self.assertRaisesRegex(UserError, "1 invoices are open"):
            self.consumer.with_user(self.manager).action_iot_anonymise()
        self.assertEqual(self.consumer.name, "Jane Consumer")

    def test_devices_in_service_refuse_anonymisation(self):
        with self.assertRaisesRegex(UserError, "1 devices are not terminated"):
            self.consumer.with_user(self.manager).action_iot_anonymise()
        self.assertEqual(self.consumer.email, "jane@example.com")

    def test_a_company_is_not_anonymised(self):
        company = self.env["res.partner"].create({"name": "Corp", "is_company": True})
        with self.assertRaisesRegex(UserError, "only a consumer"):
            company.with_user(self.manager).action_iot_anonymise()

    def test_who_may_not_anonymise(self):
        self.close_account()
        for user in (self.reader, self.accountant):
            with self.assertRaises(AccessError):
                self.consumer.with_user(user).action_iot_anonymise()
        self.assertEqual(self.consumer.name, "Jane Consumer")
