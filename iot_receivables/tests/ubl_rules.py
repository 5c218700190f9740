"""Checks of a UBL invoice against the standards, for the tests.

``xsd_errors``: the OASIS UBL 2.1 schema (``UBL-Invoice-2.1.xsd`` and what it imports),
as the OCA addon ``base_ubl`` (OCA/edi, 18.0) ships it - the structure, element order,
cardinalities and data types of every element.

``rule_errors``: the Peppol BIS Billing 3.0 and EN 16931 business rules that an IoT
invoice's content can break - its lines (quantities, units, negative lines, prices), its
totals and VAT breakdown, and the Peppol header (profile, electronic addresses). Written
from the rule texts of the official schematrons (``PEPPOL-EN16931-UBL.sch``,
``CEN-EN16931-UBL.sch``), each named by its identifier; they are not the whole rule set
(the official schematrons are not shipped by any maintained package installable here).
"""

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from odoo.tools import file_open

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CENT = Decimal("0.01")


def xsd_errors(xml):
    """The UBL 2.1 schema's complaints about ``xml`` (bytes), as strings."""
    root = etree.fromstring(xml)
    document = "CreditNote" if root.tag == "{%s}CreditNote" % NS["cn"] else "Invoice"
    with file_open(f"base_ubl/data/xsd-2.1/maindoc/UBL-{document}-2.1.xsd", "rb") as xsd:
        schema = etree.XMLSchema(etree.parse(xsd))
    if schema.validate(root):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def _amount(node, path):
    value = node.findtext(path, namespaces=NS)
    return Decimal(value) if value not in (None, "") else Decimal(0)


