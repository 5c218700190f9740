"""Who held a device when: customer periods from the device's events.

Plain Python over plain values; ``iot.device.usage.period`` computes the same in one SQL
view, and the tests hold the view against :func:`customer_periods`.
"""

from collections import namedtuple

# ``holder``: the customer the device is on after the mark (None: on nobody, e.g. after
# a termination). Marks are activations, customer changes and moves into a cancelled state.
Mark = namedtuple("Mark", "device_id date event_id holder")
Period = namedtuple("Period", "device_id partner_id date_start date_end event_id")


def customer_periods(marks):
    """The periods each device spent on one customer, in the order of the marks.

    A period starts at a mark that changes the holder and ends at the next one (None while
    it lasts); marks that repeat the holder (a second activation for the same customer)
    continue the period.

    >>> marks = [
    ...     Mark(1, "2026-01-01", 10, 7),
    ...     Mark(1, "2026-02-01", 11, 7),
    ...     Mark(1, "2026-03-01", 12, None),
    ...     Mark(1, "2026-04-01", 13, 8),
    ... ]
    >>> for period in customer_periods(marks):
    ...     print(period.partner_id, period.date_start, period.date_end)
    7 2026-01-01 2026-03-01
    8 2026-04-01 None
    """
    by_device = {}
    for mark in sorted(marks, key=lambda m: (m.device_id, m.date, m.event_id)):
        by_device.setdefault(mark.device_id, []).append(mark)
    periods = []
    for device_marks in by_device.values():
        starts = [
            mark
            for index, mark in enumerate(device_marks)
            if index == 0 or mark.holder != device_marks[index - 1].holder
        ]
        for index, mark in enumerate(starts):
            if mark.holder is None:
                continue
            end = starts[index + 1].date if index + 1 < len(starts) else None
            periods.append(Period(mark.device_id, mark.holder, mark.date, end, mark.event_id))
    return periods
