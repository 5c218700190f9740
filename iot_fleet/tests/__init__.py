from . import (
    test_api_http,
    test_gateways,
    test_jsonrpc,
    test_lifecycle,
    test_multicompany,
    test_payload,
    test_roles,
    test_settings,
    test_tours,
)
