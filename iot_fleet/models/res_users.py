from odoo import Command, _, api, models
from odoo.exceptions import UserError


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _iot_gateway_groups(self):
        """A gateway is a portal user - the least-privileged kind of Odoo user that can
        hold an API key: no menus, no Discuss, no list of users - with the Device API
        group, which has no ORM right to change anything."""
        return self.env.ref("base.group_portal") | self.env.ref("iot_fleet.group_iot_device_api")

    @api.model
    def _iot_gateway_user(self, name, company=None):
        """Create (or reuse) the integration user of a device gateway."""
        if not self.env.is_admin():
            raise UserError(_("Only an administrator onboards a gateway."))
        company = company or self.env.company
        login = "iot-gateway-%s" % "".join(
            char if char.isalnum() else "-" for char in name.strip().lower()
        )
        groups = self._iot_gateway_groups()
        user = self.with_context(active_test=False).search([("login", "=", login)], limit=1)
        if not user:
            user = self.with_context(no_reset_password=True).create(
                {
                    "name": _("Gateway %(name)s", name=name),
                    "login": login,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.set(groups.ids)],
                }
            )
        elif user.groups_id != groups:
            user._iot_make_gateway()
        return user

    def _iot_make_gateway(self):
        """Turn these users into gateway users: portal users with the Device API group
        only (earlier versions made them internal users)."""
        self.write({"groups_id": [Command.set(self._iot_gateway_groups().ids)]})

    def _iot_new_api_key(self, key_name):
        """A new API key for this integration user (shown once, stored hashed)."""
        self.ensure_one()
        return self.env["res.users.apikeys"].with_user(self).sudo()._generate(None, key_name, None)
