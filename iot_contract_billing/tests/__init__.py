from . import (
    test_activation,
    test_billing_run,
    test_core_schedule,
    test_seed_scenario,
    test_valuation,
)
