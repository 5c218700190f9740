"""The per-device detail of an invoice, written as CSV or XLSX without holding it all.

Rows are plain tuples of ``COLUMNS`` (schedules) or ``RECORD_COLUMNS`` (usage records);
the writers stream them: CSV line by line, XLSX with xlsxwriter's constant-memory mode.

Device names and usage references come from gateways, and auditors open these files in
a spreadsheet: text is data, never a formula. CSV text that a spreadsheet would evaluate
is neutralised (``safe_cell``); XLSX cells are typed - text as strings, numbers as
numbers - so nothing is ever written as a formula.
"""

import csv
import io

import xlsxwriter

from odoo.addons.iot_fleet.core.spreadsheet import safe_row

COLUMNS = (
    "invoice",
    "contract",
    "device",
    "device_name",
    "period_start",
    "period_end",
    "product",
    "recurring_amount",
    "usage_quantity",
    "usage_amount",
    "late_usage_quantity",
    "late_usage_amount",
    "charge_amount",
    "total",
)
RECORD_COLUMNS = ("invoice", "device", "dtu", "egroup", "eid", "event_ref", "quantity")
MONEY_COLUMNS = (
    "recurring_amount",
    "usage_amount",
    "late_usage_amount",
    "charge_amount",
    "total",
)


def write_csv(columns, rows):
    """CSV text of ``rows``: yields chunks, so a large detail is never in one string."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow(safe_row(row))
        if count % 5000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(columns, rows, fileobj, sheet="Detail"):
    """An XLSX workbook of ``rows`` in ``fileobj`` (constant memory: row by row).

    Each cell is written by its type: numbers as numbers, anything else as a string,
    which a spreadsheet shows as it is (xlsxwriter's ``write`` would turn ``=...`` into
    a formula and ``http://...`` into a link).
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
        money = workbook.add_format({"num_format": "#,##0.00"})
        for column, name in enumerate(columns):
            worksheet.write_string(0, column, name, bold)
        money_columns = {columns.index(name) for name in MONEY_COLUMNS if name in columns}
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if value is None or value is False:
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    cell_format = money if column in money_columns else None
                    worksheet.write_number(number, column, value, cell_format)
                else:
                    worksheet.write_string(number, column, str(value))
    finally:
        workbook.close()
