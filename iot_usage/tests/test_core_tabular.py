"""Reading Excel and CSV uploads, in plain Python (no database)."""

import datetime
import io
import tracemalloc
import unittest
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import get_column_letter

from ..core import tabular

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FEED_HEADER = [
    "DeviceId",
    "eGroup",
    "eId",
    "Dtu",
    "DtDevice",
    "SrcIp",
    "EventRef",
    "IntCounter",
    "IntCounter2",
    "IntCounter3",
    "IntCounter4",
    "IntCounter5",
    "Temperature",
    "EventDataJ",
]


def xlsx(rows):
    """An .xlsx file (bytes) with ``rows`` on its first sheet, as Excel would save it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def large_xlsx(header, rows):
    """An .xlsx file whose sheet XML is written here, row by row, as Excel lays it out.

    Writing 50,000 rows through openpyxl takes longer than reading them: the
    other parts come from openpyxl (a one-row workbook), the sheet part is
    formatted directly, with its <dimension> (which Excel always writes).
    """
    template = io.BytesIO(xlsx([header]))
    lines = [
        f'<worksheet xmlns="{MAIN_NS}">',
        f'<dimension ref="A1:{get_column_letter(len(header))}{len(rows) + 1}"/><sheetData>',
    ]
    for number, row in enumerate([header, *rows], start=1):
        cells = []
        for column, value in enumerate(row, start=1):
            ref = f"{get_column_letter(column)}{number}"
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        lines.append(f'<row r="{number}">{"".join(cells)}</row>')
    lines.append("</sheetData></worksheet>")
    return replace_sheet(template, "".join(lines).encode())


def replace_sheet(workbook, sheet_xml, shared_strings=()):
    """``workbook`` (an .xlsx file object) with another first sheet part.

    With ``shared_strings``, also a shared strings part, as Excel writes (openpyxl
    writes inline strings only).
    """
    result = io.BytesIO()
    with (
        zipfile.ZipFile(workbook) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = sheet_xml
            elif name == "[Content_Types].xml" and shared_strings:
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(name, content)
        if shared_strings:
            items = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared_strings)
            target.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}">{items}</sst>')
    return result.getvalue()


def write_only_xlsx(rows):
    """An .xlsx from openpyxl's write-only mode, which writes no <dimension>."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(content, filename):
    table = tabular.open_table(io.BytesIO(content), filename)
    return table, list(table.rows())


class TestHeaders(unittest.TestCase):
    def test_normalise_header(self):
        self.assertEqual(tabular.normalise_header(" Int_Counter 2 "), "intcounter2")
        self.assertEqual(tabular.normalise_header("Device-Id"), "deviceid")
        self.assertEqual(tabular.normalise_header("src_ip"), "srcip")
        self.assertEqual(tabular.normalise_header(None), "")

    def test_feed_and_api_names_give_the_same_fields(self):
        api = [
            "device",
            "egroup",
            "eid",
            "dtu",
            "dt",
            "src_ip",
            "ref",
            "int_counter",
            "int_counter2",
            "int_counter3",
            "int_counter4",
            "int_counter5",
            "temperature",
            "data",
        ]
        feed = [tabular.COLUMN_ALIASES[tabular.normalise_header(name)] for name in FEED_HEADER]
        self.assertEqual(feed, api)
        self.assertEqual([tabular.COLUMN_ALIASES[tabular.normalise_header(n)] for n in api], api)


