"""Levelised billing in headless Chromium as the accountant, and refused to gateways
over JSON-RPC."""

import datetime

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tests import tagged

from odoo.addons.iot_contract_billing.tests.common import BillingFixtures
from odoo.addons.iot_fleet.tests.tours import IotTourCase


@tagged("post_install", "-at_install")
class TestLevelisedTours(BillingFixtures, IotTourCase):
    ROLES = dict(IotTourCase.ROLES, accountant="base.group_user,account.group_account_invoice")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.make_plan("LVL-TOUR", 10.0, name="Tour Plan")
        # Two devices billed for the twelve months before this one: 240.00.
        this_month = datetime.date.today().replace(day=1)
        year_ago = this_month - relativedelta(years=1)
        devices = cls.env["iot.device"].create(
            [{"identifier": "LVL_TOUR_1"}, {"identifier": "LVL_TOUR_2"}]
        )
        devices._activate(
            cls.customer, year_ago, {"plan": {"product": "LVL-TOUR"}, "term_months": 24}
        )
        run = cls.env["iot.billing.run"].create(
            {
                "name": "Last year",
                "date_from": year_ago,
                "date_to": this_month - datetime.timedelta(days=1),
                "partner_ids": [Command.set(cls.customer.ids)],
            }
        )
        run.with_context(iot_billing_inline=True)._run()
        assert run.invoice_ids.amount_untaxed == 240.0, run.invoice_ids

    def test_accountant_starts_a_plan_and_sees_its_instalments(self):
        self.tour(
            "/odoo/action-iot_receivables.iot_levelised_plan_wizard_action",
            "iot_levelised_accountant_starts_a_plan",
            "accountant",
        )
        plan = self.env["iot.levelised.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(plan.state, "running")
        self.assertEqual(plan.create_uid, self.tour_users["accountant"])
        self.assertEqual(plan.instalment_ids.mapped("amount"), [20.0] * 12)
        self.assertEqual(plan.instalment_ids.move_id.state, "posted")

    def test_a_gateway_key_cannot_touch_plans(self):
        plan = self.env["iot.levelised.plan"].create(
            {
                "partner_id": self.customer.id,
                "estimate_method": "manual",
                "estimated_amount": 120.0,
            }
        )
        plan.action_start()
        calls = [
            ("iot.levelised.plan", "search_read", [[]], {"fields": ["id"]}),
            ("iot.levelised.plan", "read", [plan.ids], {"fields": ["estimated_amount"]}),
            ("iot.levelised.plan", "write", [plan.ids, {"estimated_amount": 1.0}], {}),
            ("iot.levelised.plan", "action_settle", [plan.ids], {}),
            ("iot.levelised.plan", "create", [{"partner_id": self.customer.id}], {}),
            ("iot.levelised.instalment", "search_read", [[]], {"fields": ["amount"]}),
            ("iot.levelised.plan.wizard", "create", [{"partner_id": self.customer.id}], {}),
        ]
        for model, method, args, kwargs in calls:
            answer = self.execute_kw(model, method, args, kwargs=kwargs)
            self.assertEqual(
                answer.get("error", {}).get("data", {}).get("name"),
                "odoo.exceptions.AccessError",
                f"{model}.{method}: {answer}",
            )
        self.assertEqual(plan.estimated_amount, 120.0)
        self.assertEqual(plan.state, "running")
        self.assertEqual(len(self.env["iot.levelised.plan"].search([])), 1)
