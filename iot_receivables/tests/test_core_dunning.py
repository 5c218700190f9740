import datetime
import doctest
import random
import unittest

from freezegun import freeze_time
from hypothesis import (
    given,
    strategies as st,
)

from odoo.tests import TransactionCase, tagged

from ..core import dunning
from .dunning_common import DunningFixtures

D = datetime.date
TODAY = D(2026, 3, 31)

levels_st = st.lists(
    st.builds(
        dunning.Level,
        key=st.integers(),
        sequence=st.integers(0, 100),
        days_overdue=st.integers(0, 120),
        min_amount=st.floats(0, 500, allow_nan=False),
        min_count=st.integers(0, 4),
        blocks=st.booleans(),
    ),
    max_size=5,
    unique_by=lambda level: level.sequence,
)
invoices_st = st.lists(
    st.builds(
        dunning.OpenInvoice,
        due=st.dates(D(2025, 10, 1), D(2026, 5, 1)),
        residual=st.floats(0, 300, allow_nan=False),
    ),
    max_size=8,
)


class TestCoreDunning(unittest.TestCase):
    def test_doctests(self):
        result = doctest.testmod(dunning)
        self.assertGreater(result.attempted, 10)
        self.assertEqual(result.failed, 0)

    def test_an_invoice_due_today_is_not_overdue(self):
        level = dunning.Level(1, 10, 0)
        self.assertEqual(
            dunning.debt_for(level, [dunning.OpenInvoice(TODAY, 10.0)], TODAY).count, 0
        )

    @given(levels_st, invoices_st, invoices_st)
    def test_more_debt_never_lowers_the_level(self, levels, invoices, more):
        before = dunning.reached_level(levels, invoices, TODAY)
        after = dunning.reached_level(levels, invoices + more, TODAY)
        self.assertNotEqual(dunning.step(before, after), "lower")

    @given(levels_st, invoices_st, st.integers(1, 60))
    def test_time_passing_never_lowers_the_level(self, levels, invoices, days):
        before = dunning.reached_level(levels, invoices, TODAY)
        after = dunning.reached_level(levels, invoices, TODAY + datetime.timedelta(days=days))
        self.assertNotEqual(dunning.step(before, after), "lower")

    @given(levels_st, invoices_st)
    def test_paying_everything_leaves_no_level(self, levels, invoices):
        paid = [invoice._replace(residual=0.0) for invoice in invoices]
        self.assertIsNone(dunning.reached_level(levels, paid, TODAY))

    @given(levels_st, invoices_st)
    def test_the_level_reached_holds_and_no_later_one_does(self, levels, invoices):
        reached = dunning.reached_level(levels, invoices, TODAY)
        for level in levels:
            holds = dunning.is_reached(level, dunning.debt_for(level, invoices, TODAY))
            if reached is not None and level.sequence == reached.sequence:
                self.assertTrue(holds)
            elif reached is None or level.sequence > reached.sequence:
                self.assertFalse(holds)


@tagged("post_install", "-at_install")
class TestDunningSqlMatchesCore(DunningFixtures, TransactionCase):
    """The run's SQL statement gives every customer the level of the plain-Python rule."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dunning()

    def test_sql_levels_match_reached_level(self):
        rng = random.Random(10)
        core_levels = [level._iot_core_level() for level in self.policy.level_ids]
        expected = {}
        partners = self.env["res.partner"]
        for index in range(25):
            partner = self.make_customer(f"Random {index}")
            partners |= partner
            invoices = []
            for _n in range(rng.randint(0, 4)):
                due = TODAY - datetime.timedelta(days=rng.randint(-10, 90))
                amount = rng.choice([10.0, 30.0, 45.0, 80.0])
                move = self.invoice(partner, amount, due)
                paid = rng.choice([0.0, 0.0, amount / 2, amount])
                if paid:
                    with freeze_time("2026-03-31"):
                        self.register_payment(move, amount=paid)
                invoices.append(dunning.OpenInvoice(due, amount - paid))
            expected[partner.id] = dunning.reached_level(core_levels, invoices, TODAY)
        found = self.env["res.partner"]._iot_dunning_levels(self.company, TODAY, partners.ids)
        self.assertEqual(
            {pid: found.get(pid, (None,))[0] for pid in partners.ids},
            {pid: level and level.key for pid, level in expected.items()},
        )
        self.assertTrue(any(expected.values()), "the sample reaches some level")
