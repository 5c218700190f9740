"""Reading usage records from Excel (.xlsx) and CSV uploads.

Operators export the feed to a spreadsheet, edit it and upload it again, or
produce CSV from their own tools: the header names the columns, in any order,
either with the feed's names (``DeviceId``, ``IntCounter2``, ``EventDataJ``...)
or with the API's (``device``, ``int_counter2``, ``data``...).

Uploads can hold hundreds of thousands of rows, so nothing here materialises the
file: rows are streamed, from openpyxl's read-only mode or line by line from the
CSV, and handed to the caller one at a time. Values are returned raw; checking
them is the caller's job, which already does it for the JSON API.

A small file can still stand for a lot of work: a workbook is a zip, and 175 KB of
repeated shared strings inflate to hundreds of megabytes. Every bound below is
checked while streaming, before the work it limits is done, and an upload beyond
one is refused with a ``TabularError`` that names it.
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


class _BoundPassed(TabularError):
    """A bound passed, said without the file's name and row, which the caller adds."""


# Bounds of an upload (see the module's docstring).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all members of a workbook, inflated
MAX_MEMBERS = 10_000  # members of a workbook
# Parts openpyxl reads whole into a tree (styles, workbook, properties): their size.
MAX_PART_BYTES = 8 * 1024 * 1024
MAX_SHARED_STRINGS = 1_000_000
# A shared string is there for a cell, and a cell that names one takes at least 22
# bytes of a sheet (<c t="s"><v>0</v></c>): a table of strings much larger than its
# sheets can use is padding, refused before it is parsed.
MIN_SHARED_CELL_BYTES = 16
SPARE_SHARED_STRINGS = 1000
MAX_SHARED_STRING_CHARS = 32_000_000  # all shared strings together, repeats included
MAX_CELLS = 10_000_000  # cells of the sheet read
# One cell: a record's data may be 16 KiB of JSON, nothing in a record is longer.
MAX_CELL_CHARS = 16384
# One CSV record, all its lines together.
MAX_RECORD_CHARS = 256 * 1024
MAX_RECORD_LINES = 100


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
_SHARED_ITEM_TAG = _MAIN_NS + "si"
_CELL_TAG = _MAIN_NS + "c"
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
    if _extension(filename) == ".xlsx":
        return _open_xlsx(fileobj, filename)
    return _open_csv(fileobj, filename)


def _extension(filename):
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in EXTENSIONS:
        raise TabularError(
            f"{filename or 'The file'} is not a spreadsheet: upload an Excel workbook "
            "(.xlsx) or a CSV file (.csv)."
        )
    return extension


_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff/\\]")


def safe_filename(filename, limit=128):
    """An uploaded file's name fit to be stored and shown: no path, no control
    characters, at most ``limit`` characters, its extension kept."""
    name = _UNSAFE_IN_NAMES.sub("_", filename or "").strip() or "upload"
    if len(name) > limit:
        stem, extension = os.path.splitext(name)
        extension = extension[:16]
        name = stem[: limit - len(extension)] + extension
    return name


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


def _xlsx_archive(fileobj, filename):
    """Check that ``fileobj`` (seekable) is a zip within the bounds, from its directory.

    Only the central directory is read: the sizes it declares are also the most
    Python's zip reader inflates a member to, so they bound the work to come.
    Returns ``(inflated size of all members, of the worksheets)``.
    """
    start = fileobj.tell()
    magic = fileobj.read(4)
    fileobj.seek(start)
    if not magic:
        raise TabularError(f"{filename} is empty.")
    try:
        if not magic.startswith(b"PK"):
            raise zipfile.BadZipFile(magic)
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise TabularError(
            f"{filename} is not an Excel workbook (.xlsx): save it from Excel as "
            "'Excel Workbook', or as CSV."
        ) from None
    finally:
        fileobj.seek(start)
    if len(members) > MAX_MEMBERS:
        raise TabularError(
            f"{filename} holds {len(members):,} parts; a workbook may hold {MAX_MEMBERS:,}."
        )
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise TabularError(
            f"{filename} inflates to {total:,} bytes; an upload may inflate to "
            f"{MAX_UNCOMPRESSED_BYTES:,} bytes at most: split it in smaller files."
        )
    sheets = 0
    for member in members:
        name = member.filename
        if name.startswith("xl/worksheets/"):
            sheets += member.file_size
        streamed = name.startswith("xl/worksheets/") or name.endswith("sharedStrings.xml")
        if not streamed and name.endswith((".xml", ".rels")) and member.file_size > MAX_PART_BYTES:
            raise TabularError(
                f"{filename}: its part {name[:100]} inflates to {member.file_size:,} bytes; "
                f"such a part may hold {MAX_PART_BYTES:,} bytes at most."
            )
    return total, sheets


