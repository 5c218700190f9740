"""The plain-Python aggregation and pricing rules, without a database."""

import datetime
import math
import unittest
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import (
    assume,
    given,
    strategies as st,
)

from ..core import aggregation, pricing

T0 = datetime.datetime(2024, 3, 1)


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def series(*values):
    """Readings one minute apart, in time order."""
    return [(at(index), value) for index, value in enumerate(values)]


def model(**values):
    return pricing.PriceModel(**values)


GRADUATED = (pricing.Tier(100, 0.10), pricing.Tier(None, 0.05))
# A Monday, a Friday and a Saturday in March 2024.
MONDAY = datetime.datetime(2024, 3, 4)
FRIDAY = datetime.datetime(2024, 3, 8)
SATURDAY = datetime.datetime(2024, 3, 9)

quantities = st.decimals(min_value=0, max_value=10**6, places=3).map(float)
prices = st.decimals(min_value=0, max_value=100, places=4).map(float)
meter_values = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6))


@st.composite
def tier_lists(draw, flat_fees=True):
    """Ascending tiers ending with an unlimited one."""
    limits = sorted(draw(st.sets(st.integers(min_value=1, max_value=10**5), max_size=4)))
    fees = prices if flat_fees else st.just(0.0)
    bounded = [pricing.Tier(limit, draw(prices), draw(fees)) for limit in limits]
    return tuple(bounded) + (pricing.Tier(None, draw(prices), draw(fees)),)


@st.composite
def price_models(draw):
    mode = draw(st.sampled_from(pricing.MODES))
    return model(
        mode=mode,
        unit_price=draw(prices),
        tiers=draw(tier_lists()) if mode in ("graduated", "volume") else (),
        package_size=draw(st.decimals(min_value="0.5", max_value=1000, places=1).map(float)),
        package_price=draw(prices),
        included_quantity=draw(quantities),
        minimum_charge=draw(prices),
        rounding=draw(st.sampled_from(pricing.ROUNDINGS)),
        rounding_step=draw(st.sampled_from([0.001, 0.1, 1, 5, 1000])),
        currency_digits=draw(st.integers(min_value=0, max_value=4)),
    )


