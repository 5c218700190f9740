"""The checks of an activation's billing fields (``core/plan.py``), as plain functions."""

import math
import unittest

from hypothesis import (
    given,
    strategies as st,
)

from odoo.addons.iot_fleet.core.payload import PayloadError

from ..core import plan as plan_core


class TestPlanChecks(unittest.TestCase):
    def assertRefused(self, func, value, field):
        with self.assertRaises(PayloadError) as caught:
            func(value)
        self.assertEqual(caught.exception.field, field)

    def test_price_is_a_finite_number_in_a_sane_range(self):
        self.assertEqual(
            [plan_core.price(value) for value in (0, 9.9, 12, 1e9, None)],
            [0.0, 9.9, 12.0, 1e9, None],
        )
        for value in (1e308, 10**400, math.nan, math.inf, -math.inf, -0.01, 1e9 + 1):
            with self.subTest(value=value):
                self.assertRefused(plan_core.price, value, "plan.price")
        for value in (True, "9.9", [9.9], {"amount": 9.9}):
            with self.subTest(value=value):
                self.assertRefused(plan_core.price, value, "plan.price")

    @given(st.floats(min_value=0, max_value=plan_core.MAX_PRICE))
    def test_every_price_in_range_is_kept(self, value):
        self.assertEqual(plan_core.price(value), value)

    @given(
        st.one_of(
            st.floats(max_value=-1e-9),
            st.floats(min_value=plan_core.MAX_PRICE, exclude_min=True),
        )
    )
    def test_every_price_out_of_range_is_refused(self, value):
        self.assertRefused(plan_core.price, value, "plan.price")

    def test_term_is_a_whole_number_of_months(self):
        self.assertEqual(
            [plan_core.term_months(value) for value in (1, 12, 120, None)], [1, 12, 120, None]
        )
        for value in (0, -1, 121, 10**20, True, False, 12.0, "12", math.nan):
            with self.subTest(value=value):
                self.assertRefused(plan_core.term_months, value, "term_months")

    def test_product_is_an_id_or_a_short_single_line_text(self):
        self.assertEqual(plan_core.plan({"product": 7}), {"product": 7})
        self.assertEqual(
            plan_core.plan({"product": " PFS-1 ", "price": 9.9}),
            {"product": "PFS-1", "price": 9.9},
        )
        for value in (
            "PFS\x00X",
            "PFS\nX",
            "PFS\x1bX",
            "PFS\ud800",
            "x" * 257,
            "",
            "   ",
            None,
            True,
            0,
            2**31,
            9.9,
            ["PFS"],
        ):
            with self.subTest(value=value):
                self.assertRefused(plan_core.plan, {"product": value}, "plan.product")

    def test_plan_is_an_object_of_known_keys(self):
        self.assertIsNone(plan_core.plan(None))
        for value in ("PFS", ["PFS"], 3):
            with self.subTest(value=value):
                self.assertRefused(plan_core.plan, value, "plan")
        self.assertRefused(plan_core.plan, {"product": "PFS", "name": "x"}, "plan.name")
        self.assertRefused(plan_core.plan, {"product": "PFS", "a\x00b": 1}, "plan.?")
        self.assertRefused(plan_core.plan, {"product": "PFS", "price": 1e308}, "plan.price")

    def test_references_fit_the_database(self):
        self.assertEqual(plan_core.reference("contract", 2**31 - 1), 2**31 - 1)
        self.assertEqual(plan_core.reference("contract", "C-1"), "C-1")
        self.assertIsNone(plan_core.reference("contract", None))
        for value in (0, -1, 2**31, 2**63, True, 1.5, "a\x00b", "x" * 257, "  "):
            with self.subTest(value=value):
                self.assertRefused(lambda v: plan_core.reference("contract", v), value, "contract")
