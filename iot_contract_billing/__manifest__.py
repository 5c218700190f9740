# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "IoT Contract Billing",
    "summary": "Fleet contracts on OCA contract: a line per device, invoicing schedules",
    "version": "18.0.0.1.0",
    "category": "Services/IoT",
    "website": "https://github.com/iot-fleet-billing/iot-fleet-billing",
    "author": "IoT Fleet Billing",
    "license": "AGPL-3",
    "depends": ["iot_usage", "contract"],
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/contract_template_data.xml",
        "views/iot_billing_schedule_views.xml",
        "views/iot_billing_run_views.xml",
        "views/iot_device_views.xml",
        "views/contract_views.xml",
        "views/account_move_views.xml",
        "wizards/iot_device_activate_wizard_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/iot_contract_billing_demo.xml"],
}
