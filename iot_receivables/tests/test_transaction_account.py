"""Transaction accounts: billing runs hold small amounts until they are worth invoicing."""

import datetime

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.iot_contract_billing.tests.common import BillingScenario

from ..core import account as account_core

OCTOBER = datetime.date(2026, 10, 31)
NOVEMBER = datetime.date(2026, 11, 30)
DECEMBER = datetime.date(2026, 12, 31)


class AccountFixtures(BillingScenario):
    """A company holding what a run would invoice below 50.00, at most 3 months; a plan
    at 10.00 a device and month; the billing role runs billing, an accountant with
    Invoicing rights only looks after the accounts."""

    @classmethod
    def setup_accounts(cls):
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("ACC-PLAN", 10.0, name="Account Plan")
        cls.company.write(
            {"iot_billing_threshold": 50.0, "iot_holding_time": 3, "iot_holding_unit": "month"}
        )
        cls.accountant = new_test_user(
            cls.env,
            login="iot_account_billing",
            groups="base.group_user,iot_contract_billing.group_iot_billing",
        )
        cls.invoicing = new_test_user(
            cls.env,
            login="iot_account_invoicing",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.small = cls.env["res.partner"].create({"name": "Small Customer", "ref": "SMALL-1"})
        cls.big = cls.env["res.partner"].create({"name": "Big Customer", "ref": "BIG-1"})

    def on_plan(self, partner, count, prefix, date_start="2026-10-01"):
        devices = self.env["iot.device"].create(
            [{"identifier": f"{prefix}_{n}"} for n in range(count)]
        )
        devices._activate(partner, date_start, {"plan": {"product": "ACC-PLAN"}, "term_months": 3})
        return devices

    def bill(self, date, partner_ids=None, **values):
        """A billing run for the month of ``date`` through the wizard, as the billing
        role, for these customers."""
        wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        wizard.date = date
        for partner in partner_ids or ():
            wizard.partner_ids.add(partner)
        for name, value in values.items():
            setattr(wizard, name, value)
        action = wizard.save().action_create_post()
        return self.env["iot.billing.run"].browse(action["res_id"])

    def own_policy(self, partner, threshold, holding, unit):
        partner.write(
            {
                "iot_hold_policy": "custom",
                "iot_billing_threshold": threshold,
                "iot_holding_time": holding,
                "iot_holding_unit": unit,
            }
        )

    def entries(self, partner, state=None):
        domain = [("partner_id", "=", partner.id)]
        if state:
            domain.append(("state", "=", state))
        return self.env["iot.account.entry"].search(domain, order="id")

    def invoices(self, partner):
        return self.env["account.move"].search(
            [("partner_id", "=", partner.id), ("move_type", "=", "out_invoice")], order="id"
        )

    def balance(self, partner):
        return partner.with_user(self.invoicing).iot_account_balance


@tagged("post_install", "-at_install")
class TestTransactionAccount(AccountFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_accounts()

    def test_run_holds_a_small_customer_and_invoices_a_big_one(self):
        small_devices = self.on_plan(self.small, 1, "TXS")
        self.on_plan(self.big, 6, "TXB")
        run = self.bill(OCTOBER, partner_ids=self.small | self.big)

        big_invoice = self.invoices(self.big)
        self.assertEqual(big_invoice.state, "posted")
        self.assertEqual(big_invoice.amount_untaxed, 60.0)
        self.assertEqual(run.invoice_ids, big_invoice)
        self.assertFalse(self.entries(self.big))
        # The run's own invoice, with its fleet detail.
        self.assertEqual(len(big_invoice.iot_detail_ids), 6)

        self.assertFalse(self.invoices(self.small))
        entry = self.entries(self.small)
        self.assertRecordValues(
            entry,
            [
                {
                    "state": "open",
                    "product_id": self.plan.id,
                    "name": "Account Plan",
                    "quantity": 1.0,
                    "price_unit": 10.0,
                    "amount": 10.0,
                    "date": OCTOBER,
                    "date_start": datetime.date(2026, 10, 1),
                    "date_end": OCTOBER,
                    "run_id": run.id,
                    "source": "billing_run",
                }
            ],
        )
        schedule = small_devices.billing_schedule_ids.filtered(lambda s: s.date_end == OCTOBER)
        self.assertEqual(entry.schedule_ids, schedule)
        self.assertEqual(schedule.state, "on_account")
        self.assertEqual(self.balance(self.small), 10.0)

        # Billed on the account: no run bills it again.
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill(OCTOBER, partner_ids=self.small)
        self.assertEqual(len(self.entries(self.small)), 1)

    def test_crossing_the_threshold_invoices_everything_once(self):
        devices = self.on_plan(self.small, 3, "TXC")
        self.bill(OCTOBER, partner_ids=self.small)
        self.assertEqual(self.balance(self.small), 30.0)
        self.assertFalse(self.invoices(self.small))

        run = self.bill(NOVEMBER, partner_ids=self.small)
        invoice = self.invoices(self.small)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(run.invoice_ids, invoice)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date, NOVEMBER)
        self.assertEqual(
            self.lines(invoice),
            [
                ("Account Plan - October 2026", 3.0, 10.0),
                ("Account Plan - November 2026", 3.0, 10.0),
            ],
        )
        self.assertEqual(invoice.amount_untaxed, 60.0)
        entries = self.entries(self.small)
        self.assertEqual(entries.mapped("state"), ["invoiced", "invoiced"])
        self.assertEqual(entries.move_id, invoice)
        self.assertEqual(self.balance(self.small), 0.0)
        schedules = devices.billing_schedule_ids.filtered(lambda s: s.date_end <= NOVEMBER)
        self.assertEqual(set(schedules.mapped("state")), {"invoiced"})
        self.assertEqual(schedules.invoice_id, invoice)

        # December, the fiscal year's last day: its own amount alone, nothing twice.
        self.bill(DECEMBER, partner_ids=self.small)
        december = self.invoices(self.small) - invoice
        self.assertEqual(self.lines(december), [("Account Plan - December 2026", 3.0, 10.0)])
        self.assertEqual(self.entries(self.small).move_id, invoice | december)

    def test_holding_time_invoices_a_small_account(self):
        self.own_policy(self.small, 100.0, 1, "month")
        self.on_plan(self.small, 1, "TXH")
        self.bill(OCTOBER, partner_ids=self.small)
        self.assertEqual(self.balance(self.small), 10.0)
        # November 30 is a month after October 31: the account is invoiced at 20.00.
        self.bill(NOVEMBER, partner_ids=self.small)
        invoice = self.invoices(self.small)
        self.assertEqual(invoice.amount_untaxed, 20.0)
        self.assertEqual(self.balance(self.small), 0.0)

    def test_holding_time_in_days_from_the_scheduled_action(self):
        self.own_policy(self.small, 100.0, 20, "day")
        self.on_plan(self.small, 1, "TXD")
        self.bill(OCTOBER, partner_ids=self.small)
        Entry = self.env["iot.account.entry"]
        with freeze_time("2026-11-19"):
            Entry._cron_flush_due()
        self.assertFalse(self.invoices(self.small), "held 19 days")
        with freeze_time("2026-11-20"):
            Entry._cron_flush_due()
        self.assertEqual(self.invoices(self.small).amount_untaxed, 10.0)

    def test_fiscal_year_end_invoices_every_account(self):
        self.company.iot_holding_time = 0  # no holding time: only the year end
        self.on_plan(self.small, 1, "TXY")
        self.bill(OCTOBER, partner_ids=self.small)
        self.bill(NOVEMBER, partner_ids=self.small)
        Entry = self.env["iot.account.entry"]
        with freeze_time("2026-12-30"):
            Entry._cron_flush_due()
        self.assertFalse(self.invoices(self.small))
        with freeze_time("2026-12-31"):
            Entry._cron_flush_due()
        invoice = self.invoices(self.small)
        self.assertEqual(invoice.invoice_date, DECEMBER)
        self.assertEqual(invoice.amount_untaxed, 20.0)
        self.assertEqual(self.entries(self.small, "open"), Entry)

    def test_fiscal_year_of_the_company(self):
        """A fiscal year ending on March 31: an account held from the last year is
        invoiced by the first run of the new year."""
        self.company.write(
            {"iot_holding_time": 0, "fiscalyear_last_month": "3", "fiscalyear_last_day": 31}
        )
        self.on_plan(self.small, 1, "TXF", date_start="2027-02-01")
        self.bill(datetime.date(2027, 2, 28), partner_ids=self.small)
        self.assertFalse(self.invoices(self.small))
        self.bill(datetime.date(2027, 3, 31), partner_ids=self.small)
        self.assertEqual(self.invoices(self.small).amount_untaxed, 20.0)

    def test_a_customer_that_never_holds(self):
        self.small.iot_hold_policy = "never"
        self.on_plan(self.small, 1, "TXN")
        self.bill(OCTOBER, partner_ids=self.small)
        self.assertEqual(self.invoices(self.small).amount_untaxed, 10.0)
        self.assertFalse(self.entries(self.small))

    def test_idempotency_key_refuses_duplicates(self):
        self.on_plan(self.small, 1, "TXK")
        self.bill(OCTOBER, partner_ids=self.small)
        entry = self.entries(self.small)
        values = entry.copy_data({"idempotency_key": entry.idempotency_key})[0]
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["iot.account.entry"].create(values)
        # Held once more from the same schedules (a run replayed): the same key.
        run, schedules = entry.run_id, entry.schedule_ids
        _vals, prepared = run._prepare_contract_invoice(schedules.contract_id, schedules, {})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            run._hold_on_account(self.small, entry.currency_id, prepared, schedules)
        self.assertEqual(len(self.entries(self.small)), 1)

    def test_accountant_invoices_now(self):
        self.on_plan(self.small, 2, "TXI")
        self.bill(OCTOBER, partner_ids=self.small)
        self.assertEqual(self.balance(self.small), 20.0)
        partner = self.small.with_user(self.invoicing)
        action = partner.action_iot_invoice_now()
        invoice = self.invoices(self.small)
        self.assertEqual(action["res_id"], invoice.id)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.create_uid, self.invoicing)
        self.assertEqual(self.lines(invoice), [("Account Plan - October 2026", 2.0, 10.0)])
        self.assertEqual(self.balance(self.small), 0.0)
        with self.assertRaisesRegex(UserError, "Nothing is held"):
            partner.action_iot_invoice_now()

    def test_invoice_now_takes_invoicing_rights(self):
        self.on_plan(self.small, 1, "TXR")
        self.bill(OCTOBER, partner_ids=self.small)
        with self.assertRaises(AccessError):
            self.small.with_user(self.reader).action_iot_invoice_now()
        with self.assertRaises(AccessError):
            self.small.with_user(self.manager).action_iot_invoice_now()
        self.assertEqual(len(self.entries(self.small, "open")), 1)

    def test_nobody_writes_entries_through_the_orm(self):
        self.on_plan(self.small, 1, "TXW")
        self.bill(OCTOBER, partner_ids=self.small)
        entry = self.entries(self.small)
        for user in (self.invoicing, self.accountant, self.reader, self.manager):
            with self.assertRaises(AccessError):
                entry.with_user(user).write({"amount": 0.0})
            with self.assertRaises(AccessError):
                self.env["iot.account.entry"].with_user(user).create(
                    entry.copy_data({"idempotency_key": "forged"})[0]
                )

    def test_record_rule_per_company(self):
        self.on_plan(self.small, 1, "TXM")
        self.bill(OCTOBER, partner_ids=self.small)
        entry = self.entries(self.small)
        other = self.env["iot.account.entry"].create(
            dict(
                entry.copy_data()[0],
                company_id=self.company_b.id,
                partner_id=self.customer_b.id,
                idempotency_key="company-b",
                schedule_ids=[Command.clear()],
            )
        )
        accountant_b = new_test_user(
            self.env,
            login="iot_account_b",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        Entry = self.env["iot.account.entry"]
        self.assertEqual(Entry.with_user(accountant_b).search([]), other)
        self.assertEqual(Entry.with_user(self.invoicing).search([]), entry)
        with self.assertRaises(AccessError):
            entry.with_user(accountant_b).read(["amount"])

    def test_settings_set_the_company_default(self):
        settings = Form(self.env["res.config.settings"])
        settings.iot_billing_threshold = 75.0
        settings.iot_holding_time = 45
        settings.iot_holding_unit = "day"
        settings.save().execute()
        self.assertEqual(
            self.small._iot_hold_policy(self.company), account_core.Policy(75.0, 45, "day")
        )

    def test_flush_sql_says_what_the_core_says(self):
        """The flush's SQL decides as ``core.account.flush_reason`` on the same accounts."""
        Entry = self.env["iot.account.entry"]
        day = NOVEMBER
        fiscal_year = (datetime.date(2026, 1, 1), DECEMBER)
        cases = [
            (49.99, datetime.date(2026, 11, 30), ("custom", 50.0, 3, "month")),
            (50.0, datetime.date(2026, 11, 30), ("custom", 50.0, 3, "month")),
            (10.0, datetime.date(2026, 8, 30), ("custom", 50.0, 3, "month")),
            (10.0, datetime.date(2026, 9, 1), ("custom", 50.0, 3, "month")),
            (10.0, datetime.date(2026, 11, 10), ("custom", 50.0, 20, "day")),
            (10.0, datetime.date(2026, 11, 11), ("custom", 50.0, 20, "day")),
            (10.0, datetime.date(2025, 12, 31), ("custom", 50.0, 0, "month")),
            (10.0, datetime.date(2026, 1, 1), ("custom", 50.0, 0, "month")),
            (10.0, datetime.date(2026, 11, 30), ("never", 0.0, 0, "month")),
            (10.0, datetime.date(2026, 11, 30), ("company", 0.0, 0, "month")),
        ]
        partners = self.env["res.partner"]
        expected = set()
        for number, (balance, oldest, (policy, threshold, holding, unit)) in enumerate(cases):
            partner = self.env["res.partner"].create(
                {
                    "name": f"Rule {number}",
                    "iot_hold_policy": policy,
                    "iot_billing_threshold": threshold,
                    "iot_holding_time": holding,
                    "iot_holding_unit": unit,
                }
            )
            partners |= partner
            Entry.create(
                {
                    "partner_id": partner.id,
                    "currency_id": self.company.currency_id.id,
                    "name": "Rule",
                    "amount": balance,
                    "date": oldest,
                    "idempotency_key": f"rule-{number}",
                }
            )
            rule = partner._iot_hold_policy(self.company)
            if account_core.flush_reason(balance, oldest, rule, day, fiscal_year):
                expected.add(partner.id)
        claimed = Entry.browse(Entry._claim_due(self.company, day, partners, False))
        self.assertEqual(set(claimed.partner_id.ids), expected)
        self.assertEqual(len(expected), 5)
