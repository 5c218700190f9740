from . import (
    iot_device_block_wizard,
    iot_dunning_run_wizard,
    iot_kyc_wizard,
    iot_levelised_plan_wizard,
)
