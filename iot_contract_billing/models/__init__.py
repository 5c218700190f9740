from . import (
    account_move,
    contract_contract,
    contract_line,
    iot_billing_run,
    iot_billing_schedule,
    iot_billing_usage,
    iot_device,
    iot_device_api,
    iot_plan_status_price,
    product_template,
    res_company,
)
