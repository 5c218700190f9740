"""Usage calculators: the SQL aggregation agrees with the reference, prices, preview."""

import datetime
import random

from odoo.tests import Form, TransactionCase

from ..core import aggregation
from .common import IotUsageFixtures

APRIL = (datetime.datetime(2026, 4, 1), datetime.datetime(2026, 5, 1))


class TestCalculators(IotUsageFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()
        cls.devices = cls.env["iot.device"].create([{"identifier": f"CALC_{n}"} for n in range(6)])
        rng = random.Random(42)
        cls.readings = {}
        raws = []
        for device in cls.devices:
            meter = rng.randint(0, 1000)
            readings = []
            moment = datetime.datetime(2026, 3, 25)
            while moment < datetime.datetime(2026, 5, 5):
                meter = 0 if rng.random() < 0.05 else meter + rng.randint(0, 50)
                readings.append((moment, meter))
                raws.append(
                    {
                        "device": device.identifier,
                        "egroup": "WM",
                        "eid": "Type-1",
                        "int_counter": meter,
                        "dtu": moment.isoformat() + "Z",
                    }
                )
                moment += datetime.timedelta(hours=rng.randint(3, 30))
            cls.readings[device.id] = readings
        cls.env["iot.usage.record"].with_user(cls.gateway).ingest(raws)

    def calculator(self, **vals):
        return self.env["iot.usage.calculator"].create(
            dict(
                {
                    "name": "C",
                    "code": f"C{random.random()}",
                    "egroup": "WM",
                    "value_field": "int_counter",
                },
                **vals,
            )
        )

    def test_sql_aggregation_agrees_with_the_reference(self):
        for method in ("sum", "count", "min", "max", "avg", "latest", "unique_count", "delta"):
            calculator = self.calculator(method=method)
            result = calculator._aggregate(*APRIL)
            for device in self.devices:
                readings = self.readings[device.id]
                in_period = [r for r in readings if APRIL[0] <= r[0] < APRIL[1]]
                before = [r for r in readings if r[0] < APRIL[0]]
                expected = aggregation.aggregate(
                    in_period, method, previous=before[-1][1] if before else None
                )
                with self.subTest(method=method, device=device.identifier):
                    quantity, count = result[device.id][None]
                    self.assertAlmostEqual(quantity, expected, places=6)
                    self.assertEqual(count, len(in_period))

    def test_excluded_records_and_conditions(self):
        self.env["iot.usage.record"].with_user(self.gateway).ingest(
            [
                {
                    "device": "CALC_0",
                    "egroup": "WM",
                    "eid": "Type-2",
                    "int_counter": 10**6,
                    "dtu": "2026-04-10T00:00:00Z",
                }
            ]
        )
        only_type_1 = self.calculator(method="max", eid="Type-1")
        self.assertLess(only_type_1._aggregate(*APRIL)[self.devices[0].id][None][0], 10**6)
        conditioned = self.calculator(
            method="count",
            condition_field="int_counter",
            condition_operator=">=",
            condition_value="1000000",
        )
        self.assertEqual(conditioned._aggregate(*APRIL)[self.devices[0].id][None], (1.0, 1))

    def test_prices_and_rating(self):
        calculator = self.calculator(
            method="delta",
            mode="graduated",
            included_quantity=100,
            unit="m3",
            tier_ids=[
                (0, 0, {"up_to": 200, "unit_price": 1.0}),
                (0, 0, {"up_to": 0, "unit_price": 0.5}),
            ],
            minimum_charge=3,
        )
        ratings = calculator._rate(*APRIL)
        self.assertEqual(len(ratings), len(self.devices))
        quantities = calculator._aggregate(*APRIL)
        for rating in ratings:
            quantity = quantities[rating.device_id.id][None][0]
            billable = max(0.0, quantity - 100)
            expected = min(billable, 200) * 1.0 + max(0.0, billable - 200) * 0.5
            self.assertAlmostEqual(rating.amount, max(round(expected, 2), 3.0), places=2)
            self.assertIn("included", rating.explanation)
        again = calculator._rate(*APRIL)
        self.assertEqual(
            self.env["iot.usage.rating"].search_count([("calculator_id", "=", calculator.id)]),
            len(again),
            "rating a period again replaces it",
        )

    def test_time_of_day_rates(self):
        self.env["iot.usage.record"].with_user(self.gateway).ingest(
            [
                {
                    "device": "SIM_1",
                    "egroup": "EN",
                    "eid": "kWh",
                    "int_counter": 10,
                    "dtu": "2026-04-06T08:00:00Z",
                },  # Monday 10:00 in Brussels: peak
                {
                    "device": "SIM_1",
                    "egroup": "EN",
                    "eid": "kWh",
                    "int_counter": 20,
                    "dtu": "2026-04-06T22:00:00Z",
                },  # Tuesday 00:00 in Brussels: night
                {
                    "device": "SIM_1",
                    "egroup": "EN",
                    "eid": "kWh",
                    "int_counter": 5,
                    "dtu": "2026-04-11T10:00:00Z",
                },  # Saturday: neither band
            ]
        )
        calculator = self.calculator(
            egroup="EN",
            method="sum",
            unit="kWh",
            unit_price=0.2,
            tz="Europe/Brussels",
            band_ids=[
                (
                    0,
                    0,
                    {
                        "name": "peak",
                        "days": "0,1,2,3,4",
                        "start_hour": 7,
                        "end_hour": 22,
                        "unit_price": 0.3,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "night",
                        "days": "0,1,2,3,4,5,6",
                        "start_hour": 22,
                        "end_hour": 6,
                        "unit_price": 0.1,
                    },
                ),
            ],
        )
        by_band = calculator._aggregate(*APRIL)[self.sim.id]
        self.assertEqual(
            {band: quantity for band, (quantity, _count) in by_band.items()},
            {"peak": 10.0, "night": 20.0, None: 5.0},
        )
        result = calculator._preview(self.sim, "2026-04")
        self.assertAlmostEqual(result["amount"], 10 * 0.3 + 20 * 0.1 + 5 * 0.2)

    def test_preview_wizard(self):
        calculator = self.calculator(method="delta", unit="m3", unit_price=2.0)
        device = self.devices[1]
        action = calculator.with_user(self.manager).action_open_preview()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.reader).with_context(**action["context"])
        )
        wizard_form.device_id = device
        wizard_form.month = "2026-04"
        wizard = wizard_form.save()
        wizard.action_compute()
        expected = calculator._preview(device, "2026-04")
        self.assertTrue(wizard.computed)
        self.assertEqual(
            (wizard.quantity, wizard.amount), (expected["quantity"], expected["amount"])
        )
        self.assertIn(" x 2", wizard.explanation)

    def test_delta_meter_with_a_reset_and_tier_boundaries(self):
        device = self.env["iot.device"].create({"identifier": "RESET_1"})
        self.env["iot.usage.record"].with_user(self.gateway).ingest(
            [
                {"device": "RESET_1", "egroup": "WM", "eid": "R", "int_counter": value, "dtu": dtu}
                for value, dtu in (
                    (100, "2026-03-30T00:00:00Z"),  # the reading before the period
                    (110, "2026-04-02T00:00:00Z"),  # +10
                    (5, "2026-04-03T00:00:00Z"),  # meter replaced: +5
                    (20, "2026-04-04T00:00:00Z"),  # +15
                    (999, "2026-05-01T00:00:00Z"),  # next period
                )
            ]
        )
        calculator = self.calculator(
            eid="R",
            method="delta",
            mode="volume",
            unit="m3",
            tier_ids=[
                (0, 0, {"up_to": 30, "unit_price": 2.0}),
                (0, 0, {"up_to": 0, "unit_price": 1.0}),
            ],
        )
        result = calculator._preview(device, "2026-04")
        self.assertEqual(
            (result["quantity"], result["amount"]), (30.0, 60.0), "30 is in the 1st tier"
        )
        calculator.included_quantity = -0.0
        calculator.tier_ids[0].up_to = 29
        result = calculator._preview(device, "2026-04")
        self.assertEqual(result["amount"], 30.0, "past the boundary, volume prices it all at 1.0")

    def test_rating_some_devices_keeps_the_others(self):
        calculator = self.calculator(method="sum", unit_price=1.0)
        calculator._rate(*APRIL)
        calculator._rate(*APRIL, devices=self.devices[:2])
        self.assertEqual(
            self.env["iot.usage.rating"].search_count([("calculator_id", "=", calculator.id)]),
            len(self.devices),
        )
