from . import iot_device_block_wizard, iot_levelised_plan_wizard
