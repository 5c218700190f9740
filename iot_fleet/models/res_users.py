from odoo import _, api, models
from odoo.exceptions import UserError


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _iot_gateway_user(self, name, company=None):
        """Create (or reuse) the integration user of a device gateway.

        The user has the device-API rights only: no IoT menus, no back office
        rights beyond what an internal user needs to call the API.
        """
        if not self.env.is_admin():
            raise UserError(_("Only an administrator onboards a gateway."))
        company = company or self.env.company
        login = "iot-gateway-%s" % "".join(
            char if char.isalnum() else "-" for char in name.strip().lower()
        )
        api_group = self.env.ref("iot_fleet.group_iot_device_api")
        user = self.with_context(active_test=False).search([("login", "=", login)], limit=1)
        if not user:
            user = self.with_context(no_reset_password=True).create(
                {
                    "name": _("Gateway %(name)s", name=name),
                    "login": login,
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, [self.env.ref("base.group_user").id, api_group.id])],
                }
            )
        elif api_group not in user.groups_id:
            user.groups_id = [(4, api_group.id)]
        return user

    def _iot_new_api_key(self, key_name):
        """A new API key for this integration user (shown once, stored hashed)."""
        self.ensure_one()
        return self.env["res.users.apikeys"].with_user(self).sudo()._generate(None, key_name, None)
