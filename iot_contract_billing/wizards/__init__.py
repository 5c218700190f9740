from . import iot_billing_run_wizard, iot_device_activate_wizard
