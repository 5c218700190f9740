"""Levelised billing from the users' seats: the accountant starts a plan with the wizard,
the billing user runs the months (valued, not invoiced), the scheduled action invoices
the instalments and reviews, the accountant settles the year - once."""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.iot_contract_billing.tests.common import BillingScenario


@tagged("post_install", "-at_install")
class TestLevelisedBilling(BillingScenario, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("LVL-PLAN", 10.0, name="Levelised Plan")
        cls.calculator = cls.make_water_calculator("LVL_WATER", 2.0)
        cls.accountant = new_test_user(
            cls.env, login="lvl_accountant", groups="base.group_user,account.group_account_invoice"
        )
        cls.biller = new_test_user(
            cls.env,
            login="lvl_biller",
            groups="base.group_user,iot_contract_billing.group_iot_billing",
        )
        # 2025: two devices at 10.00 a month, 100 m3 at 2.00 in March -> 440.00 billed;
        # another customer's device, billed as usual throughout.
        with freeze_time("2025-01-01 09:00:00"):
            cls.meters = cls.env["iot.device"].create(
                [{"identifier": "LVL_1"}, {"identifier": "LVL_2"}]
            )
            cls.meters._activate(
                cls.customer, "2025-01-01", {"plan": {"product": "LVL-PLAN"}, "term_months": 24}
            )
            cls.other = cls.env["iot.device"].create({"identifier": "LVL_OTHER"})
            cls.other._activate(
                cls.customer_2, "2025-01-01", {"plan": {"product": "LVL-PLAN"}, "term_months": 24}
            )
        with freeze_time("2025-03-11 09:00:00"):
            assert cls.ingest_reading(cls.meters[0], "2025-03-10T08:00:00Z", 100)["accepted"]
        with freeze_time("2026-01-01 03:00:00"):
            cls._bill_as(
                cls.biller,
                period_mode="period",
                date_from=datetime.date(2025, 1, 1),
                date_to=datetime.date(2025, 12, 31),
            )

    @classmethod
    def _bill_as(cls, user, **values):
        """A billing run of the test's customers (the demo has its own) as ``user``."""
        form = Form(cls.env["iot.billing.run.wizard"].with_user(user))
        form.partner_ids.add(cls.customer)
        form.partner_ids.add(cls.customer_2)
        for name, value in values.items():
            setattr(form, name, value)
        action = form.save().action_create_post()
        return cls.env["iot.billing.run"].browse(action["res_id"])

    def wizard_form(self):
        """The accountant's wizard, for the customer from January 2026."""
        form = Form(self.env["iot.levelised.plan.wizard"].with_user(self.accountant))
        form.partner_id = self.customer
        form.date_start = datetime.date(2026, 1, 1)
        return form

    def start(self, form):
        action = form.save().action_start()
        return self.env["iot.levelised.plan"].browse(action["res_id"]).with_user(self.accountant)

    def start_plan(self, **values):
        with freeze_time("2026-01-01 08:00:00"):
            form = self.wizard_form()
            for name, value in values.items():
                setattr(form, name, value)
            return self.start(form)

    def cron(self):
        self.env.ref("iot_receivables.ir_cron_iot_levelised_billing").sudo().method_direct_trigger()

    def schedules(self, month):
        start = datetime.date(2026, month, 1)
        return self.env["iot.billing.schedule"].search(
            [("device_id", "in", self.meters.ids), ("date_start", "=", start)]
        )

    def test_a_year_of_levelised_billing(self):
        with freeze_time("2026-01-01 08:00:00"):
            form = self.wizard_form()
            self.assertEqual(form.last_year_amount, 440.0)
            self.assertEqual(form.estimated_amount, 440.0)
            self.assertEqual(form.instalment_amount, 36.67)
            form.review_months = "4,8"
            form.tolerance = 10
            plan = self.start(form)
        self.assertEqual(plan.state, "running")
        self.assertEqual(plan.date_end, datetime.date(2026, 12, 31))
        instalments = plan.instalment_ids.sorted("sequence")
        self.assertEqual(instalments.mapped("amount"), [36.67] * 8 + [36.66] * 4)
        self.assertEqual(round(sum(instalments.mapped("amount")), 2), 440.0)
        first = instalments[0].move_id
        self.assertEqual(first.state, "posted")
        self.assertEqual(first.partner_id, self.customer)
        self.assertEqual(first.amount_untaxed, 36.67)
        self.assertRegex(
            first.invoice_line_ids.name,
            r"^Instalment 1/12 - estimated annual cost .*440\.00 \(January 2026\)$",
        )
        self.assertFalse(instalments[1:].move_id, "later months are invoiced in their month")

        # Each month: the billing user bills the month that ended (the customer's
        # schedules are valued, not invoiced; the other customer is invoiced as usual),
        # then the scheduled action invoices the month's instalment and reviews.
        for month in range(1, 13):
            if month <= 8:
                with freeze_time(f"2026-{month:02d}-11 09:00:00"):
                    self.use(self.meters[0], f"2026-{month:02d}-10T08:00:00Z", 30)
            first_of_next = datetime.date(2026, month, 1) + datetime.timedelta(days=31)
            with freeze_time(first_of_next.replace(day=1).isoformat() + " 03:00:00"):
                run = self._bill_as(self.biller, date=datetime.date(2026, month, 1))
                self.assertEqual(run.state, "done")
                self.assertEqual(run.invoice_ids.partner_id, self.customer_2)
                covered = self.schedules(month)
                self.assertEqual(set(covered.mapped("state")), {"levelised"})
                self.assertEqual(covered.levelised_plan_id, plan)
                usage = 60.0 if month <= 8 else 0.0
                self.assertEqual(sum(covered.mapped("amount_total")), 20.0 + usage)
                self.cron()
            if month == 4:
                # Reviewed after April: 320.00 used against 146.67 expected (+118%):
                # the year is re-levelled to 960.00 - five instalments of 36.67
                # invoiced, the seven left 110.95 each.
                self.assertEqual(plan.reviewed_month, 4)
                self.assertEqual(plan.projected_amount, 960.0)
                amounts = plan.instalment_ids.sorted("sequence").mapped("amount")
                self.assertEqual(amounts, [36.67] * 5 + [110.95] * 7)
                self.assertEqual(round(sum(amounts), 2), 960.0)
                self.assertIn("re-levelled", plan.message_ids[0].body)
            if month == 8:
                # After August: 640.00 against 640.00 of the new projection: unchanged.
                self.assertEqual(plan.reviewed_month, 8)
                self.assertEqual(plan.projected_amount, 960.0)
                self.assertIn("within the tolerance", plan.message_ids[0].body)
        sixth = plan.instalment_ids.filtered(lambda i: i.sequence == 6).move_id
        self.assertIn("Instalment 6/12 - estimated annual cost", sixth.invoice_line_ids.name)
        self.assertIn("960.00", sixth.invoice_line_ids.name)
        self.assertEqual(sixth.amount_untaxed, 110.95)
        self.assertEqual(set(plan.instalment_ids.mapped("state")), {"invoiced"})
        self.assertEqual(plan.invoiced_amount, 960.0)
        # Each month's actual cost at its prices: 80.00 to August, then 20.00.
        self.assertEqual(
            plan.instalment_ids.sorted("sequence").mapped("actual_amount"), [80.0] * 8 + [20.0] * 4
        )
        self.assertEqual(plan.actual_amount, 720.0)

        # The settlement: 720.00 used, 960.00 invoiced -> a credit note of 240.00.
        with freeze_time("2027-01-02 09:00:00"):
            action = plan.action_settle()
            credit = self.env["account.move"].browse(action["res_id"])
            self.assertEqual(credit.move_type, "out_refund")
            self.assertEqual(credit.state, "posted")
            self.assertEqual(credit.amount_untaxed, 240.0)
            self.assertEqual(plan.state, "settled")
            self.assertEqual(plan.settled_amount, -240.0)
            # Settled again: nothing more.
            again = plan.action_settle()
            self.assertEqual(again["tag"], "display_notification")
            self.assertEqual(plan.settlement_move_ids, credit)
        invoices = self.env["account.move"].search([("partner_id", "=", self.customer.id)])
        this_year = invoices.filtered(lambda m: m.invoice_date >= datetime.date(2026, 1, 1))
        self.assertEqual(this_year, plan.instalment_ids.move_id | credit)
        self.assertEqual(plan.invoice_count, 13)

    def test_settlement_invoices_the_rest_once(self):
        plan = self.start_plan(estimate_method="manual", estimated_amount=120.0, review_months="6")
        self.assertEqual(plan.instalment_ids.mapped("amount"), [10.0] * 12)
        with freeze_time("2026-07-02 09:00:00"):
            with self.assertRaisesRegex(UserError, "Billing has not run for .*January 2026"):
                plan.action_review()
            with self.assertRaisesRegex(UserError, "settled after its last day"):
                plan.action_settle()
        # The billing user catches the year up in one run: all of it left to the plan.
        with freeze_time("2027-01-01 03:00:00"):
            run = self._bill_as(
                self.biller,
                period_mode="period",
                date_from=datetime.date(2026, 1, 1),
                date_to=datetime.date(2026, 12, 31),
            )
            self.assertEqual(run.invoice_ids.partner_id, self.customer_2)
            self.assertEqual(len(self.schedules(3).filtered("levelised_plan_id")), 2)
            action = plan.action_settle()
            invoice = self.env["account.move"].browse(action["res_id"])
            # 240.00 of plan fees against 120.00 of instalments (all invoiced by now).
            self.assertEqual(invoice.move_type, "out_invoice")
            self.assertEqual(invoice.amount_untaxed, 120.0)
            self.assertEqual(len(plan.instalment_ids.move_id), 12)
            self.assertIn("settlement", invoice.invoice_line_ids.name)
            plan.action_settle()
            plan.action_settle()
        self.assertEqual(plan.settlement_move_ids, invoice)
        self.assertEqual(plan.settled_amount, 120.0)

    def test_late_usage_of_a_covered_month_is_settled_by_the_plan(self):
        plan = self.start_plan(estimate_method="manual", estimated_amount=120.0)
        with freeze_time("2026-02-01 03:00:00"):
            self._bill_as(self.biller, date=datetime.date(2026, 1, 1))
        # January's reading arrives in February, after January was left to the plan.
        with freeze_time("2026-02-05 09:00:00"):
            self.use(self.meters[0], "2026-01-20T08:00:00Z", 10)
        with freeze_time("2026-03-01 03:00:00"):
            run = self._bill_as(self.biller, date=datetime.date(2026, 2, 1))
        self.assertEqual(run.invoice_ids.partner_id, self.customer_2)
        february = self.schedules(2).filtered("has_adjustment")
        self.assertEqual(february.adjustment_amount, 20.0)
        self.assertEqual(february.state, "levelised")
        self.assertEqual(plan.instalment_ids.sorted("sequence")[1].actual_amount, 40.0)
        self.assertEqual(plan.actual_amount, 60.0)
        # Counted once: the next run finds no late usage left.
        with freeze_time("2026-04-01 03:00:00"):
            self._bill_as(self.biller, date=datetime.date(2026, 3, 1))
        self.assertFalse(self.schedules(3).filtered("has_adjustment"))
        self.assertEqual(plan.actual_amount, 80.0)

    def test_compute_estimate_on_a_draft_plan(self):
        with freeze_time("2026-01-01 08:00:00"):
            form = Form(self.env["iot.levelised.plan"].with_user(self.accountant))
            form.partner_id = self.customer
            form.date_start = datetime.date(2026, 1, 1)
            plan = form.save()
            plan.action_compute_estimate()
            self.assertEqual(plan.estimated_amount, 440.0)
            self.assertEqual(len(plan.instalment_ids), 12)
            self.assertEqual(plan.state, "draft")
            plan.action_start()
            self.assertEqual(plan.state, "running")
            with self.assertRaisesRegex(ValidationError, "has a levelised plan for these months"):
                self.env["iot.levelised.plan"].with_user(self.accountant).create(
                    {"partner_id": self.customer.id, "date_start": "2026-06-01"}
                )
            nobody = self.env["res.partner"].create({"name": "No history"})
            fresh = (
                self.env["iot.levelised.plan"]
                .with_user(self.accountant)
                .create({"partner_id": nobody.id, "date_start": "2026-01-01"})
            )
            with self.assertRaisesRegex(UserError, "set the estimate by hand"):
                fresh.action_compute_estimate()
            with self.assertRaisesRegex(UserError, "No review is due"):
                plan.action_review()
            with self.assertRaises(UserError):
                plan.unlink()

    def test_who_may_see_and_manage_plans(self):
        plan = self.start_plan()
        # IoT users: not at all.
        with self.assertRaises(AccessError):
            self.env["iot.levelised.plan"].with_user(self.reader).search([])
        # Read-only accounting: reads, changes nothing.
        auditor = new_test_user(
            self.env, login="lvl_readonly", groups="base.group_user,account.group_account_readonly"
        )
        self.assertEqual(plan.with_user(auditor).estimated_amount, 440.0)
        with self.assertRaises(AccessError):
            plan.with_user(auditor).write({"tolerance": 50})
        with self.assertRaises(AccessError):
            self.env["iot.levelised.plan.wizard"].with_user(auditor).create(
                {"partner_id": self.customer_2.id}
            )
        # Another company's accountant sees neither plan nor instalment.
        accountant_b = new_test_user(
            self.env,
            login="lvl_accountant_b",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        self.assertFalse(self.env["iot.levelised.plan"].with_user(accountant_b).search([]))
        self.assertFalse(self.env["iot.levelised.instalment"].with_user(accountant_b).search([]))
        with self.assertRaises(AccessError):
            plan.with_user(accountant_b).read(["estimated_amount"])
        # The company's own accountant does.
        self.assertIn(plan, self.env["iot.levelised.plan"].with_user(self.accountant).search([]))