def check_file(fileobj, filename):
    """A quick look at an upload before it is stored, without reading its rows.

    The file's kind, and for a workbook the zip's directory; a CSV's first bytes.
    Reading the whole table (``open_table``) is left to the job that processes it.
    Returns the size of a workbook once inflated (the XML to parse), None for a CSV.
    """
    extension = _extension(filename)
    if extension == ".xlsx":
        fileobj, spool = _seekable(fileobj)
        try:
            return _xlsx_archive(fileobj, filename)[0]
        finally:
            _close(spool)
    _csv_sample(fileobj, filename)
    return None


def _open_xlsx(fileobj, filename):
    fileobj, spool = _seekable(fileobj)
    try:
        _total, sheets = _xlsx_archive(fileobj, filename)
        workbook = _load_workbook(
            fileobj,
            min(MAX_SHARED_STRINGS, sheets // MIN_SHARED_CELL_BYTES + SPARE_SHARED_STRINGS),
        )
    except _BoundPassed as error:
        _close(spool)
        raise TabularError(f"{filename}: {error}") from None
    except TabularError:
        _close(spool)
        raise
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


def _load_workbook(fileobj, max_strings):
    """``openpyxl.load_workbook(read_only=True, data_only=True)``, with the shared
    strings read by ``read_shared_strings``, within the bounds."""
    from openpyxl.reader.excel import ExcelReader  # here: CSV and mediation do without

    class BoundedReader(ExcelReader):
        def read_strings(self):
            from openpyxl.xml.constants import SHARED_STRINGS

            content_type = self.package.find(SHARED_STRINGS)
            if content_type is not None:
                with self.archive.open(content_type.PartName[1:]) as source:
                    self.shared_strings = read_shared_strings(source, max_strings)

    reader = BoundedReader(fileobj, read_only=True, data_only=True)
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        raise
    return reader.wb


def read_shared_strings(source, max_strings=MAX_SHARED_STRINGS):
    """The shared strings of a workbook, as openpyxl reads them, within the bounds.

    Streamed: each ``<si>`` is decoded and dropped; a text repeated is kept once
    (the list holds the same object), so a table of one string repeated a million
    times costs a million references, not a million strings.
    """
    from openpyxl.xml.functions import iterparse

    strings, seen = [], {}
    total = 0
    root = None
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            if root is None:
                root = element
            continue
        if element.tag != _SHARED_ITEM_TAG:
            continue
        text = _inline_text(element).replace("x005F_", "")
        element.clear()
        root.clear()
        if len(text) > MAX_CELL_CHARS:
            raise _BoundPassed(
                f"shared string {len(strings) + 1:,} holds {len(text):,} characters; a cell "
                f"may hold {MAX_CELL_CHARS:,}."
            )
        total += len(text)
        if len(strings) >= max_strings:
            raise _BoundPassed(
                f"the workbook shares more than {max_strings:,} strings, more than its "
                "sheets can use or than an upload may hold."
            )
        if total > MAX_SHARED_STRING_CHARS:
            raise _BoundPassed(
                f"the workbook shares more than {MAX_SHARED_STRING_CHARS:,} characters of "
                "text: split it in smaller files."
            )
        strings.append(seen.setdefault(text, text))
    return strings


def _xlsx_records(workbook, sheet, filename):
    number = 0
    try:
        for number, cells in _sheet_rows(workbook, sheet):
            yield number, cells
    except _BoundPassed as error:
        raise TabularError(f"{filename}, row {number + 1}: {error}") from None
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
        self.cells = 0

    def row(self, element):
        values = []
        column = 0
        self.cells += len(element)
        if self.cells > MAX_CELLS:
            raise _BoundPassed(
                f"the sheet holds more than {MAX_CELLS:,} cells: split it in smaller files."
            )
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
            return None if child is None else _bounded(cell, _inline_text(child))
        text = cell.findtext(_VALUE_TAG)
        if not text:
            return None
        _bounded(cell, text)
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


def _bounded(cell, text):
    if len(text) > MAX_CELL_CHARS:
        raise _BoundPassed(
            f"cell {cell.get('r') or ''} holds {len(text):,} characters; a cell may hold "
            f"{MAX_CELL_CHARS:,}."
        )
    return text


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


def _csv_sample(fileobj, filename):
    """The first bytes of a CSV upload, whether they are all of it, and its encoding."""
    sample = fileobj.read(SAMPLE_SIZE)
    if not sample or not sample.strip():
        raise TabularError(f"{filename} is empty.")
    complete = len(sample) < SAMPLE_SIZE
    encoding = _encoding(sample, complete)
    if encoding != "utf-16" and (b"\x00" in sample or sample.startswith(b"PK\x03\x04")):
        raise TabularError(
            f"{filename} is not a CSV text file (an Excel workbook should be named .xlsx)."
        )
    return sample, complete, encoding


def _open_csv(fileobj, filename):
    sample, complete, encoding = _csv_sample(fileobj, filename)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    delimiter, sep_line = _delimiter(decoder.decode(sample, final=complete))
    stream = io.BufferedReader(_Prefixed(sample, fileobj), buffer_size=SAMPLE_SIZE)
    errors = "strict" if encoding in ("latin-1", "utf-16") else _LATIN1_FALLBACK
    text = io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
    records = _csv_records(text, delimiter, sep_line, filename)
    return _header(records, text.close)


class _BoundedLines:
    """The lines of a CSV text, for ``csv.reader``, each record within the bounds.

    ``csv.reader`` holds a record's lines until the record ends: a line without end,
    or quoted fields opening line after line, would make one record of the whole
    file. No line is read beyond what a record may still hold.
    """

    def __init__(self, text):
        self._text = text
        self.chars = 0
        self.lines = 0

    def __iter__(self):
        return self

    def __next__(self):
        line = self._text.readline(MAX_RECORD_CHARS + 1 - self.chars)
        if not line:
            raise StopIteration
        self.chars += len(line)
        self.lines += 1
        if self.chars > MAX_RECORD_CHARS:
            raise _BoundPassed(
                f"the record is longer than {MAX_RECORD_CHARS:,} characters: a line "
                "without end, or a quote left open?"
            )
        if self.lines > MAX_RECORD_LINES:
            raise _BoundPassed(
                f"the record spans more than {MAX_RECORD_LINES} lines: a quote left open?"
            )
        return line

    def record_done(self):
        self.chars = self.lines = 0


def _csv_records(text, delimiter, sep_line, filename):
    lines = _BoundedLines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            lines.record_done()
            if sep_line and number == 1:
                continue
            if cells and max(map(len, cells)) > MAX_CELL_CHARS:
                raise TabularError(
                    f"{filename}, row {number}: a cell holds {max(map(len, cells)):,} "
                    f"characters; a cell may hold {MAX_CELL_CHARS:,}."
                )
            yield number, cells
    except _BoundPassed as error:
        raise TabularError(f"{filename}, row {number + 1}: {error}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise TabularError(f"{filename}, row {number + 1}: {error}") from None
