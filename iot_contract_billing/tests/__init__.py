from . import test_activation, test_core_schedule
