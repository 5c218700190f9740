import datetime
import itertools
import unittest

from hypothesis import (
    given,
    strategies as st,
)

from ..core import schedule

D = datetime.date


class TestSchedule(unittest.TestCase):
    def test_twelve_monthly_periods_from_the_first(self):
        periods = schedule.billing_periods(D(2026, 4, 1), 12, 9.9, alignment="calendar")
        self.assertEqual(len(periods), 12)
        self.assertEqual((periods[0].start, periods[0].end), (D(2026, 4, 1), D(2026, 4, 30)))
        self.assertEqual((periods[-1].start, periods[-1].end), (D(2027, 3, 1), D(2027, 3, 31)))
        self.assertEqual({p.amount for p in periods}, {9.9})

    def test_calendar_prorates_the_first_and_last_period(self):
        periods = schedule.billing_periods(D(2026, 4, 14), 12, 30.0, alignment="calendar")
        self.assertEqual(len(periods), 13)
        self.assertEqual(
            (periods[0].start, periods[0].end, periods[0].amount),
            (D(2026, 4, 14), D(2026, 4, 30), 17.0),
        )
        self.assertEqual(
            (periods[-1].start, periods[-1].end, periods[-1].amount),
            (D(2027, 4, 1), D(2027, 4, 13), 13.0),
        )

    def test_anniversary_keeps_full_periods(self):
        periods = schedule.billing_periods(D(2026, 1, 31), 3, 10.0, alignment="anniversary")
        self.assertEqual(
            [(p.start, p.end, p.amount) for p in periods],
            [
                (D(2026, 1, 31), D(2026, 2, 27), 10.0),
                (D(2026, 2, 28), D(2026, 3, 30), 10.0),
                (D(2026, 3, 31), D(2026, 4, 29), 10.0),
            ],
        )

    def test_bad_input(self):
        for kwargs in ({"term_months": 0}, {"amount": -1}, {"alignment": "weekly"}):
            args = dict({"date_start": D(2026, 4, 1), "term_months": 12, "amount": 1.0}, **kwargs)
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError):
                schedule.billing_periods(**args)

    @given(
        st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31)),
        st.integers(min_value=1, max_value=36),
        st.sampled_from(schedule.ALIGNMENTS),
    )
    def test_periods_tile_the_term(self, start, term, alignment):
        periods = schedule.billing_periods(start, term, 10.0, alignment=alignment)
        self.assertEqual(periods[0].start, start)
        self.assertEqual(periods[-1].end, schedule.add_months(start, term) - schedule.ONE_DAY)
        for before, after in itertools.pairwise(periods):
            self.assertEqual(after.start, before.end + schedule.ONE_DAY)
        self.assertTrue(all(0 < p.ratio <= 1 for p in periods))
        self.assertAlmostEqual(sum(p.ratio for p in periods), term, delta=1.0)

    def test_status_days_and_amount(self):
        april = (D(2026, 4, 1), D(2026, 4, 30))
        days = schedule.status_days(*april, "active", [(D(2026, 4, 11), "suspended")])
        self.assertEqual(days, {"active": 10, "suspended": 20})
        prices = {"active": 9.90, "suspended": 2.0}
        self.assertEqual(schedule.status_amount(*april, 1.0, days, prices), 4.63)
        # A change on the first day, or after the period, and a partial period.
        self.assertEqual(
            schedule.status_days(*april, "prospect", [(D(2026, 4, 1), "active")]), {"active": 30}
        )
        self.assertEqual(
            schedule.status_days(*april, "active", [(D(2026, 5, 2), "cancelled")]),
            {"active": 30},
        )
        late_start = (D(2026, 4, 16), D(2026, 4, 30))
        self.assertEqual(
            schedule.status_amount(*late_start, 0.5, {"active": 15}, prices),
            schedule.billing_periods(D(2026, 4, 16), 1, 9.90, alignment="calendar")[0].amount,
        )
        with self.assertRaises(ValueError):
            schedule.status_amount(*april, 1.0, {"active": 29}, prices)

    @given(
        st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
        st.lists(
            st.tuples(
                st.integers(min_value=-5, max_value=40),
                st.sampled_from(["active", "suspended", "prospect", "cancelled"]),
            ),
            max_size=6,
        ),
    )
    def test_status_days_cover_the_period_and_one_price_is_a_flat_price(self, start, moves):
        end = schedule.add_months(start, 1) - schedule.ONE_DAY
        changes = sorted((start + datetime.timedelta(days=d), s) for d, s in moves)
        days = schedule.status_days(start, end, "active", changes)
        self.assertEqual(sum(days.values()), (end - start).days + 1)
        flat = dict.fromkeys(("active", "suspended", "prospect", "cancelled"), 9.90)
        self.assertEqual(schedule.status_amount(start, end, 1.0, days, flat), 9.90)