def rule_errors(xml):
    """``[(rule, message)]`` of the business rules below that ``xml`` breaks."""
    root = etree.fromstring(xml)
    credit_note = root.tag == "{%s}CreditNote" % NS["cn"]
    line_tag = "cac:CreditNoteLine" if credit_note else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity"
    errors = []

    def rule(ok, name, message):
        if not ok:
            errors.append((name, message))

    rule(
        root.findtext("cbc:CustomizationID", namespaces=NS) == PEPPOL_CUSTOMIZATION,
        "PEPPOL-EN16931-R004",
        "Specification identifier MUST have the value of Peppol BIS Billing 3.0",
    )
    rule(
        root.findtext("cbc:ProfileID", namespaces=NS) == PEPPOL_PROFILE,
        "PEPPOL-EN16931-R001/R007",
        "Business process MUST be provided, as urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0",
    )
    rule(
        root.findtext("cbc:BuyerReference", namespaces=NS)
        or root.findtext("cac:OrderReference/cbc:ID", namespaces=NS),
        "PEPPOL-EN16931-R003",
        "A buyer reference or purchase order reference MUST be provided",
    )
    for party, name in (
        ("cac:AccountingSupplierParty", "PEPPOL-EN16931-R020"),
        ("cac:AccountingCustomerParty", "PEPPOL-EN16931-R010"),
    ):
        endpoint = root.find(f"{party}/cac:Party/cbc:EndpointID", namespaces=NS)
        rule(
            endpoint is not None and endpoint.text and endpoint.get("schemeID"),
            name,
            f"{party}: an electronic address with its scheme MUST be provided",
        )
        vat = root.findtext(
            f"{party}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", default="", namespaces=NS
        )
        rule(
            not vat or vat[:2].isalpha(),
            "BR-CO-09",
            f"{party}: a VAT identifier shall have a country prefix",
        )
        rule(
            root.findtext(
                f"{party}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
                namespaces=NS,
            ),
            "BR-08/BR-10 BR-09/BR-11",
            f"{party}: the postal address shall contain a country code",
        )
    start = root.findtext("cac:InvoicePeriod/cbc:StartDate", namespaces=NS)
    end = root.findtext("cac:InvoicePeriod/cbc:EndDate", namespaces=NS)
    rule(
        not (start and end) or end >= start,
        "BR-29",
        "If both Invoicing period start date and end date are given then the end date shall "
        "be later or equal to the start date",
    )

    lines = root.findall(line_tag, namespaces=NS)
    rule(lines, "BR-16", "An Invoice shall have at least one Invoice line")
    line_total = Decimal(0)
    taxable = {}
    for line in lines:
        line_id = line.findtext("cbc:ID", namespaces=NS)
        quantity = line.find(quantity_tag, namespaces=NS)
        rule(
            quantity is not None and quantity.get("unitCode"),
            "BR-23",
            f"line {line_id}: an invoiced quantity shall have a unit of measure code",
        )
        price = _amount(line, "cac:Price/cbc:PriceAmount")
        rule(price >= 0, "BR-27", f"line {line_id}: the item net price shall NOT be negative")
        base = line.find("cac:Price/cbc:BaseQuantity", namespaces=NS)
        base_quantity = Decimal(base.text) if base is not None else Decimal(1)
        rule(
            base_quantity > 0,
            "PEPPOL-EN16931-R121",
            f"line {line_id}: the base quantity MUST be a positive number above zero",
        )
        amount = _amount(line, "cbc:LineExtensionAmount")
        allowances = sum(
            (
                _amount(charge, "cbc:Amount")
                * (1 if charge.findtext("cbc:ChargeIndicator", namespaces=NS) == "true" else -1)
                for charge in line.findall("cac:AllowanceCharge", namespaces=NS)
            ),
            Decimal(0),
        )
        expected = Decimal(quantity.text) * price / base_quantity + allowances
        rule(
            abs(amount - expected) <= CENT * 2,
            "PEPPOL-EN16931-R120",
            f"line {line_id}: the line net amount {amount} MUST equal (quantity x price / base "
            f"quantity) + charges - allowances = {expected}",
        )
        rule(
            amount == amount.quantize(CENT),
            "BR-DEC-23",
            f"line {line_id}: the line net amount shall have at most 2 decimals",
        )
        categories = line.findall("cac:Item/cac:ClassifiedTaxCategory", namespaces=NS)
        rule(
            len(categories) == 1,
            "BR-CO-04",
            f"line {line_id}: each line shall be categorized with one VAT category code",
        )
        if categories:
            key = (
                categories[0].findtext("cbc:ID", namespaces=NS),
                _amount(categories[0], "cbc:Percent"),
            )
            taxable[key] = taxable.get(key, Decimal(0)) + amount
        line_total += amount

    totals = root.find("cac:LegalMonetaryTotal", namespaces=NS)
    line_extension = _amount(totals, "cbc:LineExtensionAmount")
    tax_exclusive = _amount(totals, "cbc:TaxExclusiveAmount")
    tax_inclusive = _amount(totals, "cbc:TaxInclusiveAmount")
    allowance_total = _amount(totals, "cbc:AllowanceTotalAmount")
    charge_total = _amount(totals, "cbc:ChargeTotalAmount")
    rule(
        line_extension == line_total,
        "BR-CO-10",
        f"Sum of Invoice line net amount {line_extension} = Σ Invoice line net amount {line_total}",
    )
    rule(
        tax_exclusive == line_extension - allowance_total + charge_total,
        "BR-CO-13",
        "Invoice total amount without VAT = Σ line net amounts - allowances + charges",
    )
    tax_totals = [
        node
        for node in root.findall("cac:TaxTotal", namespaces=NS)
        if node.find("cac:TaxSubtotal", namespaces=NS) is not None
    ]
    rule(
        len(tax_totals) == 1,
        "PEPPOL-EN16931-R053",
        "Only one tax total with tax subtotals MUST be provided",
    )
    tax_amount = _amount(tax_totals[0], "cbc:TaxAmount") if tax_totals else Decimal(0)
    subtotals = tax_totals[0].findall("cac:TaxSubtotal", namespaces=NS) if tax_totals else []
    rule(
        tax_amount == sum((_amount(sub, "cbc:TaxAmount") for sub in subtotals), Decimal(0)),
        "BR-CO-14",
        "Invoice total VAT amount = Σ VAT category tax amount",
    )
    rule(
        tax_inclusive == tax_exclusive + tax_amount,
        "BR-CO-15",
        f"Invoice total amount with VAT {tax_inclusive} = total without VAT {tax_exclusive} "
        f"+ total VAT {tax_amount}",
    )
    rule(
        _amount(totals, "cbc:PayableAmount")
        == tax_inclusive
        - _amount(totals, "cbc:PrepaidAmount")
        + _amount(totals, "cbc:PayableRoundingAmount"),
        "BR-CO-16",
        "Amount due for payment = total with VAT - paid amount + rounding amount",
    )
    for sub in subtotals:
        category = sub.find("cac:TaxCategory", namespaces=NS)
        code = category.findtext("cbc:ID", namespaces=NS)
        rate = _amount(category, "cbc:Percent")
        base_amount = _amount(sub, "cbc:TaxableAmount")
        rule(
            base_amount == taxable.get((code, rate), Decimal(0)),
            f"BR-{code}-08",
            f"VAT category {code} {rate}%: the taxable amount {base_amount} shall equal the sum "
            f"of its lines' net amounts {taxable.get((code, rate))}",
        )
        if code == "S":
            rule(
                _amount(sub, "cbc:TaxAmount")
                == (base_amount * rate / 100).quantize(CENT, ROUND_HALF_UP),
                "BR-S-09",
                f"VAT category S {rate}%: the tax amount shall equal the taxable amount x rate",
            )
            rule(rate > 0, "BR-S-05", "Standard rated VAT shall have a rate greater than zero")
    return errors
