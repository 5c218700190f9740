from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IotDeviceActivateWizard(models.TransientModel):
    """Activate one device or many at once for a customer.

    Billing addons add their fields (contract, plan, term) and extend
    ``_activation_data`` to pass them on to ``iot.device._activate``.
    """

    _name = "iot.device.activate.wizard"
    _description = "Activate Connected Objects"

    def _default_device_ids(self):
        if self.env.context.get("active_model") == "iot.device":
            return [fields.Command.set(self.env.context.get("active_ids") or [])]
        return []

    device_ids = fields.Many2many(
        "iot.device", string="Devices", required=True, default=_default_device_ids
    )
    device_count = fields.Integer(compute="_compute_device_count")
    company_id = fields.Many2one("res.company", compute="_compute_device_count")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        domain="[('company_id', 'in', [company_id, False])]",
    )
    date_start = fields.Date(string="Start Date", required=True, default=fields.Date.context_today)
    reason = fields.Char()

    @api.depends("device_ids")
    def _compute_device_count(self):
        for wizard in self:
            wizard.device_count = len(wizard.device_ids)
            wizard.company_id = wizard.device_ids.company_id[:1]

    @api.onchange("device_ids")
    def _onchange_device_ids(self):
        partners = self.device_ids.partner_id
        if len(partners) == 1 and not self.partner_id:
            self.partner_id = partners

    def _activation_data(self):
        return {}

    def action_activate(self):
        self.ensure_one()
        if len(self.device_ids.company_id) > 1:
            raise UserError(_("Activate the devices of one company at a time."))
        self.device_ids.with_context(iot_origin="ui")._activate(
            self.partner_id, self.date_start, self._activation_data(), reason=self.reason
        )
        return {"type": "ir.actions.act_window_close"}