class TestAggregate(unittest.TestCase):
    readings = [(at(3), 4), (at(1), None), (at(0), 2), (at(2), 4.5), (at(4), 1)]

    def test_simple_methods(self):
        expected = {
            "sum": 11.5,
            "count": 5.0,
            "min": 1.0,
            "max": 4.5,
            "avg": 11.5 / 4,
            "latest": 1.0,
            "unique_count": 4.0,
        }
        for method, value in expected.items():
            with self.subTest(method=method):
                result = aggregation.aggregate(self.readings, method)
                self.assertIsInstance(result, float)
                self.assertAlmostEqual(result, value)

    def test_no_readings(self):
        for method in aggregation.METHODS:
            with self.subTest(method=method):
                self.assertEqual(aggregation.aggregate([], method), 0.0)
                self.assertEqual(aggregation.aggregate(iter([]), method, previous=5), 0.0)

    def test_readings_without_values(self):
        readings = series(None, None)
        self.assertEqual(aggregation.aggregate(readings, "count"), 2.0)
        for method in ("sum", "min", "max", "avg", "latest", "unique_count", "delta"):
            with self.subTest(method=method):
                self.assertEqual(aggregation.aggregate(readings, method), 0.0)

    def test_latest_is_the_last_value_in_time(self):
        readings = [(at(5), None), (at(2), 7), (at(1), 9), (at(3), 8), (at(4), None)]
        self.assertEqual(aggregation.aggregate(readings, "latest"), 8.0)

    def test_latest_ties_keep_input_order(self):
        readings = [(at(1), 3), (at(1), 5), (at(0), 9)]
        self.assertEqual(aggregation.aggregate(readings, "latest"), 5.0)
        self.assertEqual(aggregation.aggregate(list(reversed(readings)), "latest"), 3.0)

    def test_unique_count_treats_int_and_float_alike(self):
        self.assertEqual(aggregation.aggregate(series(1, 1.0, 2, None, 2), "unique_count"), 2.0)

    def test_unknown_method(self):
        with self.assertRaisesRegex(ValueError, "unknown aggregation method 'median'"):
            aggregation.aggregate(series(1), "median")

    def test_delta_without_previous_starts_at_first_reading(self):
        self.assertEqual(aggregation.aggregate(series(100, 110, 125), "delta"), 25.0)
        self.assertEqual(aggregation.aggregate(series(100), "delta"), 0.0)

    def test_delta_with_previous(self):
        self.assertEqual(aggregation.aggregate(series(100, 110, 125), "delta", previous=90), 35.0)
        self.assertEqual(aggregation.aggregate([], "delta", previous=90), 0.0)

    def test_delta_orders_readings_and_skips_missing_values(self):
        readings = [(at(2), 125), (at(0), 100), (at(1), None), (at(3), 130)]
        self.assertEqual(aggregation.aggregate(readings, "delta"), 30.0)

    def test_delta_counter_reset(self):
        # 100 -> 150 (+50), reset to 20 (+20), 40 (+20)
        self.assertEqual(aggregation.aggregate(series(100, 150, 20, 40), "delta"), 90.0)
        self.assertEqual(aggregation.aggregate(series(150, 20, 40), "delta", previous=100), 90.0)

    def test_delta_reset_right_after_previous(self):
        # the meter was replaced between periods: 5 is consumed on the new meter
        self.assertEqual(aggregation.aggregate(series(5, 12), "delta", previous=9000), 12.0)

    def test_delta_negative_value_after_reset_counts_nothing(self):
        self.assertEqual(aggregation.aggregate(series(10, -3, 2), "delta"), 5.0)

    def test_delta_function_matches_aggregate(self):
        readings = [(at(1), 20), (at(0), 5)]
        self.assertEqual(aggregation.delta(readings, previous=1), 19.0)
        self.assertEqual(aggregation.aggregate(readings, "delta", previous=1), 19.0)

    @given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1), st.booleans())
    def test_delta_of_increasing_meter_is_last_minus_first(self, values, with_previous):
        values.sort()
        readings = series(*values)
        if with_previous:
            self.assertEqual(
                aggregation.aggregate(readings, "delta", previous=0), float(values[-1])
            )
        else:
            self.assertEqual(
                aggregation.aggregate(readings, "delta"), float(values[-1] - values[0])
            )

    @given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=1))
    def test_delta_of_increasing_float_meter(self, values):
        values.sort()
        result = aggregation.aggregate(series(*values), "delta")
        self.assertAlmostEqual(result, values[-1] - values[0], delta=1e-6 * max(1.0, values[-1]))

    @given(st.lists(meter_values), st.one_of(st.none(), st.floats(-1e6, 1e6)))
    def test_delta_is_never_negative(self, values, previous):
        self.assertGreaterEqual(aggregation.aggregate(series(*values), "delta", previous), 0.0)

    @given(st.lists(meter_values, min_size=1), st.randoms(use_true_random=False))
    def test_order_free_methods_ignore_input_order(self, values, random):
        readings = series(*values)
        shuffled = list(readings)
        random.shuffle(shuffled)
        for method in ("sum", "count", "min", "max", "avg", "latest", "unique_count", "delta"):
            self.assertEqual(
                aggregation.aggregate(shuffled, method), aggregation.aggregate(readings, method)
            )

    @given(st.lists(meter_values))
    def test_sum_avg_count_agree(self, values):
        readings = series(*values)
        present = [value for value in values if value is not None]
        self.assertEqual(aggregation.aggregate(readings, "count"), len(values))
        total = aggregation.aggregate(readings, "sum")
        if present:
            self.assertAlmostEqual(
                aggregation.aggregate(readings, "avg") * len(present), total, delta=1e-3
            )
            self.assertEqual(aggregation.aggregate(readings, "min"), min(present))
            self.assertEqual(aggregation.aggregate(readings, "max"), max(present))


