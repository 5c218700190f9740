from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


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
    # The one-time charge the move puts on the next invoice, shown before the user applies it.
    charge_product_id = fields.Many2one(related="transition_id.charge_product_id")
    charge_amount = fields.Float(related="transition_id.charge_amount")
    currency_id = fields.Many2one("res.currency", compute="_compute_charge")
    charge_total = fields.Monetary(compute="_compute_charge", currency_field="currency_id")
    charge_summary = fields.Char(compute="_compute_charge")

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

    @api.depends("transition_id", "device_ids")
    def _compute_charge(self):
        for wizard in self:
            currency = (wizard.device_ids[:1].company_id or self.env.company).currency_id
            count = len(wizard.device_ids)
            wizard.currency_id = currency
            wizard.charge_total = wizard.charge_amount * count
            wizard.charge_summary = (
                _(
                    "%(product)s: %(amount)s per device, %(total)s for %(count)s device(s), "
                    "invoiced with the next bill.",
                    product=wizard.charge_product_id.display_name,
                    amount=format_amount(self.env, wizard.charge_amount, currency),
                    total=format_amount(self.env, wizard.charge_total, currency),
                    count=count,
                )
                if wizard.charge_product_id
                else False
            )

    def action_apply(self):
        self.ensure_one()
        if self.transition_id.code == "activate":
            raise UserError(_("Use the Activate wizard to activate devices."))
        self.device_ids.with_context(iot_origin="ui")._apply_transition(
            code=self.transition_id.code, reason=self.reason
        )
        return {"type": "ir.actions.act_window_close"}
