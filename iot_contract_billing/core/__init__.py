"""Plain-Python core of fleet billing: billing periods and proration, the checks of an
activation's billing fields, and the invoice detail files."""

from . import detail, plan, schedule
