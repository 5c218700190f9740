"""Gateway users were internal users: they become portal users with the Device API
group only, so that their keys no longer open the back office over JSON-RPC."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    gateways = env.ref("iot_fleet.group_iot_device_api").users.filtered(
        lambda user: user.login.startswith("iot-gateway-")
    )
    gateways._iot_make_gateway()