class TestPriceModes(unittest.TestCase):
    def test_unit_with_allowance(self):
        result = pricing.price(1234, model(unit_price=0.05, included_quantity=1000, unit="MB"))
        self.assertEqual(result.quantity, 1234.0)
        self.assertEqual(result.billable_quantity, 234.0)
        self.assertEqual(result.amount, 11.70)
        self.assertEqual(result.explanation, "1,234 MB - 1,000 included = 234 MB x 0.05 = 11.70")

    def test_allowance_larger_than_quantity(self):
        result = pricing.price(50, model(unit_price=0.05, included_quantity=1000, unit="MB"))
        self.assertEqual(result.billable_quantity, 0.0)
        self.assertEqual(result.amount, 0.0)
        self.assertEqual(result.explanation, "50 MB - 50 included = 0 MB x 0.05 = 0.00")

    def test_unit_without_float_drift(self):
        result = pricing.price(3, model(unit_price=0.1))
        self.assertEqual(result.amount, 0.3)
        self.assertEqual(result.explanation, "3 unit x 0.10 = 0.30")

    def test_unit_price_with_more_digits_than_the_currency(self):
        result = pricing.price(12345678, model(unit_price=0.0125))
        self.assertEqual(result.amount, 154320.98)  # 154,320.975 rounded half up
        self.assertEqual(result.explanation, "12,345,678 unit x 0.0125 = 154,320.98")

    def test_graduated(self):
        result = pricing.price(150, model(mode="graduated", tiers=GRADUATED))
        self.assertEqual(result.amount, 12.50)
        self.assertEqual(result.explanation, "150 unit: 100 x 0.10 + 50 x 0.05 = 12.50")

    def test_graduated_within_first_tier_and_on_its_limit(self):
        graduated = model(mode="graduated", tiers=GRADUATED)
        self.assertEqual(pricing.price(40, graduated).amount, 4.0)
        result = pricing.price(100, graduated)
        self.assertEqual(result.amount, 10.0)
        self.assertEqual(result.explanation, "100 unit: 100 x 0.10 = 10.00")

    def test_graduated_flat_fees_of_reached_tiers(self):
        tiers = (
            pricing.Tier(100, 0.10, 5),
            pricing.Tier(200, 0.05, 2),
            pricing.Tier(None, 0.01, 1),
        )
        graduated = model(mode="graduated", tiers=tiers)
        result = pricing.price(150, graduated)
        self.assertEqual(result.amount, 19.50)  # 10 + 5 + 2.50 + 2, third tier not reached
        self.assertEqual(
            result.explanation, "150 unit: 100 x 0.10 + fee 5.00 + 50 x 0.05 + fee 2.00 = 19.50"
        )
        self.assertEqual(pricing.price(0, graduated).amount, 0.0)
        self.assertEqual(pricing.price(300, graduated).amount, 10 + 5 + 5 + 2 + 1 + 1)

    def test_volume(self):
        tiers = (
            pricing.Tier(100, 0.10),
            pricing.Tier(200, 0.05, 2),
            pricing.Tier(None, 0.01),
        )
        volume = model(mode="volume", tiers=tiers)
        result = pricing.price(150, volume)
        self.assertEqual(result.amount, 9.50)
        self.assertEqual(
            result.explanation, "150 unit: 150 x 0.05 + fee 2.00 (tier up to 200) = 9.50"
        )
        self.assertEqual(pricing.price(100, volume).amount, 10.0)  # the limit is in the tier
        self.assertEqual(pricing.price(200, volume).amount, 12.0)
        result = pricing.price(250, volume)
        self.assertEqual(result.amount, 2.50)
        self.assertEqual(result.explanation, "250 unit: 250 x 0.01 (tier above 200) = 2.50")
        self.assertEqual(pricing.price(0, volume).amount, 0.0)

    def test_volume_single_tier(self):
        volume = model(mode="volume", tiers=(pricing.Tier(None, 0.2, 1),))
        result = pricing.price(10, volume)
        self.assertEqual(result.amount, 3.0)
        self.assertEqual(result.explanation, "10 unit: 10 x 0.20 + fee 1.00 = 3.00")

    def test_package(self):
        sms = model(mode="package", package_size=1000, package_price=4, unit="SMS")
        result = pricing.price(2500, sms)
        self.assertEqual(result.amount, 12.0)
        self.assertEqual(result.explanation, "2,500 SMS: 3 blocks of 1,000 x 4.00 = 12.00")
        self.assertEqual(pricing.price(3000, sms).amount, 12.0)
        self.assertEqual(pricing.price(3000.5, sms).amount, 16.0)
        self.assertEqual(pricing.price(1, sms).explanation, "1 SMS: 1 block of 1,000 x 4.00 = 4.00")
        self.assertEqual(pricing.price(0, sms).amount, 0.0)

    def test_package_after_allowance(self):
        sms = model(mode="package", package_size=100, package_price=1.5, included_quantity=250)
        result = pricing.price(260, sms)
        self.assertEqual(result.billable_quantity, 10.0)
        self.assertEqual(result.amount, 1.5)

    def test_minimum_charge(self):
        result = pricing.price(3, model(unit_price=0.1, minimum_charge=5))
        self.assertEqual(result.amount, 5.0)
        self.assertEqual(result.explanation, "3 unit x 0.10 = 0.30, minimum charge 5.00")

    def test_minimum_charge_applies_without_usage(self):
        result = pricing.price(0, model(unit_price=0.1, minimum_charge=5))
        self.assertEqual(result.amount, 5.0)
        self.assertEqual(result.explanation, "0 unit x 0.10 = 0.00, minimum charge 5.00")

    def test_minimum_charge_not_reached(self):
        result = pricing.price(100, model(unit_price=0.1, minimum_charge=5))
        self.assertEqual(result.amount, 10.0)
        self.assertNotIn("minimum", result.explanation)

    def test_currency_digits(self):
        self.assertEqual(pricing.price(1, model(unit_price=2.5, currency_digits=0)).amount, 3.0)
        result = pricing.price(1, model(unit_price=0.0125, currency_digits=3))
        self.assertEqual(result.amount, 0.013)
        self.assertEqual(result.explanation, "1 unit x 0.0125 = 0.013")
        result = pricing.price(1, model(unit_price=2, currency_digits=3))
        self.assertEqual(result.explanation, "1 unit x 2.000 = 2.000")

    def test_half_up(self):
        self.assertEqual(pricing.price(1, model(unit_price=0.125)).amount, 0.13)
        self.assertEqual(pricing.price(1, model(unit_price=0.135)).amount, 0.14)