class TestXlsx(unittest.TestCase):
    def test_reads_feed_columns_in_any_order_with_raw_values(self):
        dtu = datetime.datetime(2024, 5, 1, 10, 30)
        content = xlsx(
            [
                [
                    "IntCounter2",
                    "Comment",
                    "DeviceId",
                    "Dtu",
                    "eGroup",
                    "Temperature",
                    "EventDataJ",
                ],
                [7, "hello", "IOT_1", dtu, "SMS-MO", 21.5, '{"a": 1}'],
                [None, None, "IOT_2", None, "DATA", None, None],
            ]
        )
        table, rows = read(content, "usage.xlsx")
        self.assertEqual(
            table.columns,
            ["IntCounter2", "Comment", "DeviceId", "Dtu", "eGroup", "Temperature", "EventDataJ"],
        )
        self.assertEqual(
            table.mapping,
            {0: "int_counter2", 2: "device", 3: "dtu", 4: "egroup", 5: "temperature", 6: "data"},
        )
        self.assertEqual(table.unknown_columns, ["Comment"])
        self.assertEqual(
            rows,
            [
                (
                    2,
                    {
                        "int_counter2": 7,
                        "device": "IOT_1",
                        "dtu": dtu,
                        "egroup": "SMS-MO",
                        "temperature": 21.5,
                        "data": '{"a": 1}',
                    },
                ),
                (3, {"device": "IOT_2", "egroup": "DATA"}),
            ],
        )

    def test_api_names(self):
        table, rows = read(
            xlsx([["int_counter", "device", "src_ip"], [3, "A", "10.0.0.1"]]), "a.XLSX"
        )
        self.assertEqual(table.mapping, {0: "int_counter", 1: "device", 2: "src_ip"})
        self.assertEqual(rows, [(2, {"int_counter": 3, "device": "A", "src_ip": "10.0.0.1"})])

    def test_empty_rows_are_skipped_and_numbers_are_the_sheets(self):
        content = xlsx(
            [
                [None],
                ["DeviceId", "IntCounter", "Note"],
                ["A", 1],
                [None, None],
                [None, None, "only a note"],
                ["  ", None],
                ["B", 2],
            ]
        )
        table, rows = read(content, "a.xlsx")
        self.assertEqual(
            rows, [(3, {"device": "A", "int_counter": 1}), (7, {"device": "B", "int_counter": 2})]
        )

    def test_sheet_without_dimension(self):
        content = write_only_xlsx([["eId", "DeviceId"]] + [["T", f"D{i}"] for i in range(3)])
        self.assertNotIn(
            b"<dimension", zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
        )
        _table, rows = read(content, "a.xlsx")
        self.assertEqual([number for number, _values in rows], [2, 3, 4])
        self.assertEqual(rows[-1][1], {"eid": "T", "device": "D2"})

    def test_cell_types_decode_as_openpyxl_does(self):
        # A date cell in the template gives the workbook a date style, s="1".
        template = xlsx([["x"], [datetime.datetime(2024, 5, 1, 12)]])
        self.assertIn(
            b's="1"', zipfile.ZipFile(io.BytesIO(template)).read("xl/worksheets/sheet1.xml")
        )
        sheet = (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>IOT 1</t></is></c><c r="B2"><v>42</v></c>'
            '<c r="C2"><v>2.5</v></c><c r="D2"><v>1E3</v></c><c r="E2" t="b"><v>1</v></c>'
            '<c r="F2" t="str"><f>A1</f><v>abc</v></c><c r="G2" t="e"><v>#N/A</v></c>'
            '<c r="H2" t="d"><v>2024-05-01T10:00:00</v></c><c r="I2" s="1"><v>45413.5</v></c>'
            '<c r="J2"><v/></c></row>'
            '<row r="4"><c r="A4" t="inlineStr"><is><r><t>Ri</t></r><r><rPr><b/></rPr>'
            '<t>ch</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c><c r="D4"><v>-7</v></c></row>'
            '<row><c t="s"><v>2</v></c><c><v>5</v></c></row>'
            "</sheetData></worksheet>"
        ).encode()
        content = replace_sheet(io.BytesIO(template), sheet, ["DeviceId", "hello", "shared"])
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        ours = list(tabular._sheet_rows(workbook, workbook.worksheets[0]))
        reference = []
        for number, cells in tabular._iter_rows(workbook.worksheets[0]):
            cells = list(cells)
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                reference.append((number, cells))
        workbook.close()
        self.assertEqual(ours, reference)
        self.assertEqual(
            ours,
            [
                (1, ["DeviceId", "hello"]),
                (
                    2,
                    [
                        "IOT 1",
                        42,
                        2.5,
                        1000.0,
                        True,
                        "abc",
                        "#N/A",
                        datetime.datetime(2024, 5, 1, 10),
                        datetime.datetime(2024, 5, 1, 12),
                    ],
                ),
                (4, ["Rich", None, None, -7]),
                (5, ["shared", 5]),
            ],
        )
        table, rows = read(content, "a.xlsx")
        self.assertEqual(table.mapping, {0: "device"})
        self.assertEqual(table.unknown_columns, ["hello"])
        self.assertEqual(
            rows, [(2, {"device": "IOT 1"}), (4, {"device": "Rich"}), (5, {"device": "shared"})]
        )

    def test_a_corrupt_cell_is_reported_with_its_row(self):
        sheet = (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>DeviceId</t></is></c></row>'
            '<row r="2"><c r="A2"><v>1</v></c></row>'
            '<row r="3"><c r="A3" t="s"><v>99</v></c></row>'
            "</sheetData></worksheet>"
        ).encode()
        table = tabular.open_table(
            io.BytesIO(replace_sheet(io.BytesIO(xlsx([["x"]])), sheet)), "a.xlsx"
        )
        rows = table.rows()
        self.assertEqual(next(rows), (2, {"device": 1}))
        with self.assertRaises(tabular.TabularError) as caught:
            next(rows)
        self.assertIn("row 3", str(caught.exception))

    def test_stopping_early_closes_the_workbook(self):
        table = tabular.open_table(io.BytesIO(xlsx([["DeviceId"], ["A"], ["B"]])), "a.xlsx")
        with table:
            self.assertEqual(next(table.rows()), (2, {"device": "A"}))
        with self.assertRaises(RuntimeError):
            next(table.rows())

    def test_not_a_workbook(self):
        for content, filename, fragment in (
            (b"DeviceId,eId\nA,B\n", "usage.xlsx", "not an Excel workbook"),
            (b"%PDF-1.4 ...", "usage.pdf", "not a spreadsheet"),
            (xlsx([["DeviceId"]]), "usage.xls", "not a spreadsheet"),
            (b"DeviceId\n", "usage", "not a spreadsheet"),
            (b"PK\x03\x04 not really a zip", "usage.xlsx", "not an Excel workbook"),
            (self._zip_without_workbook(), "usage.xlsx", "cannot be read as an Excel workbook"),
            (b"", "usage.xlsx", "is empty"),
            (xlsx([]), "usage.xlsx", "is empty"),
        ):
            with self.subTest(filename=filename, content=content[:20]):
                with self.assertRaises(tabular.TabularError) as caught:
                    tabular.open_table(io.BytesIO(content), filename)
                self.assertIn(fragment, str(caught.exception))

    @staticmethod
    def _zip_without_workbook():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hello")
        return buffer.getvalue()

    def test_header_errors(self):
        for rows, fragment in (
            ([["eId", "IntCounter"], ["T", 1]], "missing column DeviceId"),
            ([["IOT_1", "T", 4]], "No header row"),
            ([["DeviceId", "eId", "device"]], "Duplicate column device"),
            ([["Int Counter", "int_counter", "DeviceId"]], "Duplicate column int_counter"),
        ):
            with self.subTest(rows=rows), self.assertRaises(tabular.TabularError) as caught:
                tabular.open_table(io.BytesIO(xlsx(rows)), "a.xlsx")
            self.assertIn(fragment, str(caught.exception))


