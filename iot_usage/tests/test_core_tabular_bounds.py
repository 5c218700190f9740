"""Uploads are bounded (issue #8): a small file may not stand for a lot of work.

Plain Python, no database: each bound is passed by a file an attacker can craft, and
the file is refused with a message naming the bound, while streaming.
"""

import io
import tracemalloc
import unittest
import zipfile
from unittest.mock import patch
from xml.sax.saxutils import escape

from ..core import tabular
from .test_core_tabular import MAIN_NS, replace_sheet, xlsx

SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def shared_strings_bomb(inflated_bytes, text="x"):
    """A workbook of two cells whose shared strings table repeats ``text`` until it
    inflates to ``inflated_bytes``: 175 KB on disk for 70 MB of XML."""
    result = io.BytesIO()
    sheet = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx([["x"]]))) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = sheet
            elif name == "[Content_Types].xml":
                content = content.replace(b"</Types>", SHARED_STRINGS_TYPE)
            target.writestr(name, content)
        chunk = f"<si><t>{escape(text)}</t></si>".encode() * 10_000
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{MAIN_NS}"><si><t>DeviceId</t></si>'.encode())
            for _ in range(inflated_bytes // len(chunk)):
                part.write(chunk)
            part.write(b"</sst>")
    return result.getvalue()


def with_part(content, name, data):
    """``content`` (an .xlsx) with one more part."""
    result = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.namelist():
            target.writestr(member, source.read(member))
        target.writestr(name, data)
    return result.getvalue()


def inline_sheet(rows):
    cells = "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{column}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
            for column, value in zip("ABCDEFGH", row, strict=False)
        )
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{cells}</sheetData></worksheet>'.encode()


def refused(content, filename):
    """The TabularError that opening and reading ``content`` ends in."""
    with unittest.TestCase().assertRaises(tabular.TabularError) as caught:
        table = tabular.open_table(io.BytesIO(content), filename)
        for _row in table.rows():
            pass
    return str(caught.exception)


