from . import (
    test_activation,
    test_billing_run,
    test_core_plan,
    test_core_schedule,
    test_detail_export,
    test_gateway_billing,
    test_invoice_lines,
    test_seed_scenario,
    test_valuation,
)
