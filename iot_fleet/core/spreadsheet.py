"""Values written to CSV and XLSX files are data, never formulas.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or a carriage return): a device name or a usage reference such as
``=HYPERLINK(...)`` sent by a gateway would run on an auditor's machine. Following
the OWASP rules for CSV injection, such text is prefixed with a single quote, which
spreadsheets show as text; numbers stay numbers.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """``value`` as a spreadsheet shows it literally (text neutralised, others kept).

    >>> safe_cell('=1+1'), safe_cell('-2+3'), safe_cell('IOT_1'), safe_cell(-2.5)
    ("'=1+1", "'-2+3", 'IOT_1', -2.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(row):
    return [safe_cell(value) for value in row]
