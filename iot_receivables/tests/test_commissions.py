"""Commissions to device owners (issue #10): a billing run gives the owners of the
devices it bills their share of each invoice line as commission agents; an accountant
settles them from Invoicing > Commissions and bills the settlement (a vendor bill, or
a vendor credit note when credit notes outweigh it) - each through the user's path."""

import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.iot_contract_billing.tests.common import BillingScenario

OCTOBER = datetime.date(2026, 10, 31)
NOVEMBER = datetime.date(2026, 11, 30)
# What the settlement accountant needs: Invoicing (bills) and OCA's Commissions /
# Manager (the settle wizard; "Manage invoices commissions" comes with it here).
COMMISSION_ACCOUNTANT = (
    "base.group_user,account.group_account_invoice,commission_oca.group_commission_manager"
)


class CommissionFixtures(BillingScenario):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("COM-PLAN", 10.0, name="Owner plan")
        cls.calculator = cls.make_water_calculator("COM_WATER", 1.85)
        cls.accountant = cls.make_accountant("iot_com_billing")
        cls.settler = new_test_user(cls.env, login="iot_com_settler", groups=COMMISSION_ACCOUNTANT)
        cls.percent = cls.commission("Ten percent", fix_qty=10.0)
        cls.per_unit = cls.commission(
            "Half a unit", commission_type="per_unit", amount_per_unit=0.5
        )
        cls.owner_a = cls.owner("Owner A", cls.percent)
        cls.owner_b = cls.owner("Owner B", cls.per_unit)

    @classmethod
    def commission(cls, name, **values):
        return cls.env["commission"].create(dict(values, name=name))

    @classmethod
    def owner(cls, name, commission):
        return cls.env["res.partner"].create(
            {"name": name, "agent": True, "commission_id": commission.id}
        )

    def october(self, post=True):
        """Four devices since October: two of owner A (one used 100 m3), one of owner B,
        one of the company's own; billed by the billing user."""
        devices = self.devices("COM_A1", "COM_A2", "COM_B1", "COM_OWN")
        devices[:2].owner_id = self.owner_a
        devices[2].owner_id = self.owner_b
        self.activate(devices, "2026-10-01")
        self.use(devices[0], "2026-10-10T08:00:00Z", 100)
        wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.accountant))
        wizard.date = OCTOBER
        wizard.partner_ids.add(self.customer)
        wizard = wizard.save()
        action = wizard.action_create_post() if post else wizard.action_create_draft()
        invoice = self.env["iot.billing.run"].browse(action["res_id"]).invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted" if post else "draft")
        return devices, invoice

    def plan_line(self, move):
        return move.invoice_line_ids.filtered(lambda line: line.product_id == self.plan)

    def water_line(self, move):
        return move.invoice_line_ids.filtered(lambda line: line.product_id == self.usage_product)

    def settle(self, date_to, owners, user=None):
        """Invoicing > Commissions > Settle Commissions, as the accountant."""
        wizard = Form(
            self.env["commission.make.settle"]
            .with_user(user or self.settler)
            .with_context(default_settlement_type="sale_invoice")
        )
        wizard.date_to = date_to
        for owner in owners:
            wizard.agent_ids.add(owner)
        action = wizard.save().action_settle()
        if not action:
            return self.env["commission.settlement"]
        return self.env["commission.settlement"].search(action["domain"])

    def make_bill(self, settlements):
        """The settlement's Make invoice button, then Create, as the accountant."""
        action = settlements.with_user(self.settler).action_invoice()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.settler).with_context(**action["context"])
        )
        result = wizard.save().button_create()
        return self.env["account.move"].search(result["domain"])

    def reverse(self, invoice, date):
        """A credit note of ``invoice`` through the Credit Note wizard, left in draft."""
        wizard = Form(
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
        )
        wizard.reason = "Devices returned"
        wizard.date = date
        wizard.journal_id = invoice.journal_id
        action = wizard.save().refund_moves()
        return self.env["account.move"].browse(action["res_id"])


