import datetime

from odoo import Command
from odoo.tests import Form, new_test_user

from odoo.addons.iot_contract_billing.tests.common import BillingScenario


class DunningFixtures(BillingScenario):
    """A fleet on a plan, a four-level dunning policy for the company and an accountant
    with Invoicing rights only (no IoT group)."""

    @classmethod
    def setup_dunning(cls):
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.plan = cls.make_plan("DUN-PLAN", 10.0, name="Dunning plan")
        cls.biller = cls.make_accountant("dun_biller")
        cls.accountant = new_test_user(
            cls.env,
            login="dun_accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.fee_product = cls.env["product.product"].create(
            {"name": "Dunning fee", "type": "service", "list_price": 5.0, "taxes_id": False}
        )
        cls.income = cls.env["product.product"].create(
            {"name": "Fleet service", "type": "service", "taxes_id": False}
        )
        cls.policy = cls.env["iot.dunning.policy"].create(
            {
                "name": "Standard dunning",
                "level_ids": [
                    Command.create(
                        {"sequence": 10, "name": "Reminder", "days_overdue": 10, "send_email": True}
                    ),
                    Command.create(
                        {
                            "sequence": 20,
                            "name": "Letter and fee",
                            "days_overdue": 20,
                            "print_letter": True,
                            "fee_product_id": cls.fee_product.id,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 30,
                            "name": "Devices blocked",
                            "days_overdue": 30,
                            "min_amount": 50.0,
                            "block_devices": True,
                            "send_email": True,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 40,
                            "name": "Collection",
                            "days_overdue": 60,
                            "min_count": 2,
                            "block_devices": True,
                            "hand_over": True,
                            "collection_user_id": cls.accountant.id,
                        }
                    ),
                ],
            }
        )
        cls.level = {level.sequence: level for level in cls.policy.level_ids}
        cls.company.iot_dunning_policy_id = cls.policy
        cls.company.email = "billing@example.com"

    def make_customer(self, name, **values):
        return self.env["res.partner"].create(
            dict({"name": name, "email": f"{name.lower().replace(' ', '.')}@example.com"}, **values)
        )

    def invoice(self, partner, amount, due, date=None):
        """A posted customer invoice of ``amount`` due on ``due``."""
        due = datetime.date.fromisoformat(due) if isinstance(due, str) else due
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date or due - datetime.timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.income.id, "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        move.invoice_date_due = due
        move.action_post()
        return move

    def active_devices(self, partner, *identifiers, date_start="2026-01-01"):
        devices = self.devices(*identifiers)
        devices._activate(
            partner, date_start, {"plan": {"product": self.plan.default_code}, "term_months": 12}
        )
        return devices

    def billing_user(self):
        # The accountant of these tests has Invoicing rights only: billing takes the role.
        return self.biller

    def run_dunning(self, user=None):
        """Run Dunning as the accountant does: the wizard from Invoicing > Customers."""
        wizard = Form(self.env["iot.dunning.run.wizard"].with_user(user or self.accountant))
        action = wizard.save().action_run()
        return self.env["iot.dunning.log"].browse(action["domain"][0][2])

    def register_payment(self, invoices, amount=None, **values):
        """Register a payment from the invoices, as the accountant does."""
        wizard = Form(
            self.env["account.payment.register"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoices.ids)
        )
        if "journal_id" in values:
            wizard.journal_id = values.pop("journal_id")
        if amount is not None:
            wizard.amount = amount
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save().action_create_payments()

    def chatter(self, partner):
        return partner.message_ids.filtered(lambda m: "Dunning" in (m.body or "")).mapped("body")
