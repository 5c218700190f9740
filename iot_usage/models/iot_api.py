from odoo import api, models


class IotApi(models.AbstractModel):
    """The usage operations of the API.

    ``usage.write``: store usage records (JSON batch, quick form, JSON-RPC ``ingest``)
    and upload files of them - gateways and IoT managers. ``usage.read``: read an
    upload's progress and preview a month's price - gateways and IoT users.
    """

    _inherit = "iot.api"

    @api.model
    def _api_operations(self):
        gateway = "iot_fleet.group_iot_device_api"
        return dict(
            super()._api_operations(),
            **{
                "usage.write": (gateway, "iot_fleet.group_iot_manager"),
                "usage.read": (gateway, "iot_fleet.group_iot_user"),
            },
        )