class TestWorkbookBounds(unittest.TestCase):
    def test_shared_strings_bomb_is_refused_at_once(self):
        """175 KB of repeated shared strings once took 73 s and 390 MB: refused now
        before its table is parsed (bounded by what its sheets can use)."""
        content = shared_strings_bomb(70 * 1024 * 1024)
        self.assertLess(len(content), 400_000)
        tracemalloc.start()
        try:
            message = refused(content, "bomb.xlsx")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertIn("bomb.xlsx", message)
        self.assertIn("shares more than", message)
        self.assertLess(peak, 20 * 1024 * 1024, "no table of millions of strings")

    def test_shared_strings_are_bounded_in_number_and_characters(self):
        strings = [f"IOT_{n}" for n in range(50)]
        sheet = (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
            + "".join(
                f'<row r="{n + 1}"><c r="A{n + 1}" t="s"><v>{n}</v></c></row>' for n in range(50)
            )
            + "</sheetData></worksheet>"
        ).encode()
        content = replace_sheet(io.BytesIO(xlsx([["x"]])), sheet, ["DeviceId", *strings])
        table = tabular.open_table(io.BytesIO(content), "ok.xlsx")
        self.assertEqual(len(list(table.rows())), 49)
        with patch.object(tabular, "MAX_SHARED_STRINGS", 10):
            self.assertIn("shares more than 10 strings", refused(content, "a.xlsx"))
        with patch.object(tabular, "MAX_SHARED_STRING_CHARS", 100):
            self.assertIn("more than 100 characters", refused(content, "a.xlsx"))

    def test_a_huge_shared_string_is_refused(self):
        sheet = inline_sheet([["DeviceId"]])
        content = replace_sheet(io.BytesIO(xlsx([["x"]])), sheet, ["x" * 20_000])
        self.assertIn("holds 20,000 characters", refused(content, "a.xlsx"))

    def test_a_huge_cell_is_refused_with_its_row(self):
        """A 20 MB cell was stored whole in the quarantine."""
        sheet = inline_sheet([["DeviceId", "EventRef"], ["IOT_1", "r1"], ["IOT_2", "x" * 20_000]])
        content = replace_sheet(io.BytesIO(xlsx([["x"]])), sheet)
        table = tabular.open_table(io.BytesIO(content), "big.xlsx")
        rows = table.rows()
        self.assertEqual(next(rows), (2, {"device": "IOT_1", "ref": "r1"}))
        with self.assertRaises(tabular.TabularError) as caught:
            next(rows)
        self.assertIn("row 3", str(caught.exception))
        self.assertIn("cell B3 holds 20,000 characters", str(caught.exception))

    def test_cells_are_bounded(self):
        content = xlsx([["DeviceId", "IntCounter"], *[[f"IOT_{n}", n] for n in range(20)]])
        with patch.object(tabular, "MAX_CELLS", 10):
            self.assertIn("more than 10 cells", refused(content, "a.xlsx"))

    def test_inflated_size_and_parts_are_checked_from_the_directory(self):
        content = xlsx([["DeviceId"], ["IOT_1"]])
        with patch.object(tabular, "MAX_UNCOMPRESSED_BYTES", 1000):
            message = refused(content, "a.xlsx")
        self.assertIn("inflates to", message)
        padded = with_part(content, "docProps/custom.xml", b"<a/>" * 3_000_000)
        self.assertIn("docProps/custom.xml", refused(padded, "a.xlsx"))
        with patch.object(tabular, "MAX_MEMBERS", 5):
            self.assertIn("parts", refused(content, "a.xlsx"))

    def test_check_file_reads_the_directory_only(self):
        broken_sheet = replace_sheet(io.BytesIO(xlsx([["x"]])), b"<worksheet><oops")
        inflated = tabular.check_file(io.BytesIO(broken_sheet), "a.xlsx")
        self.assertGreater(inflated, 0)
        self.assertIsNone(tabular.check_file(io.BytesIO(b"DeviceId\nA\n"), "a.csv"))
        for content, filename in (
            (b"not a zip", "a.xlsx"),
            (b"%PDF\x00\x01", "a.csv"),
            (b"", "a.csv"),
            (b"DeviceId", "a.pdf"),
        ):
            with self.subTest(filename=filename), self.assertRaises(tabular.TabularError):
                tabular.check_file(io.BytesIO(content), filename)
        with (
            patch.object(tabular, "MAX_UNCOMPRESSED_BYTES", 1000),
            self.assertRaises(tabular.TabularError) as caught,
        ):
            tabular.check_file(io.BytesIO(broken_sheet), "a.xlsx")
        self.assertIn("inflates to", str(caught.exception))


class TestCsvBounds(unittest.TestCase):
    def test_a_line_without_end(self):
        content = b"DeviceId,EventRef\nA,r\nB," + b"x" * 300_000
        message = refused(content, "a.csv")
        self.assertIn("row 3", message)
        self.assertIn("longer than 262,144 characters", message)

    def test_a_quote_left_open(self):
        content = b'DeviceId,EventRef\nA,"open\n' + b"x\n" * 1000
        message = refused(content, "a.csv")
        self.assertIn("row 2", message)
        self.assertIn("more than 100 lines", message)

    def test_a_long_cell(self):
        content = b"DeviceId,EventDataJ\nA,1\nB," + b"x" * 20_000 + b"\nC,2\n"
        self.assertIn("row 3: a cell holds 20,000 characters", refused(content, "a.csv"))

    def test_long_records_within_the_bounds_are_read(self):
        data = '"{""note"": ""' + "y" * 16_000 + '""}"'
        content = f"DeviceId,EventDataJ\nA,{data}\nB,\n".encode()
        table = tabular.open_table(io.BytesIO(content), "a.csv")
        rows = list(table.rows())
        self.assertEqual([number for number, _row in rows], [2, 3])
        self.assertEqual(len(rows[0][1]["data"]), 16_012)


class TestFileNames(unittest.TestCase):
    def test_safe_filename(self):
        self.assertEqual(tabular.safe_filename("../../etc/a\x00b.csv"), ".._.._etc_a_b.csv")
        self.assertEqual(tabular.safe_filename("a\ud800.xlsx"), "a_.xlsx")
        self.assertEqual(tabular.safe_filename(""), "upload")
        long_name = tabular.safe_filename("x" * 5000 + ".xlsx")
        self.assertEqual((len(long_name), long_name[-5:]), (128, ".xlsx"))