class TestQuantityRounding(unittest.TestCase):
    def test_up(self):
        mb = model(unit_price=0.05, included_quantity=1000, unit="MB", rounding="up")
        result = pricing.price(1234.4, mb)
        self.assertEqual(result.quantity, 1234.4)
        self.assertEqual(result.billable_quantity, 235.0)
        self.assertEqual(result.amount, 11.75)
        self.assertEqual(
            result.explanation,
            "1,234.4 MB rounded up to 1,235 MB - 1,000 included = 235 MB x 0.05 = 11.75",
        )

    def test_down(self):
        result = pricing.price(1234.9, model(unit_price=1, rounding="down"))
        self.assertEqual(result.billable_quantity, 1234.0)
        self.assertEqual(
            result.explanation, "1,234.9 unit rounded down to 1,234 unit x 1.00 = 1,234.00"
        )

    def test_nearest_is_half_up(self):
        nearest = model(unit_price=1, rounding="nearest")
        self.assertEqual(pricing.price(2.5, nearest).billable_quantity, 3.0)
        self.assertEqual(pricing.price(2.49, nearest).billable_quantity, 2.0)
        self.assertEqual(
            pricing.price(2.5, nearest).explanation, "2.5 unit rounded to 3 unit x 1.00 = 3.00"
        )

    def test_none_keeps_quantity(self):
        result = pricing.price(2.5, model(unit_price=1, rounding="none", rounding_step=10))
        self.assertEqual(result.billable_quantity, 2.5)
        self.assertEqual(result.explanation, "2.5 unit x 1.00 = 2.50")

    def test_step(self):
        step = model(unit_price=1, rounding="up", rounding_step=0.5)
        self.assertEqual(pricing.price(1.2, step).billable_quantity, 1.5)
        kb = model(unit_price=0.001, rounding="up", rounding_step=1024, unit="kB")
        self.assertEqual(pricing.price(1025, kb).billable_quantity, 2048.0)

    def test_already_rounded_quantity_is_not_explained(self):
        result = pricing.price(7, model(unit_price=1, rounding="up"))
        self.assertEqual(result.explanation, "7 unit x 1.00 = 7.00")

    def test_float_noise_does_not_round_up(self):
        # a SQL sum of 0.1 and 0.2 is 0.30000000000000004: that is 0.3, not 0.4
        result = pricing.price(0.1 + 0.2, model(unit_price=1, rounding="up", rounding_step=0.1))
        self.assertEqual(result.billable_quantity, 0.3)
        self.assertEqual(result.amount, 0.3)


