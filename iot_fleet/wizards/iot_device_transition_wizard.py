from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IotDeviceTransitionWizard(models.TransientModel):
    """Move one device or many through a transition, with a reason."""

    _name = "iot.device.transition.wizard"
    _description = "Change the State of Connected Objects"

    def _default_device_ids(self):
        if self.env.context.get("active_model") == "iot.device":
            return [fields.Command.set(self.env.context.get("active_ids") or [])]
        return []

    device_ids = fields.Many2many(
        "iot.device", string="Devices", required=True, default=_default_device_ids
    )
    allowed_transition_ids = fields.Many2many(
        "iot.device.transition", compute="_compute_allowed_transition_ids"
    )
    transition_id = fields.Many2one(
        "iot.device.transition",
        required=True,
        domain="[('id', 'in', allowed_transition_ids)]",
    )
    reason_required = fields.Boolean(related="transition_id.reason_required")
    reason = fields.Text()

    @api.depends("device_ids")
    def _compute_allowed_transition_ids(self):
        for wizard in self:
            # A transition is offered when every selected device may take its code;
            # activation has its own wizard.
            codes = None
            for device in wizard.device_ids:
                device_codes = set(device.allowed_transition_ids.mapped("code"))
                codes = device_codes if codes is None else codes & device_codes
            codes = (codes or set()) - {"activate"}
            wizard.allowed_transition_ids = wizard.device_ids.allowed_transition_ids.filtered(
                lambda t, codes=codes: t.code in codes
            )

    def action_apply(self):
        self.ensure_one()
        if self.transition_id.code == "activate":
            raise UserError(_("Use the Activate wizard to activate devices."))
        self.device_ids.with_context(iot_origin="ui")._apply_transition(
            code=self.transition_id.code, reason=self.reason
        )
        return {"type": "ir.actions.act_window_close"}
