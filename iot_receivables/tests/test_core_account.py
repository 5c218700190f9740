import datetime
import doctest
import unittest

from hypothesis import (
    given,
    strategies as st,
)

from ..core import account

D = datetime.date
FISCAL_YEAR = (D(2026, 1, 1), D(2026, 12, 31))

policies = st.builds(
    account.Policy,
    threshold=st.floats(min_value=0, max_value=1000, allow_nan=False),
    holding=st.integers(min_value=0, max_value=400),
    unit=st.sampled_from(["day", "month"]),
)
days = st.dates(min_value=D(2025, 6, 1), max_value=D(2026, 12, 31))


class TestCoreAccount(unittest.TestCase):
    def test_doctests(self):
        result = doctest.testmod(account)
        self.assertFalse(result.failed)
        self.assertGreater(result.attempted, 10)

    @given(
        balance=st.floats(min_value=-100, max_value=1000, allow_nan=False),
        more=st.floats(min_value=0, max_value=1000, allow_nan=False),
        oldest=days,
        policy=policies,
    )
    def test_a_larger_balance_is_never_held_longer(self, balance, more, oldest, policy):
        day = D(2026, 11, 30)
        if account.flush_reason(balance, oldest, policy, day, FISCAL_YEAR):
            self.assertTrue(account.flush_reason(balance + more, oldest, policy, day, FISCAL_YEAR))

    @given(oldest=days, policy=policies)
    def test_the_fiscal_year_end_invoices_every_account(self, oldest, policy):
        reason = account.flush_reason(-1.0, oldest, policy, FISCAL_YEAR[1], FISCAL_YEAR)
        self.assertIsNotNone(reason)

    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=3),
                st.sampled_from([9.9, 1.85]),
                st.sampled_from([D(2026, 9, 1), D(2026, 10, 1)]),
                st.floats(min_value=0, max_value=1e6, allow_nan=False),
            ),
            max_size=30,
        )
    )
    def test_each_entry_is_on_one_line(self, rows):
        entries = [
            dict(
                id=number,
                product_id=product,
                product_uom_id=1,
                price_unit=price,
                name="Plan",
                date_start=start,
                date_end=start + datetime.timedelta(days=29),
                quantity=quantity,
            )
            for number, (product, price, start, quantity) in enumerate(rows)
        ]
        groups = account.line_groups(entries)
        ids = [entry_id for _key, _quantity, group_ids in groups for entry_id in group_ids]
        self.assertEqual(sorted(ids), list(range(len(rows))))
        self.assertAlmostEqual(
            sum(quantity for _key, quantity, _ids in groups),
            sum(entry["quantity"] for entry in entries),
            delta=1e-6,
        )
        self.assertEqual(len({key for key, _quantity, _ids in groups}), len(groups))