class TestValidation(unittest.TestCase):
    def assert_refused(self, message, **values):
        with self.assertRaisesRegex(ValueError, message):
            model(**values)

    def test_model_errors(self):
        tiers = (pricing.Tier(10, 1), pricing.Tier(None, 1))
        self.assert_refused("unknown price mode 'flat'", mode="flat")
        self.assert_refused("unknown rounding 'ceil'", rounding="ceil")
        self.assert_refused("rounding_step must be positive", rounding_step=0)
        self.assert_refused("rounding_step must be positive", rounding_step=-1)
        self.assert_refused("package_size must be positive", package_size=0)
        self.assert_refused("unit_price must not be negative", unit_price=-0.1)
        self.assert_refused("package_price must not be negative", package_price=-1)
        self.assert_refused("included_quantity must not be negative", included_quantity=-1)
        self.assert_refused("minimum_charge must not be negative", minimum_charge=-1)
        self.assert_refused("currency_digits", currency_digits=-1)
        self.assert_refused("unit must be", unit="")
        self.assert_refused("must be a number", unit_price="1")
        self.assert_refused("finite", unit_price=float("nan"))
        self.assert_refused("graduated pricing needs at least one tier", mode="graduated")
        self.assert_refused("volume pricing needs at least one tier", mode="volume")
        self.assert_refused("must be Tier instances", mode="graduated", tiers=((10, 1),))
        self.assert_refused("ascending", mode="graduated", tiers=tiers[:1] * 2 + tiers[1:])
        self.assert_refused(
            "ascending",
            mode="volume",
            tiers=(pricing.Tier(20, 1), pricing.Tier(10, 1), pricing.Tier(None, 1)),
        )
        self.assert_refused(
            "last tier of volume pricing must have no upper limit",
            mode="volume",
            tiers=tiers[:1],
        )
        self.assert_refused(
            "only the last tier", mode="graduated", tiers=(tiers[1], tiers[0], tiers[1])
        )
        self.assert_refused("band names must be unique", bands=(pricing.Band("a", 1),) * 2)
        self.assert_refused("bands must be Band instances", bands=("peak",))

    def test_tier_and_band_errors(self):
        cases = [
            ("tier up_to must be positive", lambda: pricing.Tier(0, 1)),
            ("tier unit_price must not be negative", lambda: pricing.Tier(10, -1)),
            ("tier flat_fee must not be negative", lambda: pricing.Tier(10, 1, -1)),
            ("needs a name", lambda: pricing.Band(" ", 1)),
            ("unit_price must not be negative", lambda: pricing.Band("a", -1)),
            ("days must be", lambda: pricing.Band("a", 1, days=frozenset())),
            ("days must be", lambda: pricing.Band("a", 1, days=frozenset({7}))),
            ("start_hour", lambda: pricing.Band("a", 1, start_hour=24)),
            ("end_hour", lambda: pricing.Band("a", 1, end_hour=0)),
            ("end_hour", lambda: pricing.Band("a", 1, end_hour=25)),
            ("are equal", lambda: pricing.Band("a", 1, start_hour=6, end_hour=6)),
        ]
        for message, build in cases:
            with self.subTest(message=message), self.assertRaisesRegex(ValueError, message):
                build()

    def test_valid_models_are_built(self):
        graduated = model(mode="graduated", tiers=[pricing.Tier(10, 1), pricing.Tier(None, 0)])
        self.assertIsInstance(graduated.tiers, tuple)
        band = pricing.Band("night", 0.1, days={5, 6}, start_hour=22, end_hour=6)
        self.assertEqual(band.days, frozenset({5, 6}))

    def test_quantity_errors(self):
        unit = model(unit_price=1)
        for bad in (-1, -0.001, float("nan"), float("inf"), "3", None, True):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                pricing.price(bad, unit)

    def test_model_must_be_a_price_model(self):
        with self.assertRaisesRegex(ValueError, "model must be a PriceModel"):
            pricing.price(1, {"mode": "unit"})


