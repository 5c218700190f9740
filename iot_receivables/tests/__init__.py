from . import test_blocks
