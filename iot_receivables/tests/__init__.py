from . import (
    test_block_api,
    test_blocks,
    test_brands,
    test_commission_http,
    test_commissions,
    test_core_commission,
    test_einvoice,
    test_levelised,
    test_levelised_core,
    test_levelised_tours,
    test_tours,
)
