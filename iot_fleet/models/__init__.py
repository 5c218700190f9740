from . import (
    iot_api,
    iot_device,
    iot_device_api,
    iot_device_event,
    iot_device_state,
    iot_device_tag,
    iot_device_transition,
    iot_device_type,
    ir_http,
    res_company,
    res_config_settings,
    res_users,
)
