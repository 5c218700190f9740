import datetime

from odoo import _, api, fields, models

DURATIONS = [
    ("30", "1 Month"),
    ("90", "3 Months"),
    ("365", "1 Year"),
    ("730", "2 Years"),
    ("0", "No Expiry"),
]


class IotGatewayWizard(models.TransientModel):
    """A new gateway with its first key, or a new key of a gateway: the key is shown
    once, as Odoo's own API-key wizard does, and only its hash is kept."""

    _name = "iot.gateway.wizard"
    _description = "New Gateway or Gateway Key"

    user_id = fields.Many2one(
        "res.users",
        string="Gateway",
        domain=[("iot_is_gateway", "=", True)],
        readonly=True,
        help="Empty: a new gateway is created.",
    )
    name = fields.Char(string="Gateway Name", help="e.g. North Gateway")
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
        help="The companies whose devices the gateway sends; the first is its default one.",
    )
    key_name = fields.Char(
        string="Key Description",
        required=True,
        default=lambda self: _("Gateway key %(date)s", date=fields.Date.context_today(self)),
    )
    duration = fields.Selection(DURATIONS, string="Valid for", default="365", required=True)

    @api.model
    def _expiration_date(self, duration):
        days = int(duration)
        return fields.Datetime.now() + datetime.timedelta(days=days) if days else None

    def action_create_key(self):
        self.ensure_one()
        Users = self.env["res.users"]
        gateway = self.user_id or Users._iot_gateway_user(self.name or "", self.company_ids)
        key = gateway._iot_new_api_key(self.key_name, self._expiration_date(self.duration))
        return {
            "type": "ir.actions.act_window",
            "name": _("Key of %(gateway)s", gateway=gateway.name),
            "res_model": "res.users.apikeys.show",
            "views": [(self.env.ref("iot_fleet.iot_gateway_key_show_view_form").id, "form")],
            "target": "new",
            "context": {"default_key": key},
        }
