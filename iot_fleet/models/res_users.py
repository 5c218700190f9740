from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError


class ResUsers(models.Model):
    _inherit = "res.users"

    iot_is_gateway = fields.Boolean(
        string="Device Gateway",
        compute="_compute_iot_is_gateway",
        search="_search_iot_is_gateway",
        compute_sudo=True,
        help="A gateway's integration user: a portal user with the Device API group.",
    )
    iot_key_count = fields.Integer(string="Keys", compute="_compute_iot_keys", compute_sudo=True)
    iot_last_use = fields.Datetime(
        string="Last Use",
        compute="_compute_iot_keys",
        compute_sudo=True,
        help="The latest use of one of the user's API keys (recorded at most once a minute).",
    )

    def _compute_iot_is_gateway(self):
        api_group = self.env.ref("iot_fleet.group_iot_device_api")
        for user in self:
            user.iot_is_gateway = user.share and api_group in user.groups_id

    def _search_iot_is_gateway(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search gateways with = or != and a boolean."))
        domain = [
            ("share", "=", True),
            ("groups_id", "in", self.env.ref("iot_fleet.group_iot_device_api").ids),
        ]
        if (operator == "=") != value:
            return ["!", "&", *domain]
        return domain

    def _compute_iot_keys(self):
        keys = self.env["res.users.apikeys"].search([("user_id", "in", self.ids)])
        for user in self:
            own = keys.filtered(lambda key, user=user: key.user_id == user)
            user.iot_key_count = len(own)
            user.iot_last_use = max(
                own.filtered("iot_last_use").mapped("iot_last_use"), default=False
            )

    @api.model
    def _iot_gateway_groups(self):
        """A gateway is a portal user - the least-privileged kind of Odoo user that can
        hold an API key: no menus, no Discuss, no list of users - with the Device API
        group, which has no ORM right to change anything."""
        return self.env.ref("base.group_portal") | self.env.ref("iot_fleet.group_iot_device_api")

    @api.model
    def _iot_check_gateway_rights(self):
        """Gateways and their keys are managed by IoT managers and administrators."""
        if not (self.env.is_admin() or self.env.user.has_group("iot_fleet.group_iot_manager")):
            raise AccessError(_("Only IoT managers manage gateways and their keys."))

    @api.model
    def _iot_gateway_user(self, name, company=None):
        """Create (or reuse) the integration user of a device gateway, in ``company``
        (one or several companies; the first is its default one)."""
        self._iot_check_gateway_rights()
        companies = company or self.env.company
        if not (name or "").strip():
            raise UserError(_("Give the gateway a name."))
        if not self.env.is_admin() and companies - self.env.user.company_ids:
            raise AccessError(_("A gateway can only be given companies of your own."))
        login = "iot-gateway-%s" % "".join(
            char if char.isalnum() else "-" for char in name.strip().lower()
        )
        groups = self._iot_gateway_groups()
        Users = self.sudo().with_context(active_test=False)
        user = Users.search([("login", "=", login)], limit=1)
        if not user:
            user = Users.with_context(no_reset_password=True).create(
                {
                    "name": _("Gateway %(name)s", name=name.strip()),
                    "login": login,
                    "company_id": companies[0].id,
                    "company_ids": [Command.set(companies.ids)],
                    "groups_id": [Command.set(groups.ids)],
                }
            )
        elif user.groups_id != groups:
            # Earlier versions made gateways internal users; only an administrator
            # turns an existing user into a gateway.
            if not self.env.is_admin():
                raise UserError(
                    _("The login %(login)s belongs to a user who is not a gateway.", login=login)
                )
            user._iot_make_gateway()
        return self.browse(user.id)

    def _iot_make_gateway(self):
        """Turn these users into gateway users: portal users with the Device API group
        only (earlier versions made them internal users)."""
        self.write({"groups_id": [Command.set(self._iot_gateway_groups().ids)]})

    def _iot_new_api_key(self, key_name, expiration_date=None):
        """A new API key for this integration user (shown once, stored hashed). IoT
        managers make keys of gateways only; administrators of any user."""
        self.ensure_one()
        self._iot_check_gateway_rights()
        if not self.env.is_admin() and not self.iot_is_gateway:
            raise AccessError(_("Only gateways get their keys from IoT managers."))
        return (
            self.env["res.users.apikeys"]
            .with_user(self)
            .sudo()
            ._generate(None, key_name, expiration_date)
        )

    def action_iot_new_gateway(self):
        """The New Gateway wizard (a button of the gateway list: no record needed)."""
        self._iot_check_gateway_rights()
        return self.env["ir.actions.act_window"]._for_xml_id("iot_fleet.iot_gateway_wizard_action")

    def action_iot_new_key(self):
        """The New Key wizard of this gateway."""
        self.ensure_one()
        action = self.action_iot_new_gateway()
        action["name"] = _("New Key")
        action["context"] = {"default_user_id": self.id}
        return action