@tagged("post_install", "-at_install")
class TestOwnerCommissions(CommissionFixtures, TransactionCase):
    def agents(self, move):
        return {
            (line.object_id.product_id.name, line.agent_id.name): (
                line.iot_base_quantity,
                line.iot_base_amount,
                line.amount,
                sorted(line.iot_detail_ids.device_id.mapped("identifier")),
            )
            for line in move.invoice_line_ids.agent_ids
        }

    def test_billing_run_gives_owners_their_share_of_each_line(self):
        devices, invoice = self.october()
        self.assertEqual(self.plan_line(invoice).quantity, 4)
        self.assertEqual(self.plan_line(invoice).price_subtotal, 40.0)
        self.assertEqual(self.water_line(invoice).price_subtotal, 185.0)
        self.assertEqual(
            self.agents(invoice),
            {
                # 2 of the 4 devices: 20.00 of 40.00, 10%
                ("Owner plan", "Owner A"): (2.0, 20.0, 2.0, ["COM_A1", "COM_A2"]),
                # all the water: 185.00, 10%
                ("Water usage", "Owner A"): (100.0, 185.0, 18.5, ["COM_A1"]),
                # 1 device-month at 0.50 a unit
                ("Owner plan", "Owner B"): (1.0, 10.0, 0.5, ["COM_B1"]),
            },
        )
        self.assertAlmostEqual(invoice.commission_total, 21.0)
        self.assertEqual(invoice.partner_agent_ids, self.owner_a | self.owner_b)

    def test_accountant_settles_and_bills_the_owner(self):
        _devices, invoice = self.october()
        settlement = self.settle(NOVEMBER, self.owner_a)
        self.assertEqual(len(settlement), 1)
        self.assertEqual(
            (settlement.date_from, settlement.date_to),
            (datetime.date(2026, 10, 1), OCTOBER),
        )
        self.assertAlmostEqual(settlement.total, 20.5)
        # The form lists the invoice lines and the devices it pays for.
        self.assertEqual(settlement.line_ids.invoice_line_id, invoice.invoice_line_ids)
        self.assertEqual(settlement.iot_device_count, 2)
        self.assertEqual(
            sorted(settlement.iot_detail_ids.mapped("amount_untaxed")), [10.0, 10.0, 185.0]
        )
        bill = self.make_bill(settlement)
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.partner_id, self.owner_a)
        self.assertEqual(bill.amount_untaxed, 20.5)
        self.assertEqual(
            bill.invoice_line_ids.product_id,
            self.env.ref("iot_receivables.product_iot_owner_commission"),
        )
        self.assertEqual(settlement.state, "invoiced")
        self.assertEqual(settlement.invoice_id, bill)
        # Settled once: settling again finds nothing.
        self.assertFalse(self.settle(NOVEMBER, self.owner_a))

    def test_per_unit_settlement(self):
        self.october()
        settlement = self.settle(NOVEMBER, self.owner_b)
        self.assertAlmostEqual(settlement.total, 0.5)
        self.assertEqual(self.make_bill(settlement).amount_untaxed, 0.5)

    def test_paid_basis_counts_paid_invoices_only(self):
        self.percent.invoice_state = "paid"
        _devices, invoice = self.october()
        self.assertFalse(self.settle(NOVEMBER, self.owner_a), "the invoice is not paid")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-11-05"})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        settlement = self.settle(NOVEMBER, self.owner_a)
        self.assertAlmostEqual(settlement.total, 20.5)

    def test_credit_note_nets_in_the_settlement(self):
        _devices, invoice = self.october()
        credit = self.reverse(invoice, OCTOBER)
        self.assertEqual(credit.move_type, "out_refund")
        # Two device-months credited, no water.
        with Form(credit.with_user(self.accountant)) as form:
            water = self.water_line(credit)
            index = credit.invoice_line_ids.ids.index(water.id)
            form.invoice_line_ids.remove(index)
            index = credit.invoice_line_ids.ids.index(self.plan_line(credit).id)
            with form.invoice_line_ids.edit(index) as line:
                line.quantity = 2
        credit.with_user(self.accountant).action_post()
        self.assertEqual(credit.amount_untaxed, 20.0)
        # The owners' shares of the line came with it: half of it was owner A's.
        self.assertEqual(
            {(a.agent_id, a.amount) for a in self.plan_line(credit).agent_ids},
            {(self.owner_a, -1.0), (self.owner_b, -0.25)},
        )
        settlement = self.settle(NOVEMBER, self.owner_a)
        self.assertAlmostEqual(settlement.total, 20.5 - 1.0)
        self.assertEqual(self.make_bill(settlement).amount_untaxed, 19.5)

    def test_negative_settlement_becomes_a_vendor_credit_note(self):
        _devices, invoice = self.october()
        self.make_bill(self.settle(NOVEMBER, self.owner_a))
        # November: the October invoice credited in full, nothing billed.
        credit = self.reverse(invoice, datetime.date(2026, 11, 10))
        credit.with_user(self.accountant).action_post()
        settlement = self.settle(datetime.date(2026, 12, 15), self.owner_a)
        self.assertEqual(settlement.date_from, datetime.date(2026, 11, 1))
        self.assertAlmostEqual(settlement.total, -20.5)
        refund = self.make_bill(settlement)
        self.assertEqual(refund.move_type, "in_refund")
        self.assertEqual(refund.partner_id, self.owner_a)
        self.assertEqual(refund.amount_untaxed, 20.5)

    def test_graduated_rates(self):
        """OCA's sections: the rate of the band the owner's base falls in."""
        graduated = self.commission(
            "Graduated",
            commission_type="section",
            section_ids=[
                Command.create({"amount_from": 0, "amount_to": 100, "percent": 5}),
                Command.create({"amount_from": 100.01, "amount_to": 10**9, "percent": 10}),
            ],
        )
        self.owner_a.commission_id = graduated
        _devices, invoice = self.october()
        amounts = {
            line.object_id.product_id: line.amount
            for line in invoice.invoice_line_ids.agent_ids.filtered(
                lambda line: line.agent_id == self.owner_a
            )
        }
        # 20.00 of subscriptions at 5%, 185.00 of water at 10%
        self.assertEqual(amounts, {self.plan: 1.0, self.usage_product: 18.5})
        self.assertAlmostEqual(self.settle(NOVEMBER, self.owner_a).total, 19.5)

    def test_regenerating_the_agents_of_a_draft_keeps_the_owners(self):
        _devices, invoice = self.october(post=False)
        before = self.agents(invoice)
        self.assertEqual(len(before), 3)
        invoice.with_user(self.accountant).recompute_lines_agents()
        self.assertEqual(self.agents(invoice), before)

    def test_owner_not_an_agent_earns_nothing(self):
        self.owner_b.agent = False
        _devices, invoice = self.october()
        self.assertEqual(invoice.invoice_line_ids.agent_ids.agent_id, self.owner_a)

    def test_who_may_settle(self):
        self.october()
        with self.assertRaises(AccessError):
            self.settle(NOVEMBER, self.owner_a, user=self.accountant)
        with self.assertRaises(AccessError):
            self.env["commission.settlement"].with_user(self.reader).create(
                {
                    "agent_id": self.owner_a.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                }
            )

    def test_company_b_sees_no_settlement_of_company_a(self):
        self.october()
        settlement = self.settle(NOVEMBER, self.owner_a)
        settler_b = new_test_user(
            self.env,
            login="iot_com_settler_b",
            groups=COMMISSION_ACCOUNTANT,
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        self.assertTrue(
            self.env["commission.settlement.line"]
            .with_user(self.settler)
            .search([("settlement_id", "=", settlement.id)])
        )
        for model in ("commission.settlement", "commission.settlement.line"):
            self.assertFalse(self.env[model].with_user(settler_b).search([]), model)

    def test_settlement_pdf_lists_the_devices(self):
        self.october()
        settlement = self.settle(NOVEMBER, self.owner_a)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.settler)
            ._render_qweb_html("commission_oca.report_settlement", settlement.ids)[0]
            .decode()
        )
        self.assertIn("COM_A1, COM_A2", html)
        self.assertNotIn("COM_B1", html)
