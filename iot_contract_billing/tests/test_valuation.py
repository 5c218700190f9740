"""What a period is worth: late usage, prices per status, one-time charges, billing on
first use, grouping keys, previews and the scheduled billing engine - each driven the
way a user does it (the billing-run wizard, the activation wizard, usage ingestion)."""

import csv
import datetime
import io
from decimal import Decimal

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase

from .common import BillingScenario


class TestValuation(BillingScenario, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("VAL-PLAN", 10.0, name="Fleet plan")
        cls.calculator = cls.make_water_calculator("VAL_WATER", 0.5)
        cls.accountant = cls.make_accountant("iot_val_accountant")

    def test_late_usage_goes_to_the_next_open_period(self):
        device = self.activate(self.devices("LATE_1"), "2026-03-01")
        self.use(device, "2026-03-10T08:00:00Z", 10)
        march = self.bill(datetime.date(2026, 3, 31))
        first = march.invoice_ids
        self.assertEqual(first.amount_untaxed, 15.0)
        # A March reading arrives after March was invoiced, with April's.
        self.use(device, "2026-03-20T08:00:00Z", 4)
        self.use(device, "2026-04-05T08:00:00Z", 6)
        april = self.bill(datetime.date(2026, 4, 15))
        second = april.invoice_ids
        self.assertEqual(
            self.lines(second),
            [
                ("Fleet plan - 1 device x 10.00", 1.0, 10.0),
                ("Water (m3)", 6.0, 0.5),
                ("Water (m3) - March 2026 (late usage)", 4.0, 0.5),
            ],
        )
        schedules = device.billing_schedule_ids.sorted("date_start")
        self.assertEqual(schedules[0].invoice_line_id.move_id, first, "March stays as billed")
        self.assertEqual((first.state, first.amount_untaxed), ("posted", 15.0))
        self.assertTrue(schedules[1].has_adjustment)
        self.assertEqual(
            (schedules[1].adjustment_quantity, schedules[1].adjustment_amount), (4.0, 2.0)
        )
        late = schedules[1].usage_ids.filtered("is_adjustment")
        self.assertEqual(
            (late.origin_schedule_id, late.invoice_line_id),
            (schedules[0], second.invoice_line_ids[2]),
        )
        # Nothing twice: April again has nothing left; May bills only what is new.
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill(datetime.date(2026, 4, 30))
        self.use(device, "2026-03-25T08:00:00Z", 2)
        may = self.bill(datetime.date(2026, 5, 2)).invoice_ids
        self.assertEqual(
            self.lines(may),
            [
                ("Fleet plan - 1 device x 10.00", 1.0, 10.0),
                ("Water (m3) - March 2026 (late usage)", 2.0, 0.5),
            ],
        )

    def test_late_usage_after_the_term_ended_is_not_lost(self):
        device = self.activate(self.devices("ENDED_1"), "2026-03-01", term_months=1)
        self.use(device, "2026-03-10T08:00:00Z", 10)
        self.assertEqual(self.bill(datetime.date(2026, 3, 31)).invoice_ids.amount_untaxed, 15.0)
        self.use(device, "2026-03-30T08:00:00Z", 4)  # late
        self.use(device, "2026-04-03T08:00:00Z", 100)  # after the term: not billed
        run = self.bill(datetime.date(2026, 4, 30))
        invoice = run.invoice_ids
        self.assertEqual(self.lines(invoice), [("Water (m3) - March 2026 (late usage)", 4.0, 0.5)])
        carrier = device.billing_schedule_ids.sorted("date_start")[-1]
        self.assertEqual(
            (carrier.date_start, carrier.recurring_amount, carrier.state, carrier.invoice_line_id),
            (datetime.date(2026, 4, 1), 0.0, "invoiced", invoice.invoice_line_ids),
        )
        rows = list(csv.DictReader(io.StringIO(invoice._iot_detail_file("csv")[2].decode())))
        *rows, totals = rows
        self.assertEqual([(row["Device"], row["Total"]) for row in rows], [("ENDED_1", "2.00")])
        self.assertEqual((totals["Invoice"], totals["Total"]), ("Total", "2.00"))
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill(datetime.date(2026, 4, 30))
        # Late usage worth nothing is settled without an invoice.
        self.use(device, "2026-03-31T08:00:00Z", 0)
        may = self.bill(datetime.date(2026, 5, 31))
        self.assertFalse(may.invoice_ids)
        self.assertEqual(device.billing_schedule_ids.sorted("date_start")[-1].state, "invoiced")
        # The scheduled engine bills late usage even when nothing else is due.
        self.use(device, "2026-03-31T09:00:00Z", 2)
        with freeze_time("2026-07-02 03:00:00"):
            self.env["iot.billing.run"]._cron_bill_due()
        june = self.env["iot.billing.run"].search(
            [("name", "=", "Billing engine, end of June 2026")]
        )
        self.assertEqual(
            self.lines(june.invoice_ids), [("Water (m3) - March 2026 (late usage)", 2.0, 0.5)]
        )

    def test_quarterly_plan_is_billed_when_its_period_ends(self):
        plan = self.make_plan("VAL-QUARTER", 30.0, iot_interval_months=3)
        device = self.activate(self.devices("QUARTER_1"), "2026-04-01", plan, term_months=12)
        schedules = device.billing_schedule_ids.sorted("date_start")
        self.assertEqual(
            [(s.date_start.isoformat(), s.date_end.isoformat()) for s in schedules[:2]],
            [("2026-04-01", "2026-06-30"), ("2026-07-01", "2026-09-30")],
        )
        self.assertEqual((len(schedules), device.contract_line_id.recurring_interval), (4, 3))
        self.use(device, "2026-04-10T08:00:00Z", 4)
        self.use(device, "2026-06-05T08:00:00Z", 6)
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill(datetime.date(2026, 4, 30))  # post-paid: the quarter is not over
        invoice = self.bill(datetime.date(2026, 6, 30)).invoice_ids
        self.assertEqual(
            self.lines(invoice),
            [("Plan VAL-QUARTER - 1 device x 30.00", 1.0, 30.0), ("Water (m3)", 10.0, 0.5)],
        )
        with self.assertRaisesRegex(ValidationError, "1, 2, 3, 4, 6 or 12"):
            plan.iot_interval_months = 5

    def test_prices_per_status_prorate_the_period(self):
        plan = self.make_plan("VAL-STATUS", 9.90)
        plan.product_tmpl_id.iot_status_price_ids = [
            (0, 0, {"base_status": "suspended", "price": 2.0}),
            (0, 0, {"base_status": "prospect", "price": 0.0}),
        ]
        device, steady = self.activate(self.devices("STATUS_1", "STATUS_2"), "2026-04-01", plan)
        with freeze_time("2026-04-11 08:00:00"):
            device._apply_transition(code="suspend", reason="Unpaid")
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        # 10 days active at 9.90 and 20 suspended at 2.00, over 30 days: 4.63.
        self.assertEqual(
            sorted(self.lines(invoice)),
            [
                ("Plan VAL-STATUS - 1 device x 4.63", 1.0, 4.63),
                ("Plan VAL-STATUS - 1 device x 9.90", 1.0, 9.9),
            ],
        )
        self.assertEqual(steady.billing_schedule_ids[0].recurring_amount, 9.9)

    def test_transition_charge_lands_in_its_period(self):
        device = self.activate(self.devices("CHARGE_1"), "2026-04-01")
        with freeze_time("2026-05-20 08:00:00"):
            device._apply_transition(code="cancel", reason="Customer left")
        april = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(april.amount_untaxed, 10.0, "the May cancellation is not April's")
        may = self.bill(datetime.date(2026, 5, 31)).invoice_ids
        self.assertIn(("Cancellation Fee x 1", 1.0, 5.0), self.lines(may))
        self.assertEqual(device.billing_schedule_ids.sorted("date_start")[1].charge_amount, 5.0)

    def test_bill_on_first_use(self):
        fee = self.env["product.product"].create(
            {"name": "Activation fee", "type": "service", "taxes_id": False}
        )
        self.env.ref("iot_fleet.transition_preactive_active").write(
            {"charge_product_id": fee.id, "charge_amount": 25.0}
        )
        plan = self.make_plan(
            "VAL-FIRST",
            9.90,
            iot_bill_on_first_use=True,
            iot_first_use_threshold=100.0,
            iot_first_use_calculator_id=self.calculator.id,
            iot_first_use_days=15,
        )
        used, idle = self.devices("FIRST_1", "FIRST_2")
        wizard = Form(
            self.env["iot.device.activate.wizard"]
            .with_user(self.manager)
            .with_context(active_model="iot.device", active_ids=(used | idle).ids)
        )
        wizard.partner_id = self.customer
        wizard.date_start = datetime.date(2026, 4, 1)
        wizard.plan_product_id = plan
        wizard.term_months = 12
        wizard.save().action_activate()
        self.assertEqual([d.state_id.code for d in used | idle], ["preactive"] * 2)
        self.assertFalse((used | idle).billing_schedule_ids, "no recurring charge yet")
        self.assertFalse(used.end_date, "the term has not started")
        self.use(used, "2026-04-05T08:00:00Z", 60)
        self.use(used, "2026-04-10T08:00:00Z", 50)  # 110: the threshold is crossed
        with freeze_time("2026-04-09 12:00:00"):
            self.assertFalse(self.env["iot.device"]._iot_start_first_use())
        with freeze_time("2026-04-20 12:00:00"):
            started = self.env["iot.device"]._iot_start_first_use()
        self.assertEqual(started, used | idle)
        self.assertEqual(
            [(d.state_id.code, d.activation_date) for d in (used, idle)],
            [("active", datetime.date(2026, 4, 10)), ("active", datetime.date(2026, 4, 16))],
        )
        event = used.event_ids.filtered(lambda e: e.reason == "First use")
        self.assertEqual((event.date.date(), event.charge_amount), (datetime.date(2026, 4, 10), 25))
        first = used.billing_schedule_ids.sorted("date_start")
        self.assertEqual(
            (len(first), first[0].date_start, first[0].recurring_amount),
            (13, datetime.date(2026, 4, 10), 6.93),  # 21 of 30 days of 9.90
        )
        self.assertEqual(used.contract_line_id.date_start, datetime.date(2026, 4, 10))
        self.assertEqual(used.end_date, datetime.date(2027, 4, 9), "12 months from first use")
        self.assertEqual(idle.billing_schedule_ids.sorted("date_start")[0].recurring_amount, 4.95)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(
            sorted(self.lines(invoice)),
            [
                ("Activation fee x 2", 2.0, 25.0),
                ("Plan VAL-FIRST - 1 device x 4.95", 1.0, 4.95),
                ("Plan VAL-FIRST - 1 device x 6.93", 1.0, 6.93),
                ("Water (m3)", 50.0, 0.5),  # the usage from the first day billed
            ],
        )

    def test_waiting_device_cannot_be_activated_twice(self):
        plan = self.make_plan("VAL-WAIT", 10.0, iot_bill_on_first_use=True)
        device = self.activate(self.devices("WAIT_1"), "2026-04-01", plan)
        self.assertEqual(device.state_id.code, "preactive")
        with self.assertRaisesRegex(UserError, "WAIT_1 is already active"):
            self.activate(device, "2026-04-02", plan)
        with self.assertRaisesRegex(UserError, "WAIT_1 is already active"):
            device._activate(self.customer_2, "2026-04-02")  # to another customer, no plan
        self.assertEqual(len(device.contract_line_id), 1)

    def test_waiting_devices_moved_by_hand(self):
        plan = self.make_plan("VAL-HAND", 10.0, iot_bill_on_first_use=True, iot_first_use_days=60)
        moved, cancelled, waiting = self.activate(
            self.devices("HAND_1", "HAND_2", "HAND_3"), "2026-04-01", plan
        )
        with freeze_time("2026-04-12 09:00:00"):
            moved.with_context(iot_transition_code="activate").action_transition()
            cancelled._apply_transition(code="cancel", reason="Never installed")
        with freeze_time("2026-04-13 09:00:00"):
            started = self.env["iot.device"]._iot_start_first_use()
        self.assertEqual(started, moved)
        self.assertEqual(
            moved.billing_schedule_ids.sorted("date_start")[0].date_start,
            datetime.date(2026, 4, 12),
        )
        self.assertFalse(cancelled.contract_line_id.iot_awaiting_first_use)
        self.assertFalse(cancelled.billing_schedule_ids)
        self.assertTrue(waiting.contract_line_id.iot_awaiting_first_use)
        self.assertEqual(waiting.state_id.code, "preactive")

    def test_grouping_by_device_type_and_consolidation_on_the_contract(self):
        sensor_type = self.env["iot.device.type"].create({"name": "Sensor", "code": "SENSOR"})
        trackers = self.devices("GROUP_T1", "GROUP_T2", type_id=self.device_type.id)
        sensors = self.devices("GROUP_S1", type_id=sensor_type.id)
        self.activate(trackers | sensors, "2026-04-01")
        contract = trackers.contract_id
        second = self.env["contract.contract"].create(
            {"name": "VAL-OTHER", "partner_id": self.customer.id, "iot_fleet": True}
        )
        other = self.activate(self.devices("GROUP_X1"), "2026-04-01", contract=second.id)
        self.assertEqual(other.contract_id, second)
        (contract | second).write({"iot_consolidate": True, "iot_invoice_grouping": "device_type"})
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(len(invoice), 1, "one invoice for the customer's two contracts")
        self.assertEqual(
            sorted(self.lines(invoice)),
            [
                ("Fleet plan - 1 device x 10.00", 1.0, 10.0),
                ("Fleet plan - 1 device x 10.00 (Sensor)", 1.0, 10.0),
                (f"Fleet plan - 2 devices x 10.00 ({self.device_type.name})", 2.0, 10.0),
            ],
        )

    def test_preview_then_the_scheduled_engine_bills(self):
        device = self.activate(self.devices("PREVIEW_1"), "2026-04-01")
        self.use(device, "2026-04-03T08:00:00Z", 8)
        wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        wizard.date = datetime.date(2026, 4, 30)
        wizard = wizard.save()
        wizard.action_preview()
        line = wizard.preview_line_ids.filtered(lambda line: line.partner_id == self.customer)
        self.assertEqual((line.device_count, line.amount_untaxed), (1, 14.0))
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", self.customer.id)]))
        self.assertEqual(device.billing_schedule_ids.sorted("date_start")[0].state, "planned")
        with freeze_time("2026-05-02 03:00:00"):
            self.env["iot.billing.run"]._cron_bill_due()
        run = self.env["iot.billing.run"].search(
            [("name", "=", "Billing engine, end of April 2026")]
        )
        invoice = run.invoice_ids.filtered(lambda move: move.partner_id == self.customer)
        self.assertEqual((invoice.state, invoice.amount_untaxed), ("posted", 14.0))
        self.assertEqual(invoice.name[:4], "INV/")

    def test_wizard_bills_the_last_finished_month_by_default(self):
        with freeze_time("2026-05-14"):
            wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        self.assertEqual(
            (wizard.date_from, wizard.date_to),
            (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)),
        )

    def test_wizard_errors(self):
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill(datetime.date(2030, 1, 31))
        wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        wizard.period_mode = "period"
        wizard.date_from = datetime.date(2026, 4, 30)
        wizard.date_to = datetime.date(2026, 4, 1)
        with self.assertRaisesRegex(UserError, "ends before it starts"):
            wizard.save().action_preview()

    def test_detail_totals_equal_the_invoice_to_the_cent(self):
        self.calculator.unit_price = 0.333
        devices = self.activate(
            self.devices(*[f"CENT_{n}" for n in range(7)]), "2026-04-10"
        )  # prorated: 21 of 30 days
        for number, device in enumerate(devices):
            self.use(device, "2026-04-12T08:00:00Z", 7 + number * 3)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        _filename, _mimetype, content = invoice.with_user(self.accountant)._iot_detail_file("csv")
        *rows, totals = csv.DictReader(io.StringIO(content.decode()))
        self.assertEqual(len({row["Device"] for row in rows}), 7)
        self.assertEqual(totals["Invoice"], "Total")
        for column, amount in (
            ("Untaxed", invoice.amount_untaxed),
            ("Tax", invoice.amount_tax),
            ("Total", invoice.amount_total),
        ):
            self.assertEqual(sum(Decimal(row[column]) for row in rows), Decimal(totals[column]))
            self.assertEqual(
                Decimal(totals[column]), Decimal(str(amount)).quantize(Decimal("0.01"))
            )
        usage_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.usage_product
        )
        self.assertEqual(
            sum(Decimal(row["Untaxed"]) for row in rows if row["Type"] == "Usage"),
            Decimal(str(usage_line.price_subtotal)).quantize(Decimal("0.01")),
        )
