"""Consolidated corporate invoicing, from the seats of its users: the billing user sets
a parent company to take its subsidiaries' invoices and runs billing; an accountant
reads the invoice and downloads its detail; a user without the right cannot set it."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.iot_contract_billing.tests.common import BillingScenario
from odoo.addons.iot_fleet.tests.tours import IotTourCase

from ..core import consolidation

# A subsidiary named as a hostile import would name it: a formula, in a spreadsheet.
HOSTILE = '=HYPERLINK("http://x/","Gamma Sub")'
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BILLING = "iot_contract_billing.group_iot_billing"


@tagged("post_install", "-at_install")
class TestConsolidatedInvoicing(BillingScenario, IotTourCase):
    ROLES = dict(
        IotTourCase.ROLES,
        # Contact Creation: what lets any default user edit a partner's form.
        billing=f"base.group_user,base.group_partner_manager,{BILLING}",
        accountant="base.group_user,account.group_account_invoice",
        clerk="base.group_user,base.group_partner_manager",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.plan = cls.make_plan("CONS-PLAN", 10.0, name="Group Plan")
        cls.accountant = cls.tour_users["billing"]  # who runs the billing wizard
        Partner = cls.env["res.partner"]
        cls.holding = Partner.create({"name": "Holding Corp", "is_company": True})
        cls.holding.write({"iot_consolidate_subsidiaries": True})
        cls.alpha = Partner.create(
            {"name": "Alpha Sub", "is_company": True, "parent_id": cls.holding.id}
        )
        cls.beta = Partner.create(
            {
                "name": "Beta Sub",
                "is_company": True,
                "parent_id": cls.holding.id,
                "property_payment_term_id": cls.env.ref("account.account_payment_term_30days").id,
            }
        )
        # A subsidiary of a subsidiary: consolidated at any depth.
        cls.gamma = Partner.create({"name": HOSTILE, "is_company": True, "parent_id": cls.alpha.id})
        cls.customers = {
            "CONS_HOLD_1": cls.holding,
            "CONS_ALPHA_1": cls.alpha,
            "CONS_ALPHA_2": cls.alpha,
            "CONS_GAMMA_1": cls.gamma,
            "CONS_BETA_1": cls.beta,
            "CONS_SOLO_1": cls.customer,  # a customer of no group
        }
        for identifier, partner in cls.customers.items():
            device = cls.env["iot.device"].create({"identifier": identifier})
            device._activate(
                partner, "2025-04-01", {"plan": {"product": "CONS-PLAN"}, "term_months": 12}
            )

    def bill_month(self, day, *partners):
        """The billing user's run of the month of ``day`` (for these customers)."""
        with Form(self.env["iot.billing.run.wizard"].with_user(self.accountant)) as wizard:
            wizard.date = day
            for partner in partners:
                wizard.partner_ids.add(partner)
        action = wizard.record.action_create_post()
        return self.env["iot.billing.run"].browse(action["res_id"])

    def sections(self, invoice):
        """``[(section, [(label, quantity, price)])]`` in the invoice's order."""
        result = []
        for line in invoice.invoice_line_ids.sorted(lambda line: (line.sequence, line.id)):
            if line.display_type == "line_section":
                result.append((line.name, []))
            else:
                result[-1][1].append((line.name, line.quantity, line.price_unit))
        return result

    def group_invoices(self, run):
        invoices = run.invoice_ids.filtered(lambda move: move.partner_id == self.holding)
        terms = self.beta.property_payment_term_id
        beta = invoices.filtered(lambda move: move.invoice_payment_term_id == terms)
        return invoices - beta, beta

    # ------------------------------------------------------------------

    def test_parent_receives_one_invoice_with_a_section_per_subsidiary(self):
        run = self.bill_month(datetime.date(2025, 4, 30))
        self.assertEqual(run.state, "done")
        main, beta = self.group_invoices(run)
        self.assertEqual(len(main), 1, "one invoice for the parent and the subsidiaries alike")
        self.assertEqual(
            self.sections(main),
            [
                ("Holding Corp", [("Group Plan - 1 device x 10.00", 1.0, 10.0)]),
                (HOSTILE, [("Group Plan - 1 device x 10.00", 1.0, 10.0)]),
                ("Alpha Sub", [("Group Plan - 2 devices x 10.00", 2.0, 10.0)]),
            ],
            "the parent's own devices first, then its subsidiaries by name, at any depth",
        )
        self.assertEqual((main.state, main.amount_total), ("posted", 40.0))
        self.assertNotEqual(main.invoice_payment_term_id, self.beta.property_payment_term_id)
        # Other payment terms cannot share the invoice: Beta's is its own, to the parent.
        self.assertEqual(len(beta), 1)
        self.assertEqual(beta.invoice_payment_term_id, self.beta.property_payment_term_id)
        self.assertEqual(
            self.sections(beta), [("Beta Sub", [("Group Plan - 1 device x 10.00", 1.0, 10.0)])]
        )
        self.assertEqual(beta.amount_total, 10.0)
        # The subsidiaries are not invoiced themselves; a customer of no group is, as ever.
        self.assertEqual(
            set(run.invoice_ids.partner_id), {self.holding, self.customer}, run.invoice_ids
        )
        solo = run.invoice_ids.filtered(lambda move: move.partner_id == self.customer)
        self.assertEqual(set(solo.invoice_line_ids.mapped("display_type")), {"product"})
        # Each line's devices keep their customer, for dunning to tell whose debt it is.
        details = main.sudo().iot_detail_ids
        self.assertEqual(
            {(row.device_id.identifier, row.partner_id) for row in details},
            {
                (identifier, partner)
                for identifier, partner in self.customers.items()
                if partner in (self.holding, self.alpha, self.gamma)
            },
        )
        for name, lines in self.sections(main):
            rows = details.filtered(lambda row, name=name: row.partner_id.name == name)
            self.assertEqual(sum(rows.mapped("amount_untaxed")), sum(q * p for _l, q, p in lines))

    def test_fiscal_position_splits_too(self):
        reduced = self.env["account.fiscal.position"].create({"name": "Reduced (group)"})
        alpha_contract = self.env["contract.contract"].search([("partner_id", "=", self.alpha.id)])
        alpha_contract.fiscal_position_id = reduced
        run = self.bill_month(datetime.date(2025, 4, 30), self.holding)
        invoices = run.invoice_ids
        self.assertEqual(len(invoices), 3, "the group's terms, Beta's terms, Alpha's position")
        self.assertEqual(invoices.partner_id, self.holding)
        alpha = invoices.filtered(lambda move: move.fiscal_position_id == reduced)
        self.assertEqual([name for name, _lines in self.sections(alpha)], ["Alpha Sub"])
        self.assertEqual(alpha.amount_total, 20.0)

    def test_yearly_consolidation_waits_for_the_last_month_of_the_year(self):
        self.holding.with_user(self.accountant).iot_consolidation_frequency = "yearly"
        for day in (datetime.date(2025, 4, 30), datetime.date(2025, 11, 30)):
            with self.assertRaisesRegex(UserError, "nothing to bill"):
                self.bill_month(day, self.holding)
        # The customer of no group is billed meanwhile, month by month.
        april = self.bill_month(datetime.date(2025, 4, 30))
        self.assertEqual(april.invoice_ids.partner_id, self.customer)
        december = self.bill_month(datetime.date(2025, 12, 31), self.holding)
        main, beta = self.group_invoices(december)
        self.assertEqual(len(main), 1)
        # April to December: nine months of each device, a line per month.
        self.assertEqual(main.amount_total, 4 * 9 * 10.0)
        self.assertEqual(beta.amount_total, 9 * 10.0)
        sections = self.sections(main)
        self.assertEqual(
            [name for name, _lines in sections], ["Holding Corp", HOSTILE, "Alpha Sub"]
        )
        self.assertEqual(len(sections[2][1]), 9)
        self.assertIn("April 2025", sections[2][1][0][0])
        self.assertEqual(sections[2][1][0][1:], (2.0, 10.0))
        # Invoiced once: nothing of the year waits any more, January waits for next year.
        waiting = self.env["iot.billing.schedule"].search(
            [("partner_id", "in", (self.holding | self.alpha | self.beta | self.gamma).ids),
             ("date_end", "<=", "2025-12-31"), ("state", "!=", "invoiced")]
        )  # fmt: skip
        self.assertFalse(waiting)
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill_month(datetime.date(2026, 1, 31), self.holding)

    def test_yearly_cutoff(self):
        cutoff = consolidation.yearly_cutoff
        self.assertIsNone(cutoff(datetime.date(2025, 1, 1), datetime.date(2025, 11, 30)))
        self.assertEqual(
            cutoff(datetime.date(2025, 1, 1), datetime.date(2026, 2, 28)),
            datetime.date(2025, 12, 31),
        )

    # ------------------------------------------------------------------
    # The accountant: the detail export, over HTTP, keeps each device's subsidiary
    # ------------------------------------------------------------------

    def download(self, invoice, file_format):
        """The file the invoice's Fleet Detail button downloads, as the accountant."""
        self.env.flush_all()
        accountant = self.tour_users["accountant"]
        self.authenticate(accountant.login, accountant.login)
        action = (
            invoice.with_user(accountant)
            .with_context(iot_detail_format=file_format)
            .action_iot_export_detail()
        )
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.content

    def test_accountant_downloads_the_detail_with_each_subsidiary(self):
        run = self.bill_month(datetime.date(2025, 4, 30))
        main, _beta = self.group_invoices(run)
        expected = {
            identifier: partner.name
            for identifier, partner in self.customers.items()
            if partner in (self.holding, self.alpha, self.gamma)
        }
        # CSV: the customer of each row, a formula-like name neutralised.
        *rows, totals = csv.DictReader(io.StringIO(self.download(main, "csv").decode()))
        self.assertEqual(
            {row["Device"]: row["Customer"] for row in rows},
            {
                device: ("'" + name if name == HOSTILE else name)
                for device, name in expected.items()
            },
        )
        for row in rows:
            self.assertFalse([cell for cell in row.values() if cell.startswith(FORMULA_TRIGGERS)])
        self.assertEqual(Decimal(totals["Total"]), Decimal("40.00"))
        # XLSX: the same, as text cells; not one formula.
        sheet = openpyxl.load_workbook(io.BytesIO(self.download(main, "xlsx"))).active
        header = [cell.value for cell in sheet[1]]
        cells = [cell for row in sheet.iter_rows() for cell in row]
        self.assertFalse([cell.coordinate for cell in cells if cell.data_type == "f"])
        found = {}
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "Total":
                continue
            customer = row[header.index("Customer")]
            self.assertEqual(customer.data_type, "s")
            found[row[header.index("Device")].value] = customer.value
        self.assertEqual(found, expected)

    def test_accountant_reads_the_sections_of_the_consolidated_invoice(self):
        run = self.bill_month(datetime.date(2025, 4, 30))
        main, _beta = self.group_invoices(run)
        self.env.invalidate_all()
        self.tour(
            f"/odoo/action-account.action_move_out_invoice_type/{main.id}",
            "iot_receivables_read_consolidated_invoice",
            "accountant",
        )

    # ------------------------------------------------------------------
    # Setting it: the billing user on the partner form; nobody else
    # ------------------------------------------------------------------

    def test_billing_user_sets_consolidation_on_the_parent_form(self):
        group = self.env["res.partner"].create({"name": "Omega Group", "is_company": True})
        sub = self.env["res.partner"].create(
            {"name": "Omega Sub", "is_company": True, "parent_id": group.id}
        )
        self.assertFalse(sub.iot_invoice_parent_id)
        self.tour(
            f"/odoo/res.partner/{group.id}", "iot_receivables_consolidate_subsidiaries", "billing"
        )
        self.assertTrue(group.iot_consolidate_subsidiaries)
        self.assertEqual(group.iot_consolidation_frequency, "yearly")
        self.assertEqual(sub.iot_invoice_parent_id, group)
        self.assertEqual(group.write_uid, self.tour_users["billing"])

    def test_user_without_the_billing_role_cannot_set_it_over_json_rpc(self):
        clerk = self.tour_users["clerk"]
        billing = self.tour_users["billing"]
        for user, key in (
            (clerk, clerk._iot_new_api_key("clerk key")),
            (self.gateway, self.key),
        ):
            with self.subTest(user=user.login):
                answer = self.execute_kw(
                    "res.partner",
                    "write",
                    [[self.holding.id], {"iot_consolidate_subsidiaries": False}],
                    user=user,
                    key=key,
                )
                self.assertIn("error", answer, answer)
                self.assertEqual(
                    answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer
                )
        # The clerk edits the partner all the same: only the setting is the billing role's.
        answer = self.execute_kw(
            "res.partner", "write", [[self.holding.id], {"ref": "HOLD"}], user=clerk,
            key=clerk._iot_new_api_key("clerk key 2"),
        )  # fmt: skip
        self.assertEqual(answer.get("result"), True, answer)
        answer = self.execute_kw(
            "res.partner",
            "write",
            [[self.holding.id], {"iot_consolidation_frequency": "yearly"}],
            user=billing,
            key=billing._iot_new_api_key("billing key"),
        )
        self.assertEqual(answer.get("result"), True, answer)
        self.env.invalidate_all()
        self.assertTrue(self.holding.iot_consolidate_subsidiaries)
        self.assertEqual(self.holding.iot_consolidation_frequency, "yearly")
        self.assertEqual(self.holding.ref, "HOLD")
