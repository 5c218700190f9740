# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "IoT Receivables",
    "summary": "Collect what IoT billing invoiced: dunning that blocks and unblocks devices",
    "version": "18.0.0.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/iot-fleet-billing/iot-fleet-billing",
    "author": "IoT Fleet Billing",
    "license": "AGPL-3",
    "depends": [
        "iot_contract_billing",
        "account",
        "mail",
        "account_commission_oca",
        # e-invoices: UBL / Peppol BIS Billing 3.0 from Odoo's own EDI
        "account_edi_ubl_cii",
        # brands (OCA/brand): the brand of contracts and invoices, its report layout
        "contract_brand",
        "account_brand",
        "brand_external_report_layout",
    ],
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/iot_device_state_data.xml",
        "data/iot_levelised_data.xml",
        "data/iot_commission_data.xml",
        "views/iot_device_block_views.xml",
        "views/iot_device_views.xml",
        "views/iot_levelised_plan_views.xml",
        "views/commission_views.xml",
        "views/commission_settlement_views.xml",
        "wizards/iot_levelised_plan_wizard_views.xml",
        "views/res_brand_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/iot_device_block_wizard_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["iot_receivables/static/tests/tours/**/*"],
    },
}
