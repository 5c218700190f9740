from . import test_calculators, test_core_pricing, test_ingestion, test_ingestion_http
