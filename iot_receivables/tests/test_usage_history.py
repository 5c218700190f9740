"""Who used a device when: customer periods read from the devices' events."""

from datetime import datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures

from ..core.usage_history import Mark, customer_periods


@tagged("post_install", "-at_install")
class TestUsageHistory(IotFleetFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.accountant = new_test_user(
            cls.env, login="usage_accountant", groups="account.group_account_invoice"
        )
        # A device on a customer, handed to another, then terminated; another device
        # still on the first customer.
        cls.device = cls.env["iot.device"].create({"identifier": "HIST-1"})
        cls.device._activate(cls.customer, "2026-01-01")
        cls.device.with_user(cls.manager).write({"partner_id": cls.customer_2.id})
        cls.device._apply_transition(code="cancel", reason="contract ended")
        cls.other = cls.env["iot.device"].create({"identifier": "HIST-2"})
        cls.other._activate(cls.customer, "2026-03-01")

    def periods(self, user=None, domain=None):
        Period = self.env["iot.device.usage.period"].with_user(user or self.env.user)
        return Period.search(domain or [("device_identifier", "like", "HIST-")])

    def test_each_customer_period_of_a_device(self):
        events = self.events(self.device)
        change = events.filtered(lambda e: e.event_type == "customer_change")
        cancel = events.filtered(lambda e: e.to_state_id == self.state["cancelled"])
        periods = self.periods(domain=[("device_id", "=", self.device.id)]).sorted("date_start")
        self.assertEqual(len(periods), 2)
        self.assertRecordValues(
            periods,
            [
                {
                    "partner_id": self.customer.id,
                    "date_start": datetime(2026, 1, 1),
                    "date_end": change.date,
                    "ongoing": False,
                },
                {
                    "partner_id": self.customer_2.id,
                    "date_start": change.date,
                    "date_end": cancel.date,
                    "ongoing": False,
                },
            ],
        )
        ongoing = self.periods(domain=[("device_id", "=", self.other.id)])
        self.assertRecordValues(
            ongoing, [{"partner_id": self.customer.id, "date_end": False, "ongoing": True}]
        )

    def test_the_view_agrees_with_the_plain_rule(self):
        periods = self.periods()
        events = self.env["iot.device.event"].search(
            [("device_id", "in", (self.device | self.other).ids)]
        )
        marks = []
        for event in events:
            if event.event_type in ("activation", "customer_change"):
                date = event.date
                if event.event_type == "activation":
                    date = f"{event.payload['date_start']} 00:00:00"
                marks.append(Mark(event.device_id.id, str(date), event.id, event.partner_id.id))
            elif event.to_state_id.base_status == "cancelled":
                marks.append(Mark(event.device_id.id, str(event.date), event.id, None))
        expected = {
            (p.device_id, p.partner_id, p.date_start, p.date_end or False)
            for p in customer_periods(marks)
        }
        got = {
            (
                p.device_id.id,
                p.partner_id.id,
                str(p.date_start),
                str(p.date_end) if p.date_end else False,
            )
            for p in periods
        }
        self.assertEqual(got, expected)

    def test_the_customer_form_opens_its_history(self):
        self.assertEqual(self.customer.iot_usage_period_count, 2)
        action = self.customer.with_user(self.accountant).action_view_iot_usage_periods()
        rows = (
            self.env["iot.device.usage.period"].with_user(self.accountant).search(action["domain"])
        )
        # An accountant answers a disputed invoice without fleet rights: identifiers, days.
        self.assertEqual(set(rows.mapped("device_identifier")), {"HIST-1", "HIST-2"})
        self.assertEqual(
            self.device.with_user(self.reader).usage_period_ids.partner_id,
            self.customer | self.customer_2,
        )

    def test_a_user_of_another_company_sees_none_of_them(self):
        user_b = new_test_user(
            self.env,
            login="usage_user_b",
            groups="base.group_user,iot_fleet.group_iot_user",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        self.assertTrue(self.periods())
        self.assertFalse(self.periods(user=user_b))
        device_b = self.env["iot.device"].create(
            {"identifier": "HIST-B", "company_id": self.company_b.id}
        )
        device_b._activate(self.customer_b, "2026-02-01")
        self.assertEqual(self.periods(user=user_b).device_identifier, "HIST-B")
        self.assertNotIn("HIST-B", self.periods(user=self.manager).mapped("device_identifier"))

    def test_a_gateway_reads_no_history(self):
        Period = self.env["iot.device.usage.period"].with_user(self.gateway)
        self.assertFalse(Period.has_access("read"))
