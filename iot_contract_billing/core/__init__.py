"""Plain-Python core of fleet billing: billing periods and proration."""

from . import detail, schedule
