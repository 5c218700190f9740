from odoo import _, api, models
from odoo.exceptions import AccessError


class IotApi(models.AbstractModel):
    """Who may call which operation of the device API: every decision in one place.

    Gateway users (group *Device API*) have no create, write or unlink right on any
    model: the ORM is no way in for them. The API methods - the HTTP routes and the
    documented JSON-RPC methods - ask ``_api_env`` for an operation; it checks the
    caller's groups against ``_api_operations`` and answers an environment with the
    rights the operation needs (superuser, same user and companies). From there on,
    every search of an API method names the caller's companies explicitly.
    """

    _name = "iot.api"
    _description = "IoT API Permissions"

    @api.model
    def _api_operations(self):
        """``{operation: groups allowed}``; other addons add their operations."""
        gateway = "iot_fleet.group_iot_device_api"
        return {
            "devices.read": (gateway, "iot_fleet.group_iot_user"),
            "devices.write": (gateway, "iot_fleet.group_iot_manager"),
        }

    @api.model
    def _api_allowed(self, operation):
        groups = self._api_operations()[operation]
        return any(self.env.user.has_group(group) for group in groups)

    @api.model
    def _api_env(self, operation):
        """The environment to run ``operation`` in, or an ``AccessError``."""
        # Under superuser, Odoo takes the context's allowed_company_ids on trust, and a
        # JSON-RPC caller sets the context: read the companies as the caller first, which
        # raises an AccessError for a company that is not theirs.
        if not self.env.su and not self.env.companies:
            raise AccessError(
                _("You are not allowed to do this (%(operation)s).", operation=operation)
            )
        if not self._api_allowed(operation):
            raise AccessError(
                _("You are not allowed to do this (%(operation)s).", operation=operation)
            )
        return self.env(su=True)
