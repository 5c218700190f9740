"""Reading usage records from Excel (.xlsx) and CSV uploads.

Operators export the feed to a spreadsheet, edit it and upload it again, or
produce CSV from their own tools: the header names the columns, in any order,
either with the feed's names (``DeviceId``, ``IntCounter2``, ``EventDataJ``...)
or with the API's (``device``, ``int_counter2``, ``data``...).

Uploads can hold hundreds of thousands of rows, so nothing here materialises the
file: rows are streamed, from openpyxl's read-only mode or line by line from the
CSV, and handed to the caller one at a time. Values are returned raw; checking
them is the caller's job, which already does it for the JSON API.
"""

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
import zipfile


class TabularError(ValueError):
    """A file that cannot be read as a table of records; the message is for the user."""


# normalise_header(text) -> record field, as the API names it.
COLUMN_ALIASES = {
    # the feed's column names
    "deviceid": "device",
    "egroup": "egroup",
    "eid": "eid",
    "dtu": "dtu",
    "dtdevice": "dt",
    "srcip": "src_ip",
    "eventref": "ref",
    "intcounter": "int_counter",
    "intcounter1": "int_counter",
    "intcounter2": "int_counter2",
    "intcounter3": "int_counter3",
    "intcounter4": "int_counter4",
    "intcounter5": "int_counter5",
    "temperature": "temperature",
    "eventdataj": "data",
    "eventdata": "data",
    # the API's field names (``int_counter2`` normalises to ``intcounter2`` above)
    "device": "device",
    "identifier": "device",
    "ref": "ref",
    "dt": "dt",
    "data": "data",
}

DEVICE_FIELD = "device"
EXTENSIONS = (".xlsx", ".csv")
DELIMITERS = (",", ";", "\t")
# Bytes read ahead of parsing a CSV, to detect its encoding and delimiter.
SAMPLE_SIZE = 64 * 1024
# Spooling threshold for non-seekable .xlsx uploads (zip needs to seek).
SPOOL_SIZE = 8 * 1024 * 1024

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA_TAG = _MAIN_NS + "sheetData"
_ROW_TAG = _MAIN_NS + "row"
_VALUE_TAG = _MAIN_NS + "v"
_INLINE_STRING_TAG = _MAIN_NS + "is"
_TEXT_TAG = _MAIN_NS + "t"
_RUN_TAG = _MAIN_NS + "r"
# Excel's last column, XFD: a bound on the width of a row a file can make us allocate.
MAX_COLUMNS = 16384
_IGNORED_IN_HEADERS = re.compile(r"[\s_\-]+")
_LATIN1_FALLBACK = "iot_usage.latin1_fallback"


