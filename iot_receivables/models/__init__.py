from . import (
    account_invoice_line_agent,
    account_move_line,
    commission,
    commission_settlement,
    commission_settlement_line,
    iot_billing_run,
    iot_billing_schedule,
    iot_device,
    iot_device_block,
    iot_device_event,
    iot_levelised_instalment,
    iot_levelised_plan,
)
