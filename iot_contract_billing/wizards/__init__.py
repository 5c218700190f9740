from . import iot_device_activate_wizard
