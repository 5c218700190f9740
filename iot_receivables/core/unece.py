"""UN/ECE Recommendation 20 unit codes of the units IoT usage is invoiced in.

An e-invoice (UBL, Peppol BIS Billing 3.0) states each line's quantity with a
``unitCode`` from the UN/ECE Rec 20 list (rule BR-CL-23). Odoo's EDI knows the codes
of core's units (m3 is ``MTQ``, litre ``LTR``, hour ``HUR``) and writes ``C62`` ("one")
for any other: kWh, GB or minutes would read as "units". These are the codes of the
units ``iot_contract_billing`` adds, each in the Peppol code list.

>>> unece_code("iot_contract_billing.uom_kwh")
'KWH'
>>> unece_code("iot_contract_billing.uom_gb")
'E34'
>>> unece_code("uom.product_uom_cubic_meter") is None  # core's: Odoo knows it
True
"""

UNECE_CODES = {
    "iot_contract_billing.uom_wh": "WHR",  # watt hour
    "iot_contract_billing.uom_kwh": "KWH",  # kilowatt hour
    "iot_contract_billing.uom_mwh": "MWH",  # megawatt hour (1000 kW.h)
    "iot_contract_billing.uom_byte": "AD",  # byte
    "iot_contract_billing.uom_kb": "2P",  # kilobyte
    "iot_contract_billing.uom_mb": "4L",  # megabyte
    "iot_contract_billing.uom_gb": "E34",  # gigabyte
    "iot_contract_billing.uom_tb": "E35",  # terabyte
    "iot_contract_billing.uom_minute": "MIN",  # minute [unit of time]
    "iot_contract_billing.uom_second": "SEC",  # second [unit of time]
    "iot_contract_billing.uom_sms": "C62",  # one (a message counts as one)
}


def unece_code(xmlid):
    """The Rec 20 code of a unit of measure added for IoT usage, by its external id;
    ``None`` for the others (Odoo's own table answers for those)."""
    return UNECE_CODES.get(xmlid)
