from odoo import _, api, fields, models

from odoo.addons.iot_fleet.exceptions import IotApiError

BLOCK_CODE = "block"
UNBLOCK_CODE = "unblock"
# Leaving Blocked by a transition (the Unblock button, the API) lifts these reasons;
# dunning ends with a payment or an accountant's Lift, fraud with a manager's Lift.
LIFTED_BY_TRANSITION = ("manual",)


class IotDevice(models.Model):
    _inherit = "iot.device"

    # Gateways (portal users) read devices whole through the API layer; blocks are the
    # back office's and the accountants'.
    block_ids = fields.One2many(
        "iot.device.block",
        "device_id",
        string="Blocks",
        groups="iot_fleet.group_iot_user,account.group_account_invoice,"
        "account.group_account_readonly",
    )
    block_count = fields.Integer(compute="_compute_block_count", string="Blocks in Force")
    blocked_reasons = fields.Char(
        compute="_compute_block_count",
        string="Blocked For",
        help="The reasons the device is blocked for, while any is in force.",
    )

    def _compute_block_count(self):
        blocks = (
            self.env["iot.device.block"]
            .sudo()
            .search([("device_id", "in", self.ids), ("state", "=", "in_force")])
        )
        labels = dict(blocks._fields["reason"].selection)
        for device in self:
            mine = blocks.filtered(lambda b, device=device: b.device_id == device)
            device.block_count = len(mine)
            device.blocked_reasons = ", ".join(
                labels[r] for r in sorted(set(mine.mapped("reason")))
            )

    @api.depends("state_id", "company_id")
    def _compute_allowed_transitions(self):
        """Of several Unblock transitions, a device offers the one back to the state it
        left when it was blocked."""
        res = super()._compute_allowed_transitions()
        previous = self._iot_state_before_block()
        for device, state in previous.items():
            transitions = device.allowed_transition_ids
            unblock = transitions.filtered(lambda t: t.code == UNBLOCK_CODE)
            back = unblock.filtered(lambda t, state=state: t.to_state_id == state)
            if back and len(unblock) > 1:
                transitions -= unblock - back[:1]
                device.allowed_transition_ids = transitions
                device.allowed_transition_codes = " %s " % " ".join(transitions.mapped("code"))
        return res

    def _iot_state_before_block(self):
        """``{device: state}``: where each blocked device of ``self`` goes back to."""
        devices = self.filtered("id")
        if not devices:
            return {}
        rows = (
            self.env["iot.device.block"]
            .sudo()
            .search_read(
                [("device_id", "in", devices.ids), ("previous_state_id", "!=", False)],
                ["device_id", "previous_state_id"],
                order="date_start desc, id desc",
            )
        )
        states = self.env["iot.device.state"]
        previous = {}
        for row in rows:
            previous.setdefault(row["device_id"][0], row["previous_state_id"][0])
        return {
            device: states.browse(previous[device.id])
            for device in devices
            if device.id in previous
        }

    # ------------------------------------------------------------------
    # Blocking
    # ------------------------------------------------------------------

    def _iot_block(self, reason, note=None, origin=None, partner_field="partner_id"):
        """Block ``self`` for ``reason``: one block record per device, and the Block
        transition for the devices not blocked yet. Idempotent: a device already blocked
        for ``reason`` gets nothing. Returns the blocks created."""
        Block = self.env["iot.device.block"].sudo()
        if not self:
            return Block
        in_force = Block.search([("device_id", "in", self.ids), ("state", "=", "in_force")])
        already = {(b.device_id.id, b.reason) for b in in_force}
        devices = self.filtered(lambda d: (d.id, reason) not in already)
        if not devices:
            return Block
        episode_state = {b.device_id.id: b.previous_state_id.id for b in in_force}
        to_move = devices.filtered(lambda d: d.id not in episode_state)
        blocks = Block.create(
            [
                {
                    "device_id": device.id,
                    "partner_id": device[partner_field].id,
                    "reason": reason,
                    "note": note,
                    "previous_state_id": episode_state.get(device.id, device.state_id.id),
                }
                for device in devices
            ]
        )
        if to_move:
            context = {"iot_block_internal": True}
            if origin:
                context["iot_origin"] = origin
            to_move.with_context(**context)._apply_transition(
                code=BLOCK_CODE, reason=note or dict(blocks._fields["reason"].selection)[reason]
            )
        return blocks

    def _iot_unblock(self, reason, lift_reason=None, origin=None):
        """Lift the ``reason`` blocks of ``self``; devices with no block left go back."""
        blocks = (
            self.env["iot.device.block"]
            .sudo()
            .search(
                [("device_id", "in", self.ids), ("reason", "=", reason), ("state", "=", "in_force")]
            )
        )
        return blocks._lift(lift_reason=lift_reason, origin=origin)

    def _iot_restore_from_block(self, blocks, reason=None, origin=None):
        """Move ``self`` (blocked, no block left) back to the state each left."""
        devices = self.filtered(lambda d: d.state_id.code == "blocked")
        previous = {b.device_id: b.previous_state_id for b in blocks if b.previous_state_id}
        by_state = {}
        for device in devices:
            state = previous.get(device) or self.env.ref("iot_fleet.state_active")
            by_state.setdefault(state, self.browse())
            by_state[state] |= device
        context = {"iot_block_internal": True}
        if origin:
            context["iot_origin"] = origin
        for state, group in by_state.items():
            group.with_context(**context)._apply_transition(
                state_code=state.code, reason=reason or _("All blocks lifted")
            )
        return devices

    def _apply_transition(self, code=None, state_code=None, reason=None, **kwargs):
        """A move made by hand into or out of Blocked keeps the blocks in step: Block
        places a manual block; Unblock lifts the manual one and is refused while a block
        of another reason (dunning, fraud) is in force."""
        if self.env.context.get("iot_block_internal") or not self:
            return super()._apply_transition(
                code=code, state_code=state_code, reason=reason, **kwargs
            )
        found = self._find_transitions(code=code, state_code=state_code)
        leaving = self.browse(
            [
                d.id
                for d, t in found.items()
                if d.state_id.code == "blocked" and t.to_state_id.code != "blocked"
            ]
        )
        entering = self.browse(
            [
                d.id
                for d, t in found.items()
                if t.to_state_id.code == "blocked" and d.state_id.code != "blocked"
            ]
        )
        Block = self.env["iot.device.block"].sudo()
        if leaving:
            others = Block.search(
                [
                    ("device_id", "in", leaving.ids),
                    ("state", "=", "in_force"),
                    ("reason", "not in", LIFTED_BY_TRANSITION),
                ]
            )
            if others:
                labels = dict(Block._fields["reason"].selection)
                raise IotApiError(
                    _(
                        "%(devices)s stays blocked: %(reasons)s. "
                        "Lift that block first (Blocks tab).",
                        devices=", ".join(others.device_id[:10].mapped("identifier")),
                        reasons=", ".join(sorted({labels[r] for r in others.mapped("reason")})),
                    ),
                    code="still_blocked",
                    status=409,
                    details=[
                        {"identifier": block.device_id.identifier, "reason": block.reason}
                        for block in others[:100]
                    ],
                )
        previous = {device: device.state_id for device in entering}
        result = super()._apply_transition(
            code=code, state_code=state_code, reason=reason, **kwargs
        )
        if leaving:
            Block.search([("device_id", "in", leaving.ids), ("state", "=", "in_force")]).write(
                {
                    "state": "lifted",
                    "date_end": fields.Datetime.now(),
                    "lifted_by_id": self.env.uid,
                    "lift_reason": reason,
                }
            )
        if entering:
            Block.create(
                [
                    {
                        "device_id": device.id,
                        "partner_id": device.partner_id.id,
                        "reason": self.env.context.get("iot_block_reason", "manual"),
                        "note": reason,
                        "previous_state_id": state.id,
                    }
                    for device, state in previous.items()
                ]
            )
        return result

    usage_period_ids = fields.One2many(
        "iot.device.usage.period",
        "device_id",
        string="Usage History",
        readonly=True,
        groups="iot_fleet.group_iot_user",
    )

    def _check_can_activate(self, partner):
        """A company that requires KYC activates devices only for verified customers."""
        result = super()._check_can_activate(partner)
        if self.company_id.filtered("iot_kyc_required") and not partner._iot_kyc_verified():
            raise IotApiError(
                _(
                    "%(customer)s has not been verified (KYC): verify the customer's identity "
                    "before activating devices for them.",
                    customer=partner.commercial_partner_id.display_name,
                ),
                code="kyc_required",
                status=409,
                details=[{"field": "customer", "customer_id": partner.id}],
            )
        return result

    def action_view_blocks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_device_block_action"
        )
        action["domain"] = [("device_id", "=", self.id)]
        action["context"] = {"search_default_in_force": 1}
        return action
