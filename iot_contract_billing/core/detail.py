"""The per-device detail of an invoice, written as CSV or XLSX without holding it all.

Rows are plain tuples of ``COLUMNS`` (schedules) or ``RECORD_COLUMNS`` (usage records);
the writers stream them: CSV line by line, XLSX with xlsxwriter's constant-memory mode.
"""

import csv
import io

import xlsxwriter

COLUMNS = (
    "invoice",
    "contract",
    "device",
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
        writer.writerow(row)
        if count % 5000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(columns, rows, fileobj, sheet="Detail"):
    """An XLSX workbook of ``rows`` in ``fileobj`` (constant memory: row by row)."""
    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "in_memory": False})
    try:
        worksheet = workbook.add_worksheet(sheet)
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        for column, name in enumerate(columns):
            worksheet.write(0, column, name, bold)
        money_columns = {columns.index(name) for name in MONEY_COLUMNS if name in columns}
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if column in money_columns:
                    worksheet.write_number(number, column, value, money)
                else:
                    worksheet.write(number, column, value)
    finally:
        workbook.close()
