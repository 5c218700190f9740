from . import iot_device, iot_device_block, iot_device_event