class TestCsv(unittest.TestCase):
    def test_comma_and_any_order(self):
        content = b'eId,DeviceId,Foo,IntCounter2,EventDataJ\nType-1,IOT_1,x,5,"{""a"": 1}"\n'
        table, rows = read(content, "usage.csv")
        self.assertEqual(table.columns, ["eId", "DeviceId", "Foo", "IntCounter2", "EventDataJ"])
        self.assertEqual(table.unknown_columns, ["Foo"])
        self.assertEqual(
            rows,
            [(2, {"eid": "Type-1", "device": "IOT_1", "int_counter2": "5", "data": '{"a": 1}'})],
        )

    def test_semicolon_tab_and_excel_sep_line(self):
        for content in (
            b"DeviceId;Temperature\r\nA;21,5\r\n",
            b"DeviceId\tTemperature\nA\t21,5\n",
            b"sep=;\nDeviceId;Temperature\nA;21,5\n",
        ):
            with self.subTest(content=content):
                _table, rows = read(content, "a.csv")
                self.assertEqual(rows[0][1], {"device": "A", "temperature": "21,5"})
        self.assertEqual(read(b"sep=;\nDeviceId;Temperature\nA;21,5\n", "a.csv")[1][0][0], 3)

    def test_single_column(self):
        self.assertEqual(read(b"DeviceId\nA\n", "a.csv")[1], [(2, {"device": "A"})])

    def test_encodings(self):
        text = "DeviceId;eId\nCapteur-é;Zürich\n"
        for content in (
            text.encode("utf-8"),
            b"\xef\xbb\xbf" + text.encode("utf-8"),
            text.encode("latin-1"),
            text.encode("utf-16"),
        ):
            with self.subTest(content=content[:12]):
                table, rows = read(content, "a.csv")
                self.assertEqual(table.columns, ["DeviceId", "eId"])
                self.assertEqual(rows, [(2, {"device": "Capteur-é", "eid": "Zürich"})])

    def test_latin1_after_a_utf8_start_is_still_read(self):
        content = b"DeviceId;eId\n" + b"A;x\n" * 30000 + "B;Zürich\n".encode("latin-1")
        rows = read(content, "a.csv")[1]
        self.assertEqual(rows[-1], (30002, {"device": "B", "eid": "Zürich"}))

    def test_empty_rows_are_skipped_and_numbers_count_them(self):
        content = b"\nDeviceId,IntCounter\nA,1\n\n,\n , \nB,2\n"
        self.assertEqual(
            read(content, "a.csv")[1],
            [(3, {"device": "A", "int_counter": "1"}), (7, {"device": "B", "int_counter": "2"})],
        )

    def test_quoted_newlines_stay_in_one_row(self):
        content = b'DeviceId,EventDataJ\nA,"{\n}"\nB,\n'
        self.assertEqual(
            read(content, "a.csv")[1], [(2, {"device": "A", "data": "{\n}"}), (3, {"device": "B"})]
        )

    def test_errors(self):
        for content, filename, fragment in (
            (b"", "a.csv", "is empty"),
            (b"\n\n  \n", "a.csv", "is empty"),
            (b"\xef\xbb\xbf", "a.csv", "is empty"),
            (b",,,\n,,\n", "a.csv", "is empty"),
            (b"eId,IntCounter\nT,1\n", "a.csv", "missing column DeviceId"),
            (b"IOT_1,T,4\n", "a.csv", "No header row"),
            (b"DeviceId,device\n", "a.csv", "Duplicate column device"),
            (xlsx([["DeviceId"], ["A"]]), "a.csv", "not a CSV text file"),
            (b"%PDF-1.4\x00\x01binary", "a.csv", "not a CSV text file"),
            (b"DeviceId,eId\nA,B\n", "a.pdf", "not a spreadsheet"),
        ):
            with self.subTest(content=content[:20], filename=filename):
                with self.assertRaises(tabular.TabularError) as caught:
                    tabular.open_table(io.BytesIO(content), filename)
                self.assertIn(fragment, str(caught.exception))

    def test_a_huge_field_is_reported_with_its_row(self):
        content = b"DeviceId,EventDataJ\nA,1\nB," + b"x" * 200_000 + b"\n"
        table = tabular.open_table(io.BytesIO(content), "a.csv")
        rows = table.rows()
        self.assertEqual(next(rows)[0], 2)
        with self.assertRaises(tabular.TabularError) as caught:
            next(rows)
        self.assertIn("row 3", str(caught.exception))

    def test_the_callers_file_stays_open(self):
        fileobj = io.BytesIO(b"DeviceId\nA\n")
        table = tabular.open_table(fileobj, "a.csv")
        list(table.rows())
        self.assertFalse(fileobj.closed)

    def test_non_seekable_upload(self):
        class Stream(io.RawIOBase):
            def __init__(self, content):
                self._content = io.BytesIO(content)

            def readable(self):
                return True

            def readinto(self, buffer):
                data = self._content.read(len(buffer))
                buffer[: len(data)] = data
                return len(data)

        for content, filename in (
            (b"DeviceId\nA\n", "a.csv"),
            (xlsx([["DeviceId"], ["A"]]), "a.xlsx"),
        ):
            with self.subTest(filename=filename):
                table = tabular.open_table(io.BufferedReader(Stream(content)), filename)
                self.assertEqual(list(table.rows()), [(2, {"device": "A"})])


