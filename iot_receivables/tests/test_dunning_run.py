"""The dunning run, as the accountant starts it (Run Dunning), on dates frozen so that
each customer's debt is a number of days past its due date."""

from freezegun import freeze_time

from odoo import fields
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from .dunning_common import DunningFixtures


@tagged("post_install", "-at_install")
class TestDunningRun(DunningFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dunning()

    def test_levels_are_measured_from_the_due_date(self):
        # Invoiced long ago, due recently: the due date counts, not the invoice date.
        recent = self.make_customer("Recent Due")
        self.invoice(recent, 100.0, "2026-03-25", date="2025-12-01")
        reminded = self.make_customer("Reminded")
        self.invoice(reminded, 100.0, "2026-03-15")
        charged = self.make_customer("Charged")
        self.invoice(charged, 100.0, "2026-03-05")
        small = self.make_customer("Small Debt")
        self.invoice(small, 30.0, "2026-02-20")  # 39 days, but under the 50 to block
        blocked = self.make_customer("Blocked")
        self.invoice(blocked, 60.0, "2026-02-20")
        devices = self.active_devices(blocked, "DUN_B1", "DUN_B2")
        with freeze_time("2026-03-31 09:00:00"):
            logs = self.run_dunning()
        by_partner = {log.partner_id: log for log in logs}
        self.assertNotIn(recent, by_partner)
        self.assertEqual(
            {
                p.name: (log.level_id.name, log.overdue_count, log.overdue_amount, log.days_overdue)
                for p, log in by_partner.items()
            },
            {
                "Reminded": ("Reminder", 1, 100.0, 16),
                "Charged": ("Letter and fee", 1, 100.0, 26),
                "Small Debt": ("Letter and fee", 1, 30.0, 39),
                "Blocked": ("Devices blocked", 1, 60.0, 39),
            },
        )
        # Reminder by e-mail, from the level's template, to the customer.
        mail = self.env["mail.mail"].search(
            [("model", "=", "iot.dunning.log"), ("res_id", "=", by_partner[reminded].id)]
        )
        self.assertEqual(mail.recipient_ids, reminded)
        self.assertIn("payment reminder", mail.subject)
        self.assertTrue(by_partner[reminded].email_sent)
        # The fee: a posted invoice of the fee product, once.
        fee = by_partner[charged].fee_invoice_id
        self.assertEqual((fee.state, fee.partner_id, fee.amount_total), ("posted", charged, 5.0))
        self.assertEqual(fee.invoice_line_ids.product_id, self.fee_product)
        self.assertTrue(by_partner[charged].letter)
        # The letter prints (QWeb, HTML here) with the overdue invoice.
        html = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html("iot_receivables.report_dunning_letter", by_partner[charged].ids)[0]
            .decode()
        )
        self.assertIn("Payment Reminder", html)
        self.assertIn("100.00", html)
        # Blocking: the devices move to Blocked through the transition, origin dunning.
        self.assertEqual(set(devices.mapped("state_id.code")), {"blocked"})
        self.assertEqual(by_partner[blocked].devices_blocked, 2)
        for device in devices:
            event = self.events(device, "transition")[-1]
            self.assertEqual((event.origin, event.to_state_id.code), ("dunning", "blocked"))
        # Each step on the customer's chatter.
        self.assertEqual(len(self.chatter(blocked)), 1)
        self.assertIn("2 device(s) blocked", self.chatter(blocked)[0])
        self.assertIn("Letter and fee reached", self.chatter(charged)[0])
        self.assertEqual(
            blocked.with_user(self.accountant).iot_dunning_level_id.name, "Devices blocked"
        )

    def test_a_second_run_sends_nothing_twice(self):
        partner = self.make_customer("Twice")
        self.invoice(partner, 100.0, "2026-03-05")
        with freeze_time("2026-03-31 09:00:00"):
            first = self.run_dunning()
            again = self.run_dunning()
        self.assertEqual(len(first.filtered(lambda log: log.partner_id == partner)), 1)
        self.assertFalse(again.filtered(lambda log: log.partner_id == partner))
        fees = self.env["account.move"].search(
            [("iot_dunning_level_id", "!=", False), ("partner_id", "=", partner.id)]
        )
        self.assertEqual(len(fees), 1)
        # Days later the next level is reached: one more step, its own actions.
        with freeze_time("2026-04-10 09:00:00"):
            later = self.run_dunning().filtered(lambda log: log.partner_id == partner)
        self.assertEqual(
            (later.step, later.level_id.name, later.previous_level_id.name),
            ("escalate", "Devices blocked", "Letter and fee"),
        )

    def test_hand_over_to_collection(self):
        partner = self.make_customer("Handed Over")
        self.invoice(partner, 40.0, "2026-01-10")
        self.invoice(partner, 40.0, "2026-01-20")
        with freeze_time("2026-03-31 09:00:00"):
            log = self.run_dunning().filtered(lambda log: log.partner_id == partner)
        self.assertEqual(log.level_id.name, "Collection")
        self.assertTrue(log.handed_over)
        self.assertTrue(partner.iot_in_collection)
        activity = partner.activity_ids
        self.assertEqual(
            (activity.user_id, activity.summary), (self.accountant, "Hand over to collection")
        )

    def test_a_customer_policy_replaces_the_company_one(self):
        lenient = self.policy.copy({"name": "Lenient"})
        lenient.level_ids.write({"days_overdue": 90})
        partner = self.make_customer("Lenient Customer")
        # Whoever edits customers (and reads accounting) sets it on the customer's form.
        editor = new_test_user(
            self.env,
            login="dun_partner_editor",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice",
        )
        with Form(partner.with_user(editor)) as form:
            form.iot_dunning_policy_id = lenient
        self.assertEqual(partner.iot_dunning_policy_id, lenient)
        self.invoice(partner, 100.0, "2026-02-01")
        with freeze_time("2026-03-31 09:00:00"):
            logs = self.run_dunning()
        self.assertNotIn(partner, logs.partner_id)

    def test_paid_through_devices_are_not_blocked(self):
        partner = self.make_customer("Paid Ahead")
        paid = self.active_devices(partner, "DUN_P1", date_start="2026-03-01")
        # March billed and paid for the first device (invoiced in advance: the March
        # period ends after the dunning run's day); the second comes after that invoice.
        with freeze_time("2026-03-02 09:00:00"):
            invoice = self.bill_devices(paid, "2026-03-31")
            self.register_payment(invoice)
        unpaid = self.active_devices(partner, "DUN_P2", date_start="2026-03-01")
        self.assertEqual(invoice.payment_state, "paid")
        self.invoice(partner, 100.0, "2026-02-01")
        with freeze_time("2026-03-20 09:00:00"):
            log = self.run_dunning().filtered(lambda log: log.partner_id == partner)
        self.assertEqual(log.devices_blocked, 1)
        self.assertEqual((paid.state_id.code, unpaid.state_id.code), ("active", "blocked"))
        # Once its paid period is over, the next run blocks it too.
        with freeze_time("2026-04-01 09:00:00"):
            self.run_dunning()
        self.assertEqual(paid.state_id.code, "blocked")
        self.assertIn("Dunning blocked 1 more device(s).", self.chatter(partner)[0])

    def bill_devices(self, devices, date):
        """Bill the devices' month as the billing role does, and return their invoice."""
        run = self.bill(fields.Date.to_date(date))
        return run.invoice_ids.filtered(lambda inv: inv.partner_id == devices.partner_id)

    def test_a_subsidiary_is_blocked_for_its_own_debt_only(self):
        group = self.make_customer("Group", is_company=True)
        buyer = self.make_customer("Group Buyer", parent_id=group.id)
        subsidiary = self.make_customer("Subsidiary", is_company=True, parent_id=group.id)
        group_devices = self.active_devices(buyer, "DUN_G1")
        sub_devices = self.active_devices(subsidiary, "DUN_S1")
        self.invoice(group, 100.0, "2026-02-01")
        with freeze_time("2026-03-31 09:00:00"):
            logs = self.run_dunning()
        self.assertEqual(logs.filtered(lambda log: log.devices_blocked).partner_id, group)
        self.assertEqual(group_devices.state_id.code, "blocked")
        self.assertEqual(sub_devices.state_id.code, "active")
        # The subsidiary's own debt blocks its devices, not the group's others.
        self.invoice(subsidiary, 100.0, "2026-02-01")
        self.register_payment(group.invoice_ids.filtered(lambda m: m.amount_residual))
        self.assertEqual(group_devices.state_id.code, "active", "the group has paid")
        with freeze_time("2026-03-31 09:00:00"):
            self.run_dunning()
        self.assertEqual(
            (group_devices.state_id.code, sub_devices.state_id.code), ("active", "blocked")
        )

    def test_blocked_time_is_priced_by_status_and_lifting_adds_no_invoice(self):
        self.plan.product_tmpl_id.iot_status_price_ids = [
            (0, 0, {"base_status": "suspended", "price": 2.0}),
        ]
        partner = self.make_customer("Blocked Month")
        device = self.active_devices(partner, "DUN_M1", date_start="2026-04-01")
        debt = self.invoice(partner, 100.0, "2026-03-01")
        with freeze_time("2026-04-01 00:00:00"):
            self.run_dunning()
        self.assertEqual(device.state_id.code, "blocked")
        with freeze_time("2026-05-01 00:00:00"):
            self.register_payment(debt)
        self.assertEqual(device.state_id.code, "active")
        invoices = self.bill(fields.Date.to_date("2026-04-30")).invoice_ids
        self.assertEqual(
            self.lines(invoices.filtered(lambda inv: inv.partner_id == partner)),
            [("Dunning plan - 1 device x 2.00", 1.0, 2.0)],
        )
        before = self.env["account.move"].search_count([("partner_id", "=", partner.id)])
        with freeze_time("2026-05-02 09:00:00"):
            self.run_dunning()
        self.assertEqual(
            self.env["account.move"].search_count([("partner_id", "=", partner.id)]),
            before,
            "lifting the block invoices nothing",
        )
