from . import (
    iot_billing_run_wizard,
    iot_billing_run_wizard_line,
    iot_device_activate_wizard,
    iot_device_contract_wizard,
)
