"""E-invoices: an invoice posted by a billing run - plan, usage in m3 by volume tiers,
a negative late-usage line, VAT - is sent as UBL / Peppol BIS Billing 3.0 through Odoo's
Send & Print by an accountant with Invoicing rights only; the XML is checked against the
UBL 2.1 schema, the Peppol / EN 16931 rules of ``ubl_rules`` and Odoo's own EDI checks."""

import datetime
import doctest

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.iot_contract_billing.tests.common import BillingScenario

from ..core import unece
from . import ubl_rules
from .ubl_rules import NS

PEPPOL_SETUP_ALERTS = (
    "account_edi_ubl_cii_configure_company",
    "account_edi_ubl_cii_configure_partner",
)


@tagged("post_install", "-at_install")
class TestEinvoice(BillingScenario, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        belgium = cls.env.ref("base.be")
        # The seller and the buyer as Peppol wants them: country, VAT, an electronic
        # address (Odoo derives the EAS and endpoint from the country and the VAT or the
        # company registry) and the seller's bank account for the credit transfer.
        cls.company.partner_id.write(
            {
                "street": "Chaussée de Namur 40",
                "zip": "1367",
                "city": "Ramillies",
                "country_id": belgium.id,
                "vat": "BE0202239951",
                "company_registry": "0202239951",
                "bank_ids": [Command.create({"acc_number": "BE15001559627230"})],
            }
        )
        cls.customer.write(
            {
                "street": "Rue des Bourlottes 9",
                "zip": "1367",
                "city": "Ramillies",
                "country_id": belgium.id,
                "company_registry": "0477472701",
                "email": "ap@customer.example",
                "invoice_edi_format": "ubl_bis3",
            }
        )
        group = cls.env["account.tax.group"].create({"name": "VAT", "company_id": cls.company.id})
        cls.vat_21 = cls.env["account.tax"].create(
            {
                "name": "VAT 21% (e-invoice test)",
                "amount": 21,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "tax_group_id": group.id,
            }
        )
        cls.plan = cls.make_plan("EDI-PLAN", 10.0, name="Fleet plan")
        cls.plan.taxes_id = cls.vat_21
        cls.calculator = cls.make_water_calculator("EDI_WATER", 1.85)
        cls.usage_product.taxes_id = cls.vat_21
        cls.calculator.write(
            {
                "mode": "volume",
                "tier_ids": [
                    Command.create({"up_to": 100, "unit_price": 2.0}),
                    Command.create({"up_to": 0, "unit_price": 1.5}),
                ],
            }
        )
        cls.accountant = cls.make_accountant("edi_billing")
        cls.invoicing = new_test_user(
            cls.env, login="edi_invoicing", groups="account.group_account_invoice"
        )

    def april_invoice(self):
        """March billed (80 m3, band up to 100 at 2.00), then 40 m3 of March arrive late:
        March is now 120 m3 in the band over 100 at 1.50 - April's invoice takes the 80 m3
        back (a negative line) and bills 120 m3 at 1.50, with April's 30 m3 at 2.00."""
        device = self.activate(self.devices("EDI_1"), "2026-03-01")
        self.use(device, "2026-03-10T08:00:00Z", 80)
        self.bill(datetime.date(2026, 3, 31))
        self.use(device, "2026-03-20T08:00:00Z", 40)
        self.use(device, "2026-04-10T08:00:00Z", 30)
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(invoice.state, "posted")
        return invoice

    def send_wizard(self, invoice, user):
        """Send & Print from the invoice's Send button, as ``user``."""
        action = invoice.with_user(user).action_invoice_sent()
        form = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
        return form.save()

    def send(self, invoice, user):
        wizard = self.send_wizard(invoice, user)
        self.assertEqual(wizard.invoice_edi_format, "ubl_bis3")
        # Company and customer are set up for Peppol: Odoo asks for nothing more.
        self.assertFalse(set(wizard.alerts or {}) & set(PEPPOL_SETUP_ALERTS), wizard.alerts)
        return wizard.action_send_and_print()

    def test_billing_run_invoice_sent_as_valid_peppol_bis3(self):
        invoice = self.april_invoice()
        usage = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.usage_product
        )
        self.assertEqual(
            sorted((line.quantity, line.price_unit) for line in usage),
            [(-80.0, 2.0), (30.0, 2.0), (120.0, 1.5)],
        )
        self.assertEqual(invoice.amount_untaxed, 10.0 - 160.0 + 60.0 + 180.0)
        self.assertEqual(invoice.amount_tax, 18.9)

        self.send(invoice, self.invoicing)
        xml_attachment = invoice.with_user(self.invoicing).ubl_cii_xml_id
        self.assertTrue(xml_attachment, "Send & Print made the UBL file")
        self.assertEqual(xml_attachment.mimetype, "application/xml")
        xml = xml_attachment.raw
        # Sent to the customer with the e-mail (the PDF and the XML).
        message = invoice.message_ids.filtered(lambda msg: msg.message_type == "comment")[:1]
        self.assertIn(xml_attachment.name, message.attachment_ids.mapped("name"))

        self.assertEqual(ubl_rules.xsd_errors(xml), [])
        self.assertEqual(ubl_rules.rule_errors(xml), [])
        # Odoo's own checks (its EN 16931 / Peppol rules) find nothing either.
        _xml, errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(invoice)
        self.assertFalse(errors)

        tree = etree.fromstring(xml)
        lines = {
            line.findtext("cbc:ID", namespaces=NS): line
            for line in tree.findall("cac:InvoiceLine", namespaces=NS)
        }
        quantities = sorted(
            (
                float(line.findtext("cbc:InvoicedQuantity", namespaces=NS)),
                line.find("cbc:InvoicedQuantity", namespaces=NS).get("unitCode"),
                float(line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS)),
            )
            for line in lines.values()
        )
        # The late usage taken back is a negative quantity at a positive price (BR-27);
        # m3 is MTQ, the plan's devices are units (C62).
        self.assertEqual(
            quantities,
            [(-80.0, "MTQ", 2.0), (1.0, "C62", 10.0), (30.0, "MTQ", 2.0), (120.0, "MTQ", 1.5)],
        )
        self.assertEqual(
            [
                tree.findtext(f"cac:InvoicePeriod/cbc:{name}", namespaces=NS)
                for name in ("StartDate", "EndDate")
            ],
            ["2026-04-01", "2026-04-30"],
        )
        buyer = tree.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=NS)
        self.assertTrue(buyer.text)
        self.assertEqual(
            (buyer.get("schemeID"), buyer.text),
            (self.customer.peppol_eas, self.customer.peppol_endpoint),
        )
        self.assertEqual(tree.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS), "18.90")

    def test_customer_without_peppol_address_is_pointed_out(self):
        self.customer_2.invoice_edi_format = "ubl_bis3"
        devices = self.devices("EDI_NOADDR")
        devices._activate(
            self.customer_2, "2026-04-01", {"plan": {"product": "EDI-PLAN"}, "term_months": 3}
        )
        invoice = self.bill(datetime.date(2026, 4, 30)).invoice_ids
        self.assertEqual(invoice.partner_id, self.customer_2)
        wizard = self.send_wizard(invoice, self.invoicing)
        self.assertIn("account_edi_ubl_cii_configure_partner", wizard.alerts)
        self.assertNotIn("account_edi_ubl_cii_configure_company", wizard.alerts)

    def test_rules_catch_what_they_check(self):
        """The checks fail on an XML that breaks them: a negative price, totals that do
        not add up, and an element out of the schema."""
        invoice = self.april_invoice()
        xml, _errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(invoice)
        tree = etree.fromstring(xml)
        price = tree.find("cac:InvoiceLine/cac:Price/cbc:PriceAmount", namespaces=NS)
        price.text = "-" + price.text
        tree.find("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", namespaces=NS).text = "1.00"
        broken = etree.tostring(tree)
        names = {name for name, _message in ubl_rules.rule_errors(broken)}
        self.assertTrue({"BR-27", "PEPPOL-EN16931-R120", "BR-CO-15", "BR-CO-16"} <= names, names)
        etree.SubElement(tree, "{%s}Unknown" % NS["cbc"]).text = "x"
        self.assertTrue(ubl_rules.xsd_errors(etree.tostring(tree)))

    def test_iot_units_have_their_unece_codes(self):
        builder = self.env["account.edi.xml.ubl_bis3"]
        for xmlid, code in unece.UNECE_CODES.items():
            self.assertEqual(builder._get_uom_unece_code(self.env.ref(xmlid)), code, xmlid)
        # Core's units keep Odoo's codes.
        self.assertEqual(builder._get_uom_unece_code(self.env.ref("uom.product_uom_hour")), "HUR")
        self.assertEqual(doctest.testmod(unece).failed, 0)

    def test_who_may_send_the_e_invoice(self):
        invoice = self.april_invoice()
        reader = self.reader  # IoT user, no accounting rights
        with self.assertRaises(AccessError):
            self.send(invoice, reader)
        self.send(invoice, self.invoicing)
        attachment = invoice.ubl_cii_xml_id
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(reader).browse(attachment.id).read(["raw"])
        # A user of the other company does not see it either.
        other = new_test_user(
            self.env,
            login="edi_invoicing_b",
            groups="account.group_account_invoice",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(other).browse(attachment.id).read(["raw"])
