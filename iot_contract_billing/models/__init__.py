from . import (
    account_move,
    contract_contract,
    contract_line,
    iot_billing_run,
    iot_billing_schedule,
    iot_device,
    res_company,
)
