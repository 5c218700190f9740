"""Consolidated corporate invoicing: when a yearly consolidated invoice is due.

A parent company can take one invoice a year for its subsidiaries' devices: their
periods wait, uninvoiced, until a billing run reaches the last month of a year, which
then bills every waiting period that ended by that year's end.
"""

import datetime


def yearly_cutoff(date_from, date_to):
    """The day up to which a run of ``date_from`` to ``date_to`` bills the periods that
    wait for a yearly invoice: the end of the last December the run reaches (or the run's
    end, when it stops within that December); ``None`` while it reaches no December.

    >>> from datetime import date
    >>> yearly_cutoff(date(2026, 4, 1), date(2026, 4, 30)) is None
    True
    >>> yearly_cutoff(date(2026, 12, 1), date(2026, 12, 31))
    datetime.date(2026, 12, 31)
    >>> yearly_cutoff(date(2026, 12, 15), date(2027, 1, 31))  # a period over the new year
    datetime.date(2026, 12, 31)
    >>> yearly_cutoff(date(2026, 11, 1), date(2026, 12, 15))
    datetime.date(2026, 12, 15)
    >>> yearly_cutoff(date(2026, 1, 1), date(2026, 11, 30)) is None
    True
    """
    year = date_to.year if date_to.month == 12 else date_to.year - 1
    if year < date_from.year:
        return None
    return min(date_to, datetime.date(year, 12, 31))
