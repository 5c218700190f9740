from . import (
    test_calculators,
    test_core_mediation,
    test_core_pricing,
    test_core_tabular,
    test_ingestion,
    test_ingestion_http,
)
