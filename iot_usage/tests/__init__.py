from . import (
    test_calculators,
    test_core_mediation,
    test_core_pricing,
    test_core_records,
    test_core_tabular,
    test_core_tabular_bounds,
    test_ingestion,
    test_ingestion_http,
    test_settings,
    test_tours,
    test_upload_failures,
    test_usage_hostile,
)