class TestBands(unittest.TestCase):
    peak = pricing.Band("peak", 0.30, days=frozenset(range(5)), start_hour=8, end_hour=20)
    night = pricing.Band("off-peak", 0.12, start_hour=22, end_hour=6)
    weekend = pricing.Band("weekend", 0.10, days=frozenset({5, 6}))

    def test_band_of_day_of_week_and_hours(self):
        bands = (self.peak, self.night)
        self.assertEqual(pricing.band_of(MONDAY.replace(hour=8), bands), "peak")
        self.assertEqual(pricing.band_of(MONDAY.replace(hour=19, minute=59), bands), "peak")
        self.assertIsNone(pricing.band_of(MONDAY.replace(hour=20), bands))
        self.assertIsNone(pricing.band_of(MONDAY.replace(hour=7, minute=59), bands))
        self.assertIsNone(pricing.band_of(SATURDAY.replace(hour=12), bands))

    def test_band_wrapping_midnight(self):
        bands = (self.night,)
        for hour in (22, 23, 0, 3, 5):
            with self.subTest(hour=hour):
                self.assertEqual(pricing.band_of(MONDAY.replace(hour=hour), bands), "off-peak")
        for hour in (6, 12, 21):
            with self.subTest(hour=hour):
                self.assertIsNone(pricing.band_of(MONDAY.replace(hour=hour), bands))

    def test_wrapping_band_days_are_calendar_days(self):
        weeknights = pricing.Band("n", 1, days=frozenset(range(5)), start_hour=22, end_hour=6)
        self.assertEqual(pricing.band_of(FRIDAY.replace(hour=23), [weeknights]), "n")
        self.assertEqual(pricing.band_of(MONDAY.replace(hour=2), [weeknights]), "n")
        self.assertIsNone(pricing.band_of(SATURDAY.replace(hour=2), [weeknights]))

    def test_first_band_wins(self):
        self.assertEqual(
            pricing.band_of(SATURDAY.replace(hour=23), (self.weekend, self.night)), "weekend"
        )
        self.assertEqual(
            pricing.band_of(SATURDAY.replace(hour=23), (self.night, self.weekend)), "off-peak"
        )
        self.assertIsNone(pricing.band_of(MONDAY, ()))

    @given(st.datetimes(), st.integers(0, 23), st.integers(1, 24))
    def test_wrapping_band_is_the_complement_of_the_straight_one(self, moment, start, end):
        assume(start < end and start > 0 and end < 24)
        straight = pricing.Band("day", 1, start_hour=start, end_hour=end)
        wrapping = pricing.Band("night", 1, start_hour=end, end_hour=start)
        in_straight = pricing.band_of(moment, [straight]) is not None
        in_wrapping = pricing.band_of(moment, [wrapping]) is not None
        self.assertNotEqual(in_straight, in_wrapping)

    def tariff(self, **values):
        return model(unit_price=0.20, unit="kWh", bands=(self.peak, self.night), **values)

    def test_price_bands(self):
        result = pricing.price_bands({"peak": 120, "off-peak": 80}, self.tariff())
        self.assertEqual(result.quantity, 200.0)
        self.assertEqual(result.billable_quantity, 200.0)
        self.assertEqual(result.amount, 45.60)
        self.assertEqual(result.explanation, "peak 120 kWh x 0.30 + off-peak 80 kWh x 0.12 = 45.60")

    def test_explanation_follows_band_order_and_skips_zero_parts(self):
        result = pricing.price_bands({None: 10, "off-peak": 80, "peak": 0}, self.tariff())
        self.assertEqual(result.amount, 11.60)
        self.assertEqual(result.explanation, "off-peak 80 kWh x 0.12 + other 10 kWh x 0.20 = 11.60")
        self.assertEqual(pricing.price_bands({}, self.tariff()).explanation, "0 kWh = 0.00")

    def test_allowance_consumed_in_band_order(self):
        result = pricing.price_bands(
            {None: 10, "off-peak": 80, "peak": 120}, self.tariff(included_quantity=150)
        )
        self.assertEqual(result.billable_quantity, 60.0)
        self.assertEqual(result.amount, 8.0)  # 50 x 0.12 + 10 x 0.20
        self.assertEqual(
            result.explanation,
            "peak 120 kWh - 120 included = 0 kWh x 0.30 + off-peak 80 kWh - 30 included = "
            "50 kWh x 0.12 + other 10 kWh x 0.20 = 8.00",
        )

    def test_other_part_uses_the_model_mode(self):
        tariff = model(mode="graduated", tiers=GRADUATED, unit="kWh", bands=(self.peak,))
        result = pricing.price_bands({"peak": 10, None: 150}, tariff)
        self.assertEqual(result.amount, 15.50)
        self.assertEqual(
            result.explanation,
            "peak 10 kWh x 0.30 + other 150 kWh (100 x 0.10 + 50 x 0.05) = 15.50",
        )

    def test_rounding_per_part_and_minimum_on_total(self):
        tariff = self.tariff(rounding="up", minimum_charge=1)
        result = pricing.price_bands({"peak": 0.2, "off-peak": 0.2}, tariff)
        self.assertEqual(result.billable_quantity, 2.0)
        self.assertEqual(result.amount, 1.0)  # 0.30 + 0.12 = 0.42, below the minimum
        self.assertEqual(
            result.explanation,
            "peak 0.2 kWh rounded up to 1 kWh x 0.30 + off-peak 0.2 kWh rounded up to 1 kWh"
            " x 0.12 = 0.42, minimum charge 1.00",
        )

    def test_price_bands_errors(self):
        with self.assertRaisesRegex(ValueError, "unknown band"):
            pricing.price_bands({"shoulder": 1}, self.tariff())
        with self.assertRaisesRegex(ValueError, "quantity must not be negative"):
            pricing.price_bands({"peak": -1}, self.tariff())
        with self.assertRaisesRegex(ValueError, "mapping"):
            pricing.price_bands([("peak", 1)], self.tariff())

    @given(quantities, price_models())
    def test_without_bands_it_is_price(self, quantity, price_model):
        self.assertEqual(
            pricing.price_bands({None: quantity}, price_model), pricing.price(quantity, price_model)
        )


