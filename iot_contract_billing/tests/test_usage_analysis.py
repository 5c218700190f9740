"""Usage analysed per calculator and unit: consumption (a meter's delta, megabytes
summed), never raw readings, and never quantities of different units added together."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .usage_fixtures import BilledUsageFixtures


@tagged("post_install", "-at_install")
class TestUsageAnalysis(BilledUsageFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billed_usage()

    def analysis(self, user=None):
        return self.env["iot.usage.analysis"].with_user(user or self.reader)

    def read_group(self, groupby, domain=(), **kwargs):
        """The pivot's figures over this scenario's calculators (demo data may bill more)."""
        return self.analysis().read_group(
            [("calculator_id", "in", (self.water | self.data).ids), *domain],
            ["quantity:sum", "amount:sum"],
            groupby,
            **kwargs,
        )

    def test_quantities_per_unit_are_consumption(self):
        """The meter's index went from 1,000 to 1,250: 250 m3 consumed, not the 3,350 its
        readings add up to; the tracker used 500 MB."""
        groups = self.read_group(["unit", "calculator_id"], lazy=False)
        self.assertEqual(
            sorted((g["unit"], g["calculator_id"][1], g["quantity"], g["amount"]) for g in groups),
            [("MB", "Mobile data", 500.0, 5.0), ("m3", "Water consumption", 250.0, 462.5)],
        )
        by_month = self.read_group(["date:month"], [("unit", "=", "m3")], lazy=False)
        self.assertEqual(
            [(g["date:month"], g["quantity"]) for g in by_month], [("October 2026", 250.0)]
        )

    def test_units_are_never_added_together(self):
        """A total over rows of two units is left empty; money still adds up."""
        (total,) = self.read_group([])
        self.assertIs(total["quantity"], False)
        self.assertEqual(total["amount"], 467.5)
        by_device = self.read_group(["device_id"])
        self.assertEqual(
            sorted((g["device_id"][1], g["quantity"]) for g in by_device),
            [("Meter Rue Haute", 250.0), ("Tracker Van 7", 500.0)],
        )
        by_customer = self.read_group(["partner_id"])
        self.assertEqual([g["quantity"] for g in by_customer], [False])

    def test_default_pivot_groups_by_unit_and_calculator(self):
        action = self.env.ref("iot_contract_billing.iot_usage_analysis_action")
        self.assertEqual(action.view_mode.split(",")[0], "pivot")
        arch = self.analysis().get_views([(False, "pivot")])["views"]["pivot"]["arch"]
        rows = [
            line.split('name="')[1].split('"')[0]
            for line in arch.splitlines()
            if 'type="row"' in line
        ]
        self.assertEqual(rows, ["unit", "calculator_id"])

    def test_raw_readings_are_not_a_measure(self):
        """Usage records are counted in their pivot, their counters are not added up."""
        fields = (
            self.env["iot.usage.record"]
            .with_user(self.reader)
            .fields_get(attributes=["aggregator"])
        )
        summed = {name for name, field in fields.items() if field.get("aggregator") == "sum"}
        self.assertFalse(summed & {"quantity", "int_counter", "int_counter2"}, summed)
        groups = (
            self.env["iot.usage.record"]
            .with_user(self.reader)
            .read_group([("device_id", "=", self.meter.id)], ["int_counter"], ["egroup"])
        )
        self.assertEqual([(g["egroup"], g["egroup_count"]) for g in groups], [("WM", 3)])
        self.assertNotIn("int_counter", groups[0])

    def test_only_iot_users_analyse_usage(self):
        for user in (self.employee, self.bookkeeper):
            with self.assertRaises(AccessError):
                self.analysis(user).read_group([], ["quantity:sum"], ["unit"])
