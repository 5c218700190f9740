"""The arithmetic of levelised billing, without the ORM: cent-exact instalments,
re-levelling that keeps the year's total, settlements that settle once."""

import doctest
import unittest
from decimal import Decimal

from hypothesis import (
    given,
    strategies as st,
)

from ..core import levelised

CENT = Decimal("0.01")
amounts = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False)
signed = st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False)


class TestLevelisedCore(unittest.TestCase):
    def test_doctests(self):
        result = doctest.testmod(levelised, optionflags=doctest.NORMALIZE_WHITESPACE)
        self.assertGreater(result.attempted, 20)
        self.assertEqual(result.failed, 0)

    def test_twelve_instalments_of_an_estimate(self):
        instalments = levelised.split(Decimal("440"), 12)
        self.assertEqual(sum(instalments), Decimal("440.00"))
        self.assertEqual(instalments[:8], [Decimal("36.67")] * 8)
        self.assertEqual(instalments[8:], [Decimal("36.66")] * 4)

    @given(amounts, st.integers(min_value=1, max_value=24))
    def test_instalments_add_up_to_the_cent_and_differ_by_a_cent_at_most(self, total, count):
        instalments = levelised.split(total, count)
        self.assertEqual(len(instalments), count)
        self.assertEqual(sum(instalments), total)
        self.assertLessEqual(max(instalments) - min(instalments), CENT)
        self.assertTrue(all(amount >= 0 for amount in instalments))
        self.assertEqual(instalments, sorted(instalments, reverse=True))

    @given(
        amounts,
        st.integers(min_value=1, max_value=11),
        amounts,
        st.decimals(min_value=0, max_value=50, places=1, allow_nan=False),
    )
    def test_a_relevelled_year_adds_up_to_the_projection(self, estimate, month, actual, tolerance):
        instalments = levelised.split(estimate, 12)
        invoiced = instalments[: month + 1]  # the next month's is invoiced by the review
        remaining = 12 - len(invoiced)
        found = levelised.review(estimate, month, actual, sum(invoiced), remaining, tolerance)
        if found.remaining is None:
            self.assertLessEqual(abs(found.deviation), tolerance)
            return
        year = sum(invoiced) + sum(found.remaining)
        if remaining and found.projection >= sum(invoiced):
            self.assertEqual(year, found.projection)
        else:  # paid beyond the projection already: nothing more, never a credit
            self.assertEqual(sum(found.remaining), 0)
        self.assertTrue(all(amount >= 0 for amount in found.remaining))

    def test_a_review_within_the_tolerance_changes_nothing(self):
        found = levelised.review(Decimal("1200"), 4, Decimal("430"), Decimal("500"), 7, 10)
        self.assertEqual(found.deviation, Decimal("7.50"))
        self.assertIsNone(found.remaining)

    def test_a_review_of_a_year_without_estimate_relevels_any_usage(self):
        found = levelised.review(Decimal("0"), 4, Decimal("40"), Decimal("0"), 8, 10)
        self.assertEqual(found.projection, Decimal("120.00"))
        self.assertEqual(sum(found.remaining), Decimal("120.00"))

    @given(st.lists(amounts, min_size=12, max_size=12), st.lists(amounts, max_size=12))
    def test_a_settlement_run_twice_settles_once(self, months, instalments):
        first = levelised.settlement(months, instalments)
        self.assertEqual(first, sum(months) - sum(instalments))
        self.assertEqual(levelised.settlement(months, instalments, [first]), 0)

    @given(st.lists(signed, min_size=1, max_size=12))
    def test_settlements_net_out(self, settled):
        months = [Decimal("100")] * 12
        left = levelised.settlement(months, [Decimal("90")] * 12, settled)
        self.assertEqual(left + sum(settled), Decimal("120.00"))

    def test_review_months(self):
        self.assertEqual(levelised.parse_months(" 8;4 "), [4, 8])
        for wrong in ("0", "12", "four", "-1"):
            with self.assertRaises(ValueError):
                levelised.parse_months(wrong)