class TestPriceProperties(unittest.TestCase):
    @given(quantities, price_models())
    def test_amount_has_at_most_currency_digits(self, quantity, price_model):
        result = pricing.price(quantity, price_model)
        exponent = Decimal(repr(result.amount)).as_tuple().exponent
        self.assertGreaterEqual(exponent, -max(price_model.currency_digits, 1))
        self.assertEqual(round(result.amount, price_model.currency_digits), result.amount)
        # the minimum charge, like any amount, is rounded half up to the currency's digits
        minimum = Decimal(repr(price_model.minimum_charge)).quantize(
            Decimal(1).scaleb(-price_model.currency_digits), rounding=ROUND_HALF_UP
        )
        self.assertGreaterEqual(Decimal(repr(result.amount)), minimum)
        self.assertGreaterEqual(result.billable_quantity, 0.0)

    @given(quantities, quantities, tier_lists(), st.sampled_from(pricing.ROUNDINGS), quantities)
    def test_graduated_is_monotonic(self, first, second, tiers, rounding, allowance):
        graduated = model(
            mode="graduated", tiers=tiers, rounding=rounding, included_quantity=allowance
        )
        low, high = sorted((first, second))
        self.assertLessEqual(
            pricing.price(low, graduated).amount, pricing.price(high, graduated).amount
        )

    @given(
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=10**5),
        st.decimals(min_value=0, max_value=100, places=2),
        st.decimals(min_value=0, max_value=100, places=2),
    )
    def test_graduated_is_the_sum_of_its_parts(self, quantity, boundary, below, above):
        graduated = model(
            mode="graduated",
            tiers=(pricing.Tier(boundary, float(below)), pricing.Tier(None, float(above))),
        )
        first_part = pricing.price(min(quantity, boundary), model(unit_price=float(below)))
        second_part = pricing.price(max(quantity - boundary, 0), model(unit_price=float(above)))
        parts = Decimal(repr(first_part.amount)) + Decimal(repr(second_part.amount))
        self.assertEqual(Decimal(repr(pricing.price(quantity, graduated).amount)), parts)
        expected = Decimal(min(quantity, boundary)) * below
        expected += Decimal(max(quantity - boundary, 0)) * above
        self.assertEqual(Decimal(repr(pricing.price(quantity, graduated).amount)), expected)

    @given(quantities, tier_lists(flat_fees=False))
    def test_graduated_never_exceeds_the_dearest_tier(self, quantity, tiers):
        graduated = pricing.price(quantity, model(mode="graduated", tiers=tiers))
        dearest = max(tier.unit_price for tier in tiers)
        cheapest = min(tier.unit_price for tier in tiers)
        self.assertLessEqual(
            graduated.amount, pricing.price(quantity, model(unit_price=dearest)).amount
        )
        self.assertGreaterEqual(
            graduated.amount, pricing.price(quantity, model(unit_price=cheapest)).amount
        )

    @given(quantities, st.sampled_from(["up", "down", "nearest"]), st.sampled_from([0.5, 1, 10]))
    def test_rounding_lands_on_a_step_near_the_quantity(self, quantity, rounding, step):
        result = pricing.price(quantity, model(rounding=rounding, rounding_step=step))
        steps = Decimal(repr(result.billable_quantity)) / Decimal(repr(step))
        self.assertEqual(steps, steps.to_integral_value())
        self.assertLess(abs(result.billable_quantity - quantity), step)
        if rounding == "up":
            self.assertGreaterEqual(result.billable_quantity, quantity)
        if rounding == "down":
            self.assertLessEqual(result.billable_quantity, quantity)

    @given(quantities, st.integers(min_value=1, max_value=10**4), prices)
    def test_package_counts_started_blocks(self, quantity, size, package_price):
        package = model(mode="package", package_size=size, package_price=package_price)
        amount = Decimal(repr(pricing.price(quantity, package).amount))
        blocks = math.ceil(Decimal(repr(quantity)) / size)
        expected = blocks * Decimal(repr(package_price))
        self.assertEqual(amount, expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class TestPriceLines(unittest.TestCase):
    """The parts of a price, as an invoice shows them: quantity x unit price each."""

    def parts(self, result):
        return [
            (line.kind, line.quantity, line.unit_price, line.lower, line.upper)
            for line in result.lines
        ]

    def test_unit_is_one_part(self):
        result = pricing.price(250, model(unit_price=1.85, unit="m3"))
        self.assertEqual(self.parts(result), [("unit", 250.0, 1.85, None, None)])

    def test_graduated_gives_a_part_per_tier_reached_and_its_fee(self):
        tiers = (pricing.Tier(100, 0.10, flat_fee=5), pricing.Tier(None, 0.05))
        result = pricing.price(150, model(mode="graduated", tiers=tiers))
        self.assertEqual(
            self.parts(result),
            [
                ("tier", 100.0, 0.10, 0.0, 100.0),
                ("fee", 1.0, 5.0, 0.0, 100.0),
                ("tier", 50.0, 0.05, 100.0, None),
            ],
        )

    def test_volume_gives_the_band_of_the_whole_quantity(self):
        result = pricing.price(150, model(mode="volume", tiers=GRADUATED))
        self.assertEqual(self.parts(result), [("volume", 150.0, 0.05, 100.0, None)])

    def test_package_counts_blocks(self):
        result = pricing.price(25, model(mode="package", package_size=10, package_price=3))
        self.assertEqual(
            [(line.kind, line.quantity, line.unit_price, line.size) for line in result.lines],
            [("package", 3.0, 3.0, 10.0)],
        )

    def test_minimum_charge_tops_up(self):
        result = pricing.price(10, model(unit_price=0.5, minimum_charge=8))
        self.assertEqual(
            self.parts(result),
            [("unit", 10.0, 0.5, None, None), ("minimum", 3.0, 1.0, None, None)],
        )

    def test_bands_name_their_parts(self):
        night = pricing.Band("Night", 0.5, start_hour=22, end_hour=6)
        result = pricing.price_bands({"Night": 4, None: 6}, model(unit_price=1, bands=(night,)))
        self.assertEqual(
            [(line.kind, line.band, line.quantity, line.unit_price) for line in result.lines],
            [("band", "Night", 4.0, 0.5), ("unit", pricing.OTHER_LABEL, 6.0, 1.0)],
        )

    @given(quantities, price_models())
    def test_parts_add_up_to_the_amount(self, quantity, price_model):
        result = pricing.price(quantity, price_model)
        total = sum(
            Decimal(repr(line.quantity)) * Decimal(repr(line.unit_price)) for line in result.lines
        )
        half_cent = Decimal(1).scaleb(-price_model.currency_digits) / 2
        self.assertLessEqual(abs(total - Decimal(repr(result.amount))), half_cent)