def _decode_as_latin1(error):
    """Codec error handler: a byte that is not UTF-8 is read as latin-1.

    Used when the start of a CSV is valid UTF-8 but a later line is not (files
    pasted together from different tools): better an odd character on that line
    than refusing a file that can only be read in one pass.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


try:
    codecs.lookup_error(_LATIN1_FALLBACK)
except LookupError:
    codecs.register_error(_LATIN1_FALLBACK, _decode_as_latin1)


def normalise_header(text):
    """A header cell reduced to what tells columns apart: "Int_Counter 2" -> "intcounter2"."""
    if text is None:
        return ""
    return _IGNORED_IN_HEADERS.sub("", str(text)).lower()


def _empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


class Table:
    """A header and the stream of rows below it.

    ``rows()`` can be read once (the file is not kept in memory to read it
    again); the underlying workbook is closed when the rows are exhausted, or by
    ``close()`` / leaving a ``with`` block when the caller stops early.
    """

    def __init__(self, columns, mapping, unknown_columns, records, closer):
        self.columns = columns
        self.mapping = mapping
        self.unknown_columns = unknown_columns
        self._records = records
        self._closer = closer
        self._read = False

    def rows(self):
        """``(row number in the file, {field: raw value})`` for each row that has data.

        Row numbers are 1-based and count the header and any skipped row, so that
        they are the ones the user sees in a spreadsheet. Empty cells are left
        out of the dict; rows with nothing in a known column are skipped.
        """
        if self._read:
            raise RuntimeError("the rows of a table can be read only once")
        self._read = True
        mapping = tuple(self.mapping.items())
        try:
            for number, cells in self._records:
                width = len(cells)
                values = {}
                for index, name in mapping:
                    if index < width:
                        value = cells[index]
                        if not _empty(value):
                            values[name] = value
                if values:
                    yield number, values
        finally:
            self.close()

    def close(self):
        """Release the file: the row stream first, then the workbook or text wrapper."""
        if self._closer is not None:
            closer, self._closer = self._closer, None
            self._records.close()
            closer()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _header(records, closer):
    """Read up to the header row and build the Table; closes the source on error."""
    try:
        for number, cells in records:
            if all(_empty(cell) for cell in cells):
                continue
            return _table(number, cells, records, closer)
        raise TabularError("The file is empty: no header row and no records.")
    except BaseException:
        records.close()
        closer()
        raise


def _table(number, cells, records, closer):
    columns = ["" if cell is None else str(cell).strip() for cell in cells]
    while columns and not columns[-1]:
        columns.pop()
    mapping, unknown, seen = {}, [], {}
    for index, column in enumerate(columns):
        if not column:
            continue
        name = COLUMN_ALIASES.get(normalise_header(column))
        if name is None:
            unknown.append(column)
        elif name in seen:
            raise TabularError(
                f"Duplicate column {name}: {seen[name]!r} and {column!r} name the same field."
            )
        else:
            seen[name] = column
            mapping[index] = name
    if not mapping:
        raise TabularError(
            f"No header row: row {number} must name the columns (DeviceId, eGroup, eId, "
            f"Dtu, IntCounter...), found {', '.join(columns)[:200]}."
        )
    if DEVICE_FIELD not in seen:
        raise TabularError(
            "missing column DeviceId: the header row must name the device of each "
            f"record (found {', '.join(columns)[:200]})."
        )
    return Table(columns, mapping, unknown, records, closer)


def open_table(fileobj, filename):
    """Open an uploaded .xlsx or .csv (a binary file object) as a ``Table``.

    The kind is chosen by the file name's extension and checked against the
    content, so that a renamed PDF is refused with a message, not a traceback.
    """
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in EXTENSIONS:
        raise TabularError(
            f"{filename or 'The file'} is not a spreadsheet: upload an Excel workbook "
            "(.xlsx) or a CSV file (.csv)."
        )
    if extension == ".xlsx":
        return _open_xlsx(fileobj, filename)
    return _open_csv(fileobj, filename)


# -- xlsx ---------------------------------------------------------------------------


def _seekable(fileobj):
    """``fileobj`` itself when it can seek (zip needs it), else a spooled copy."""
    try:
        seekable = fileobj.seekable()
    except (AttributeError, ValueError):
        seekable = False  # no seekable() at all, or a closed stream: copy what is left
    if seekable:
        return fileobj, None
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE)
    shutil.copyfileobj(fileobj, spool)
    spool.seek(0)
    return spool, spool


def _open_xlsx(fileobj, filename):
    import openpyxl  # here, not at module level: CSV and mediation do without it

    fileobj, spool = _seekable(fileobj)
    start = fileobj.tell()
    magic = fileobj.read(4)
    fileobj.seek(start)
    if not magic:
        _close(spool)
        raise TabularError(f"{filename} is empty.")
    if not magic.startswith(b"PK") or not zipfile.is_zipfile(fileobj):
        _close(spool)
        raise TabularError(
            f"{filename} is not an Excel workbook (.xlsx): save it from Excel as "
            "'Excel Workbook', or as CSV."
        )
    fileobj.seek(start)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # any parse failure of an untrusted upload
        _close(spool)
        raise TabularError(f"{filename} cannot be read as an Excel workbook ({error}).") from None

    def closer():
        workbook.close()
        _close(spool)

    if not workbook.worksheets:
        closer()
        raise TabularError(f"{filename} has no worksheet.")
    return _header(_xlsx_records(workbook, workbook.worksheets[0], filename), closer)


def _xlsx_records(workbook, sheet, filename):
    number = 0
    try:
        for number, cells in _sheet_rows(workbook, sheet):
            yield number, cells
    except Exception as error:  # a corrupt sheet part, found while streaming
        raise TabularError(f"{filename}, row {number + 1} cannot be read ({error}).") from None


def _sheet_rows(workbook, sheet):
    """``(row number, cell values)`` of a read-only sheet, in constant memory.

    openpyxl's ``iter_rows`` clears each parsed <row> element but leaves it
    attached to <sheetData>: about 80 bytes per row stay allocated until the end
    (4 MB per 50,000 rows), and its general-purpose cell parsing is the bulk of
    the time. This reads the same XML part with the same XML parser, detaches
    each row once decoded, and decodes cells with ``_CellDecoder`` (2 to 3 times
    faster). It relies on a few openpyxl internals (the sheet's source and shared
    strings, the workbook's date styles): should they change, it falls back to
    ``iter_rows``.
    """
    try:
        from openpyxl.xml.functions import iterparse

        decoder = _CellDecoder(workbook, sheet)
        source = sheet._get_source()
    except (ImportError, AttributeError):
        yield from _iter_rows(sheet)
        return
    try:
        sheet_data = None
        number = 0
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == _SHEET_DATA_TAG:
                    sheet_data = element
                continue
            if element.tag != _ROW_TAG:
                continue
            reference = element.get("r")
            number = _row_number(reference) if reference else number + 1
            values = decoder.row(element)
            element.clear()
            if sheet_data is not None:
                del sheet_data[:]
            yield number, values
    finally:
        source.close()


def _inline_text(element):
    """The text of an inline string: plain ``<t>`` and rich-text runs, without phonetics.

    What openpyxl's ``Text.content`` gives, without building its objects.
    """
    parts = []
    for child in element:
        if child.tag == _TEXT_TAG:
            parts.append(child.text or "")
        elif child.tag == _RUN_TAG:
            parts.append(child.findtext(_TEXT_TAG) or "")
    return "".join(parts)


def _row_number(reference):
    return int(reference) if reference.isdigit() else int(float(reference))


class _CellDecoder:
    """Cell values of a data-only sheet, decoded as openpyxl's ``WorkSheetParser`` does.

    Numbers are int or float, numbers with a date style datetimes, ``s`` shared
    strings, ``b`` booleans, ``d`` ISO dates, inline strings their text; formula
    results (``str``) and errors (``e``, such as ``#N/A``) are kept as text.
    """

    def __init__(self, workbook, sheet):
        from openpyxl.utils import column_index_from_string
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.strings = sheet._shared_strings
        self.date_styles = workbook._date_formats
        self.duration_styles = getattr(workbook, "_timedelta_formats", ())
        self.epoch = workbook.epoch
        self.column_index = column_index_from_string
        self.from_excel = from_excel
        self.from_iso = from_ISO8601
        self.columns = {}

    def row(self, element):
        values = []
        column = 0
        for cell in element:
            reference = cell.get("r")
            column = self.column(reference) if reference else column + 1
            value = self.value(cell)
            if value is not None:
                if len(values) < column:
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
        return values

    def column(self, reference):
        letters = reference.rstrip("0123456789")
        index = self.columns.get(letters)
        if index is None:
            index = self.column_index(letters)  # ValueError for what is not a column
            if index > MAX_COLUMNS:
                raise ValueError(f"column {letters} is beyond the last column of a sheet")
            self.columns[letters] = index
        return index

    def value(self, cell):
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            child = cell.find(_INLINE_STRING_TAG)
            return None if child is None else _inline_text(child)
        text = cell.findtext(_VALUE_TAG)
        if not text:
            return None
        if kind == "n":
            return self.number(text, cell.get("s"))
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return self.from_iso(text)
        return text  # "str" (a formula's text result), "e" (an error such as #N/A)

    def number(self, text, style):
        number = float(text) if "." in text or "e" in text or "E" in text else int(text)
        if style and int(style) in self.date_styles:
            try:
                return self.from_excel(
                    number, self.epoch, timedelta=int(style) in self.duration_styles
                )
            except (OverflowError, ValueError):
                return "#VALUE!"  # what openpyxl gives for a date out of range
        return number


def _iter_rows(sheet):
    # Some generators write a wrong <dimension>, which would cut the rows short.
    sheet.reset_dimensions()
    yield from enumerate(sheet.iter_rows(values_only=True), start=1)


def _close(spool):
    if spool is not None:
        spool.close()


# -- csv ----------------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """The bytes already read for sniffing, then the rest of the upload.

    Lets a non-seekable stream be sniffed and parsed in one pass; closing it
    does not close the caller's file object.
    """

    def __init__(self, head, rest):
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _encoding(sample, complete):
    """The encoding of a CSV from its first bytes: UTF-8 (BOM or not), UTF-16, else latin-1."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _delimiter(text):
    """The delimiter of the header line: the most frequent of , ; tab outside quotes.

    Also ``(delimiter, True)`` when the first line is Excel's ``sep=;`` hint.
    """
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4], True
    header = next((line for line in lines if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=counts.__getitem__)
    return (best if counts[best] else ","), False


def _open_csv(fileobj, filename):
    sample = fileobj.read(SAMPLE_SIZE)
    if not sample or not sample.strip():
        raise TabularError(f"{filename} is empty.")
    complete = len(sample) < SAMPLE_SIZE
    encoding = _encoding(sample, complete)
    if encoding != "utf-16" and (b"\x00" in sample or sample.startswith(b"PK\x03\x04")):
        raise TabularError(
            f"{filename} is not a CSV text file (an Excel workbook should be named .xlsx)."
        )
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    delimiter, sep_line = _delimiter(decoder.decode(sample, final=complete))
    stream = io.BufferedReader(_Prefixed(sample, fileobj), buffer_size=SAMPLE_SIZE)
    errors = "strict" if encoding in ("latin-1", "utf-16") else _LATIN1_FALLBACK
    text = io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
    records = _csv_records(text, delimiter, sep_line, filename)
    return _header(records, text.close)


def _csv_records(text, delimiter, sep_line, filename):
    reader = csv.reader(text, delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if sep_line and number == 1:
                continue
            yield number, cells
    except (csv.Error, UnicodeDecodeError) as error:
        raise TabularError(f"{filename}, row {number + 1}: {error}") from None