class TestStreaming(unittest.TestCase):
    """Uploads are read in constant memory: 10x the rows must not mean 10x the memory."""

    SMALL, LARGE = 5_000, 50_000

    @staticmethod
    def peak(content, filename):
        """Rows read and peak memory allocated while opening and reading the file."""
        fileobj = io.BytesIO(content)
        tracemalloc.start()
        try:
            table = tabular.open_table(fileobj, filename)
            count = sum(1 for _row in table.rows())
            return count, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def check(self, make, filename):
        small_count, small_peak = self.peak(make(self.SMALL), filename)
        large_count, large_peak = self.peak(make(self.LARGE), filename)
        self.assertEqual((small_count, large_count), (self.SMALL, self.LARGE))
        self.assertLess(large_peak, 2 * small_peak, (small_peak, large_peak))
        return small_peak, large_peak

    def test_csv(self):
        def make(count):
            start = datetime.datetime(2024, 1, 1)
            lines = [",".join(FEED_HEADER)]
            for i in range(count):
                when = (start + datetime.timedelta(seconds=i)).isoformat()
                lines.append(
                    f"IOT_{i:06d},DATA,Type-1,{when},{when},10.0.0.1,R{i},{i},{i * 2},0,0,0,"
                    f'{i % 40}.5,"{{""seq"": {i}}}"'
                )
            return ("\n".join(lines) + "\n").encode()

        self.check(make, "usage.csv")

    def test_xlsx(self):
        def make(count):
            rows = [[f"IOT_{i % 100}", i, (i % 40) + 0.5] for i in range(count)]
            return large_xlsx(["DeviceId", "IntCounter", "Temperature"], rows)

        self.check(make, "usage.xlsx")
