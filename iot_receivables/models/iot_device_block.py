from odoo import _, api, fields, models
from odoo.exceptions import AccessError

BLOCK_REASONS = [("dunning", "Dunning"), ("manual", "Manual"), ("fraud", "Fraud")]
# Who may lift a block of each reason by hand (a payment lifts dunning blocks itself).
LIFT_GROUPS = {
    "dunning": "account.group_account_invoice",
    "manual": "iot_fleet.group_iot_manager",
    "fraud": "iot_fleet.group_iot_manager",
}


class IotDeviceBlock(models.Model):
    """Why a device is blocked: one record per reason while it is in force.

    A device is Blocked while any of its blocks is in force; the block that put it there
    remembers the state it left, where lifting the last block brings it back.
    """

    _name = "iot.device.block"
    _description = "Device Block"
    _order = "date_start desc, id desc"
    _rec_name = "reason"

    device_id = fields.Many2one(
        "iot.device", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        related="device_id.company_id", store=True, index=True, string="Company"
    )
    # Searched by accountants, who do not read devices (a search on device_id would).
    device_identifier = fields.Char(
        related="device_id.identifier", store=True, index=True, string="Device Identifier"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        readonly=True,
        help="The customer whose device it was when the block was placed.",
    )
    reason = fields.Selection(BLOCK_REASONS, required=True, readonly=True)
    note = fields.Text(readonly=True)
    state = fields.Selection(
        [("in_force", "In Force"), ("lifted", "Lifted")],
        default="in_force",
        required=True,
        index=True,
        readonly=True,
    )
    date_start = fields.Datetime(
        string="Blocked On", default=fields.Datetime.now, required=True, readonly=True
    )
    date_end = fields.Datetime(string="Lifted On", readonly=True)
    previous_state_id = fields.Many2one(
        "iot.device.state",
        string="State Before",
        readonly=True,
        help="The state the device left when it was blocked, and goes back to when its "
        "last block is lifted.",
    )
    # Accountants read blocks but not devices nor their states: what they are shown.
    previous_state_name = fields.Char(related="previous_state_id.name", string="State Before")
    lifted_by_id = fields.Many2one("res.users", readonly=True)
    lift_reason = fields.Text(readonly=True)

    def init(self):
        # One block in force per device and reason: blocking twice for the same reason
        # (two dunning runs) adds nothing.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS iot_device_block_in_force_uniq
                ON iot_device_block (device_id, reason) WHERE state = 'in_force'
            """
        )

    @api.depends("device_identifier", "reason")
    def _compute_display_name(self):
        # The identifier, not the device: accountants read blocks, not devices.
        labels = dict(BLOCK_REASONS)
        for block in self:
            block.display_name = _(
                "%(device)s: %(reason)s",
                device=block.device_identifier,
                reason=labels.get(block.reason, ""),
            )

    def action_lift(self):
        """Lift these blocks by hand; a device with no other block goes back to its state."""
        self._check_can_lift()
        self.sudo()._lift(lift_reason=self.env.context.get("iot_lift_reason"))
        return True

    def _check_can_lift(self):
        for reason in set(self.mapped("reason")):
            if not self.env.user.has_group(LIFT_GROUPS[reason]):
                raise AccessError(
                    _(
                        "You may not lift %(reason)s blocks.",
                        reason=dict(BLOCK_REASONS)[reason],
                    )
                )

    def _lift(self, lift_reason=None, origin=None):
        """Lift the blocks in force of ``self`` and unblock the devices left with none.

        Set-based: one write for the blocks, then one transition per state the devices go
        back to. Returns the devices that left the Blocked state.
        """
        blocks = self.filtered(lambda b: b.state == "in_force")
        if not blocks:
            return self.env["iot.device"]
        blocks.write(
            {
                "state": "lifted",
                "date_end": fields.Datetime.now(),
                "lifted_by_id": self.env.uid,
                "lift_reason": lift_reason,
            }
        )
        devices = blocks.device_id
        still_blocked = self.search(
            [("device_id", "in", devices.ids), ("state", "=", "in_force")]
        ).device_id
        return (devices - still_blocked)._iot_restore_from_block(
            blocks, reason=lift_reason, origin=origin
        )
