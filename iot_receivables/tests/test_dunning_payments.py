"""What clears a debt unblocks at once, in the same transaction: a payment registered
from the invoice, a credit note, a write-off; undoing it blocks again."""

from freezegun import freeze_time

from odoo.tests import Form, TransactionCase, tagged

from .dunning_common import DunningFixtures


@tagged("post_install", "-at_install")
class TestDunningPayments(DunningFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dunning()

    def setUp(self):
        super().setUp()
        self.debtor = self.make_customer("Debtor")
        self.debt = self.invoice(self.debtor, 100.0, "2026-02-01")
        self.fleet = self.active_devices(self.debtor, "DUN_PAY1", "DUN_PAY2")
        self.fleet[1].with_user(self.manager)._apply_transition(code="suspend", reason="season")
        with freeze_time("2026-03-31 09:00:00"):
            self.run_dunning()
        self.assertEqual(set(self.fleet.mapped("state_id.code")), {"blocked"})

    def assert_back(self):
        self.assertEqual(self.fleet.mapped("state_id.code"), ["active", "suspended"])
        for device in self.fleet:
            event = self.events(device, "transition")[-1]
            self.assertEqual((event.origin, event.from_state_id.code), ("payment", "blocked"))
        log = self.env["iot.dunning.log"].search([("partner_id", "=", self.debtor.id)], limit=1)
        self.assertEqual(
            (log.step, log.level_id, log.trigger, log.devices_unblocked),
            ("lower", self.env["iot.dunning.level"], "payment", 2),
        )
        self.assertIn("nothing overdue any more", self.chatter(self.debtor)[0])

    def test_a_payment_registered_on_the_invoice_unblocks_in_its_transaction(self):
        self.register_payment(self.debt)
        self.assertEqual(self.debt.payment_state, "paid")
        # No run in between: the payment itself brought the devices back, each to the
        # state it left.
        self.assert_back()

    def test_a_partial_payment_that_leaves_a_blocking_debt_unblocks_nothing(self):
        self.register_payment(self.debt, amount=20.0)  # 80 still owed, over the 50
        self.assertEqual(set(self.fleet.mapped("state_id.code")), {"blocked"})
        self.register_payment(self.debt, amount=40.0)  # 40 owed: below the blocking level
        self.assertEqual(self.fleet.mapped("state_id.code"), ["active", "suspended"])
        log = self.env["iot.dunning.log"].search([("partner_id", "=", self.debtor.id)], limit=1)
        self.assertEqual((log.step, log.level_id.name), ("lower", "Letter and fee"))

    def test_a_credit_note_reconciled_unblocks(self):
        wizard = Form(
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=self.debt.ids)
        )
        wizard.reason = "Service not delivered"
        action = wizard.save().refund_moves()
        refund = self.env["account.move"].browse(action["res_id"])
        # Posting the credit note of the invoice matches it with the invoice.
        refund.with_user(self.accountant).action_post()
        self.assertEqual(self.debt.payment_state, "reversed")
        self.assert_back()

    def test_a_write_off_unblocks(self):
        writeoff = self.env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", self.company.id)], limit=1
        )
        # A write-off at payment needs the bank's outstanding receipts account.
        outstanding = self.env["account.account"].create(
            {
                "name": "Outstanding Receipts",
                "code": "101999",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        bank.inbound_payment_method_line_ids.payment_account_id = outstanding
        self.register_payment(
            self.debt,
            journal_id=bank,
            amount=95.0,
            payment_difference_handling="reconcile",
            writeoff_account_id=writeoff,
            writeoff_label="Bad debt",
        )
        self.assertEqual(self.debt.payment_state, "paid")
        self.assert_back()

    def test_unreconciling_the_payment_blocks_again(self):
        self.register_payment(self.debt)
        self.assertEqual(self.fleet.mapped("state_id.code"), ["active", "suspended"])
        fees = self.env["account.move"].search(
            [("iot_dunning_level_id", "!=", False), ("partner_id", "=", self.debtor.id)]
        )
        partial = self.debt.line_ids.matched_credit_ids
        self.debt.with_user(self.accountant).js_remove_outstanding_partial(partial.id)
        self.assertEqual(self.debt.payment_state, "not_paid")
        self.assertEqual(set(self.fleet.mapped("state_id.code")), {"blocked"})
        log = self.env["iot.dunning.log"].search([("partner_id", "=", self.debtor.id)], limit=1)
        self.assertEqual(
            (log.step, log.level_id.name, log.trigger, log.devices_blocked),
            ("escalate", "Devices blocked", "payment", 2),
        )
        # Paid again: back again, each to its state.
        self.register_payment(self.debt)
        self.assertEqual(self.fleet.mapped("state_id.code"), ["active", "suspended"])
        self.assertEqual(
            self.env["account.move"].search_count(
                [("iot_dunning_level_id", "!=", False), ("partner_id", "=", self.debtor.id)]
            ),
            len(fees),
        )

    def test_another_reason_keeps_the_device_blocked(self):
        self.fleet[0]._iot_block("fraud", note="SIM cloned")
        self.register_payment(self.debt)
        self.assertEqual(self.fleet.mapped("state_id.code"), ["blocked", "suspended"])
        self.assertEqual(
            self.fleet[0].block_ids.filtered(lambda b: b.state == "in_force").reason, "fraud"
        )
