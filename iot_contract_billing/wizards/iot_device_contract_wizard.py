from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IotDeviceContractWizard(models.TransientModel):
    """Put devices that are active already (activated without a plan, or before billing
    was installed) on a contract: each gets its contract line and schedules from its
    activation date, as if it had been activated on the plan."""

    _name = "iot.device.contract.wizard"
    _inherit = ["iot.plan.choice.mixin"]
    _description = "Put Active Devices on a Contract"

    def _default_device_ids(self):
        if self.env.context.get("active_model") != "iot.device":
            return []
        devices = self.env["iot.device"].browse(self.env.context.get("active_ids") or [])
        # Refused when the wizard opens, not after the plan is chosen.
        devices._billing_check_can_contract()
        return [fields.Command.set(devices.ids)]

    device_ids = fields.Many2many(
        "iot.device", string="Devices", required=True, default=_default_device_ids
    )
    device_count = fields.Integer(compute="_compute_devices")
    partner_id = fields.Many2one(
        compute="_compute_devices", help="The devices' customer, when they have one."
    )
    company_id = fields.Many2one("res.company", compute="_compute_devices")
    plan_product_id = fields.Many2one(required=True)

    @api.depends("device_ids")
    def _compute_devices(self):
        for wizard in self:
            wizard.device_count = len(wizard.device_ids)
            partners = wizard.device_ids.partner_id.commercial_partner_id
            wizard.partner_id = partners if len(partners) == 1 else False
            wizard.company_id = wizard.device_ids.company_id[:1]

    def action_confirm(self):
        self.ensure_one()
        if self.contract_id and not self.partner_id:
            raise UserError(_("A contract is chosen for the devices of one customer only."))
        self.device_ids.with_context(iot_origin="ui")._billing_put_on_contract(self._plan_data())
        action = self.env["ir.actions.act_window"]._for_xml_id("iot_fleet.iot_device_action")
        action["domain"] = [("id", "in", self.device_ids.ids)]
        return action
