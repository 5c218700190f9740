import doctest
import unittest

from hypothesis import (
    given,
    strategies as st,
)

from ..core import commission


class TestCoreCommission(unittest.TestCase):
    def test_doctests(self):
        self.assertEqual(doctest.testmod(commission).failed, 0)

    @given(
        st.lists(
            st.tuples(
                st.decimals(min_value=0, max_value=10**6, places=2),
                st.integers(min_value=0, max_value=10**4),
            ),
            min_size=1,
            max_size=20,
        )
    )
    def test_owners_shares_of_a_line_add_up_to_the_line(self, devices):
        """Whatever the devices' amounts and quantities, the owners' shares of a line
        add up to the whole line (or to nothing when the line bills nothing)."""
        line_amount = sum(amount for amount, _quantity in devices)
        line_quantity = sum(quantity for _amount, quantity in devices)
        shares = [
            commission.owner_shares(amount, line_amount, quantity, line_quantity)
            for amount, quantity in devices
        ]
        amount_total = sum(amount for amount, _quantity in shares)
        quantity_total = sum(quantity for _amount, quantity in shares)
        if line_quantity:
            self.assertAlmostEqual(quantity_total, 1.0)
        if line_amount or line_quantity:
            self.assertAlmostEqual(amount_total, 1.0)
        else:
            self.assertEqual((amount_total, quantity_total), (0, 0))
