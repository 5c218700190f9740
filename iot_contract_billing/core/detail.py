"""The per-device detail of an invoice, written as CSV or XLSX without holding it all.

Rows are plain tuples of ``COLUMNS`` (one device's share of one invoice line) or
``RECORD_COLUMNS`` (usage records); each column has a human header and a type that
says how it is written: ``text``, ``date``, ``datetime``, ``number`` (a quantity or a
unit price, as precise as it is) or ``money`` (the currency's digits). The writers
stream the rows - CSV line by line, XLSX with xlsxwriter's constant-memory mode - and
may end with a totals row, the sums of the money columns, which is the invoice's
untaxed amount, tax and total when the rows are its detail.

Device names and usage references come from gateways, and auditors open these files in
a spreadsheet: text is data, never a formula. CSV text that a spreadsheet would evaluate
is neutralised (``safe_cell``); XLSX cells are typed - text as strings, numbers as
numbers, dates as dates - so nothing is ever written as a formula.
"""

import csv
import datetime
import io
from decimal import Decimal

import xlsxwriter

from odoo.addons.iot_fleet.core.spreadsheet import safe_cell

COLUMNS = (
    ("Invoice", "text"),
    ("Contract", "text"),
    ("Customer", "text"),
    ("Device", "text"),
    ("Device name", "text"),
    ("Period start", "date"),
    ("Period end", "date"),
    ("Type", "text"),
    ("Description", "text"),
    ("Quantity", "number"),
    ("Unit", "text"),
    ("Unit price", "number"),
    ("Untaxed", "money"),
    ("Tax", "money"),
    ("Total", "money"),
)
RECORD_COLUMNS = (
    ("Invoice", "text"),
    ("Device", "text"),
    ("Time (UTC)", "datetime"),
    ("Event group", "text"),
    ("Record type", "text"),
    ("Reference", "text"),
    ("Quantity", "number"),
)
TOTAL_LABEL = "Total"


def headers(columns):
    return [name for name, _kind in columns]


def number_text(value):
    """A number as precise as it is, without needless zeros: 250, 1.85, 0.0125.

    >>> number_text(250.0), number_text(Decimal("1.8500")), number_text(-0.5)
    ('250', '1.85', '-0.5')
    """
    value = _decimal(value).normalize()
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return format(value, "f")


def money_text(value, digits=2):
    """An amount with exactly ``digits`` decimals.

    >>> money_text(462.5), money_text(Decimal("-1"), 0)
    ('462.50', '-1')
    """
    return format(_decimal(value).quantize(Decimal(1).scaleb(-digits)), "f")


def _decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


class _Totals:
    """Sums of the money columns of the rows seen, in ``Decimal`` (exact cents)."""

    def __init__(self, columns):
        self.money = [index for index, (_name, kind) in enumerate(columns) if kind == "money"]
        self.sums = dict.fromkeys(self.money, Decimal(0))
        self.width = len(columns)

    def add(self, row):
        for index in self.money:
            if row[index] is not None:
                self.sums[index] += _decimal(row[index])

    def row(self):
        values = [None] * self.width
        values[0] = TOTAL_LABEL
        for index, total in self.sums.items():
            values[index] = total
        return values


def _csv_value(value, kind, digits):
    if value is None or value is False:
        return ""
    if kind == "money":
        return money_text(value, digits)
    if kind == "number":
        return number_text(value)
    if kind == "datetime":
        return value.isoformat(sep=" ")
    if kind == "date":
        return value.isoformat()
    return safe_cell(str(value))


def write_csv(columns, rows, digits=2, totals=False):
    """CSV text of ``rows``: yields chunks, so a large detail is never in one string."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(columns))
    kinds = [kind for _name, kind in columns]
    summed = _Totals(columns)
    for count, row in enumerate(rows, start=1):
        summed.add(row)
        writer.writerow(
            [_csv_value(value, kind, digits) for value, kind in zip(row, kinds, strict=True)]
        )
        if count % 5000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if totals:
        total_row = zip(summed.row(), kinds, strict=True)
        writer.writerow([_csv_value(value, kind, digits) for value, kind in total_row])
    yield buffer.getvalue()


def write_xlsx(columns, rows, fileobj, digits=2, totals=False, sheet="Detail"):
    """An XLSX workbook of ``rows`` in ``fileobj`` (constant memory: row by row).

    Each cell is written by its column's type: numbers as numbers, dates as dates,
    anything else as a string, which a spreadsheet shows as it is (xlsxwriter's
    ``write`` would turn ``=...`` into a formula and ``http://...`` into a link).
    """
    workbook = xlsxwriter.Workbook(
        fileobj,
        {
            "constant_memory": True,
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        worksheet = workbook.add_worksheet(sheet)
        bold = workbook.add_format({"bold": True})
        money_format = "#,##0" + ("." + "0" * digits if digits else "")
        formats = {
            "money": workbook.add_format({"num_format": money_format}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "number": None,
            "text": None,
        }
        total_money = workbook.add_format({"num_format": money_format, "bold": True})
        kinds = [kind for _name, kind in columns]
        for column, name in enumerate(headers(columns)):
            worksheet.write_string(0, column, name, bold)
        summed = _Totals(columns)
        number = 0
        for number, row in enumerate(rows, start=1):
            summed.add(row)
            for column, (value, kind) in enumerate(zip(row, kinds, strict=True)):
                _write_cell(worksheet, number, column, value, kind, formats[kind])
        if totals:
            for column, (value, kind) in enumerate(zip(summed.row(), kinds, strict=True)):
                cell_format = total_money if kind == "money" else bold
                _write_cell(worksheet, number + 1, column, value, kind, cell_format)
    finally:
        workbook.close()


def _write_cell(worksheet, row, column, value, kind, cell_format):
    if value is None or value is False:
        return
    if kind in ("money", "number") and not isinstance(value, str):
        worksheet.write_number(row, column, float(value), cell_format)
    elif kind in ("date", "datetime") and isinstance(value, datetime.date):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time.min)
        worksheet.write_datetime(row, column, value.replace(tzinfo=None), cell_format)
    else:
        worksheet.write_string(row, column, str(value), cell_format)
