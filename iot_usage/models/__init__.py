from . import (
    iot_api,
    iot_device,
    iot_usage_calculator,
    iot_usage_mediation_rule,
    iot_usage_rating,
    iot_usage_record,
    iot_usage_rejection,
    iot_usage_upload,
    res_company,
    res_config_settings,
)
