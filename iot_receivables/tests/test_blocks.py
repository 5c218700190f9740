from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures


@tagged("post_install", "-at_install")
class TestBlocks(IotFleetFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.accountant = new_test_user(
            cls.env, login="blocks_accountant", groups="account.group_account_invoice"
        )

    def active_device(self, identifier):
        device = self.create_device(identifier)
        device._activate(self.customer, "2026-01-01")
        return device

    def test_several_reasons_keep_a_device_blocked_until_the_last_is_lifted(self):
        device = self.active_device("BLK-1")
        device._iot_block("dunning", origin="dunning")
        device._iot_block("fraud", note="SIM cloned")
        self.assertEqual(device.state_id, self.state["blocked"])
        self.assertEqual(device.block_count, 2)
        # One transition into Blocked, logged as dunning's.
        moves = self.events(device, "transition")
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves.origin, "dunning")
        self.assertEqual(moves.to_state_id, self.state["blocked"])

        device._iot_unblock("dunning")
        self.assertEqual(device.state_id, self.state["blocked"], "fraud is still in force")
        device._iot_unblock("fraud")
        self.assertEqual(device.state_id, self.state["active"])
        self.assertEqual(len(self.events(device, "transition")), 2)

    def test_blocking_twice_for_one_reason_adds_nothing(self):
        device = self.active_device("BLK-2")
        first = device._iot_block("dunning")
        again = device._iot_block("dunning")
        self.assertEqual(len(first), 1)
        self.assertFalse(again)
        self.assertEqual(len(self.events(device, "transition")), 1)

    def test_unblocking_restores_the_state_the_device_left(self):
        device = self.active_device("BLK-3")
        device.with_user(self.manager)._apply_transition(code="suspend", reason="holiday")
        device._iot_block("dunning")
        self.assertEqual(device.state_id, self.state["blocked"])
        # The form offers the one Unblock that goes back to Suspended.
        self.assertEqual(
            device.allowed_transition_ids.filtered(lambda t: t.code == "unblock").to_state_id,
            self.state["suspended"],
        )
        device._iot_unblock("dunning")
        self.assertEqual(device.state_id, self.state["suspended"])

    def test_manual_unblock_is_refused_while_dunning_is_in_force(self):
        device = self.active_device("BLK-4")
        device.with_user(self.manager)._apply_transition(code="block", reason="on request")
        self.assertEqual(device.block_ids.reason, "manual")
        device._iot_block("dunning")
        with self.assertRaisesRegex(UserError, "stays blocked: Dunning"):
            device.with_user(self.manager)._apply_transition(code="unblock")
        device._iot_unblock("dunning")
        self.assertEqual(device.state_id, self.state["blocked"], "the manual block remains")
        device.with_user(self.manager)._apply_transition(code="unblock")
        self.assertEqual(device.state_id, self.state["active"])
        self.assertEqual(set(device.block_ids.mapped("state")), {"lifted"})

    def test_who_may_lift_which_block(self):
        device = self.active_device("BLK-5")
        dunning = device._iot_block("dunning")
        fraud = device._iot_block("fraud")
        with self.assertRaises(AccessError):
            fraud.with_user(self.accountant).action_lift()
        with self.assertRaises(AccessError):
            dunning.with_user(self.manager).action_lift()
        dunning.with_user(self.accountant).action_lift()
        self.assertEqual(dunning.state, "lifted")
        self.assertEqual(dunning.lifted_by_id, self.accountant)
        self.assertEqual(device.state_id, self.state["blocked"])
        # Nobody writes a block through the ORM.
        with self.assertRaises(AccessError):
            fraud.with_user(self.manager).write({"state": "lifted"})

    def test_a_manager_blocks_for_fraud_from_the_wizard(self):
        devices = self.active_device("BLK-6") | self.active_device("BLK-7")
        context = {"active_model": "iot.device", "active_ids": devices.ids}
        wizard = Form(
            self.env["iot.device.block.wizard"].with_user(self.manager).with_context(**context)
        )
        self.assertEqual(wizard.reason, "fraud")
        wizard.note = "  SIM used in another country  "
        wizard.save().action_apply()
        self.assertEqual(devices.mapped("state_id"), self.state["blocked"])
        self.assertEqual(devices.block_ids.mapped("reason"), ["fraud", "fraud"])
        self.assertEqual(set(devices.block_ids.mapped("note")), {"SIM used in another country"})
        # Unblock by hand is refused while fraud is in force.
        with self.assertRaisesRegex(UserError, "stays blocked: Fraud"):
            devices[0].with_user(self.manager)._apply_transition(code="unblock")

    def test_an_iot_user_cannot_use_the_block_wizard(self):
        device = self.active_device("BLK-8")
        with self.assertRaises(AccessError):
            self.env["iot.device.block.wizard"].with_user(self.reader).create(
                {"device_ids": device.ids, "reason": "fraud", "note": "x"}
            )
        self.assertEqual(device.state_id, self.state["active"])
