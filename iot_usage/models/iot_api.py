from odoo import _, api, models
from odoo.exceptions import AccessError


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

    @api.model
    def _api_env(self, operation):
        # Under superuser, Odoo takes the context's allowed_company_ids on trust: a
        # JSON-RPC caller could name another company's id there. Check them as the caller
        # (reading them raises an AccessError for a company that is not the caller's).
        if not self.env.su and not self.env.companies:
            raise AccessError(_("You are not allowed to do this (%(op)s).", op=operation))
        return super()._api_env(operation)
