"""IoT > Overview: the figures an IoT user loads, each with the list it opens, for their
companies only; refused to users without an IoT group."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .usage_fixtures import BilledUsageFixtures


@tagged("post_install", "-at_install")
class TestOverview(BilledUsageFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billed_usage()

    def overview(self, user):
        return self.env["iot.overview"].with_user(user).get_overview()

    def revenue(self, data):
        """The recurring revenue of the company of the scenario."""
        return next(row for row in data["revenue"]["rows"] if row["company"] == self.company.name)

    def assertOpensCount(self, user, model, card):
        """The list a figure opens holds as many records as the figure says."""
        self.assertEqual(
            self.env[model].with_user(user).search_count(card["domain"]), card["count"]
        )

    @freeze_time("2026-11-15")
    def test_iot_user_sees_the_fleet_at_a_glance(self):
        """The scenario's figures, and what one more device activated in November adds
        (the demo data of the database counts too)."""
        before = self.overview(self.reader)
        device = self.env["iot.device"].create({"identifier": "USAGE_NEW"})
        device._activate(
            self.customer, "2026-11-02", {"plan": {"product": "USAGE-PLAN"}, "term_months": 3}
        )
        data = self.overview(self.reader)

        def statuses(data):
            return {row["status"]: row for row in data["devices"]["statuses"]}

        self.assertEqual(data["devices"]["total"], before["devices"]["total"] + 1)
        self.assertEqual(
            data["devices"]["total"], self.env["iot.device"].with_user(self.reader).search_count([])
        )
        self.assertEqual(statuses(data)["active"]["count"], statuses(before)["active"]["count"] + 1)
        for card in statuses(data).values():
            self.assertOpensCount(self.reader, "iot.device", card)

        months = data["activations"]["months"]
        self.assertEqual(
            [month["title"] for month in (months[0], months[-2], months[-1])],
            ["December 2025", "October 2026", "November 2026"],
        )
        self.assertEqual(months[-1]["count"], before["activations"]["months"][-1]["count"] + 1)
        for card in months:
            self.assertOpensCount(self.reader, "iot.device", card)
        october = self.env["iot.device"].with_user(self.reader).search(months[-2]["domain"])
        self.assertLessEqual(self.meter | self.tracker, october)

        usage = data["usage"]
        self.assertEqual(usage["period"], "October 2026")
        ours = [
            row for row in usage["rows"] if row["calculator_id"] in (self.water | self.data).ids
        ]
        self.assertEqual(
            [(row["calculator"], row["quantity"], row["unit"], row["amount"]) for row in ours],
            [("Mobile data", 500.0, "MB", 5.0), ("Water consumption", 250.0, "m3", 462.5)],
        )
        analysis = self.env["iot.usage.analysis"].with_user(self.reader)
        self.assertEqual(analysis.search(ours[1]["domain"]).device_id, self.meter)

        revenue, revenue_before = self.revenue(data), self.revenue(before)
        self.assertAlmostEqual(revenue["amount"] - revenue_before["amount"], 9.90)
        self.assertEqual(revenue["lines"], revenue_before["lines"] + 1)
        # An IoT user reads the schedules, not the contracts: the card opens the schedules
        # of the current periods.
        action = data["revenue"]["action"]
        self.assertEqual(action["res_model"], "iot.billing.schedule")
        schedules = self.env["iot.billing.schedule"].with_user(self.reader).search(action["domain"])
        self.assertLessEqual(self.meter | self.tracker | device, schedules.device_id)

        run = next(run for run in data["runs"] if run["id"] == self.billing_run.id)
        self.assertEqual(run["invoice_count"], 1)
        self.assertEqual(run["amount_total"], self.invoice.amount_total)

    @freeze_time("2026-11-15")
    def test_a_manager_opens_the_contract_lines(self):
        data = self.overview(self.accountant)  # an IoT manager with Invoicing rights
        action = data["revenue"]["action"]
        self.assertEqual(action["res_model"], "contract.line")
        lines = self.env["contract.line"].with_user(self.accountant).search(action["domain"])
        self.assertLessEqual(self.meter | self.tracker, lines.iot_device_id)
        revenue = self.revenue(data)
        self.assertAlmostEqual(revenue["amount"], sum(lines.mapped("monthly_recurring")))

    def test_other_companies_figures_are_not_shown(self):
        user_b = new_test_user(
            self.env,
            login="iot_overview_b",
            groups="base.group_user,iot_fleet.group_iot_user",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        data = self.overview(user_b)
        self.assertEqual(data["devices"]["total"], 0)
        self.assertEqual(data["revenue"]["rows"], [])
        self.assertEqual(data["runs"], [])
        self.assertEqual(sum(month["count"] for month in data["activations"]["months"]), 0)

    def test_only_iot_users_load_it(self):
        for user in (self.employee, self.bookkeeper):
            with self.assertRaises(AccessError):
                self.overview(user)

    def test_loaded_by_the_web_client(self):
        """The call the dashboard makes, over HTTP: answered for an IoT user, refused
        with an access error for an accountant without an IoT group."""
        url = "/web/dataset/call_kw/iot.overview/get_overview"
        params = {"model": "iot.overview", "method": "get_overview", "args": [], "kwargs": {}}
        self.authenticate(self.reader.login, self.reader.login)
        data = self.make_jsonrpc_request(url, params)
        self.assertEqual(
            data["devices"]["total"], self.env["iot.device"].with_user(self.reader).search_count([])
        )
        self.authenticate(self.bookkeeper.login, self.bookkeeper.login)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.make_jsonrpc_request(url, params)
