from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.iot_device_block import BLOCK_REASONS, LIFT_GROUPS


class IotDeviceBlockWizard(models.TransientModel):
    """Block devices by hand for a reason (manual, fraud), with a note."""

    _name = "iot.device.block.wizard"
    _description = "Block Devices"

    device_ids = fields.Many2many("iot.device", string="Devices", required=True)
    reason = fields.Selection(
        [(code, label) for code, label in BLOCK_REASONS if code != "dunning"],
        required=True,
        default="fraud",
    )
    note = fields.Text(required=True, help="Why the devices are blocked; kept on each block.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "iot.device":
            values["device_ids"] = [fields.Command.set(self.env.context.get("active_ids") or [])]
        return values

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group(LIFT_GROUPS[self.reason]):
            raise AccessError(_("Only IoT managers block devices."))
        gone = self.device_ids.filtered(lambda d: d.base_status == "cancelled")
        if gone:
            raise UserError(
                _(
                    "%(devices)s is cancelled: there is no service to block.",
                    devices=", ".join(gone[:10].mapped("identifier")),
                )
            )
        self.device_ids.check_access("write")
        self.device_ids.sudo()._iot_block(self.reason, note=self.note.strip(), origin="ui")
        return {"type": "ir.actions.act_window_close"}
