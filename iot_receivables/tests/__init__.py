from . import test_blocks, test_levelised, test_levelised_core, test_levelised_tours
