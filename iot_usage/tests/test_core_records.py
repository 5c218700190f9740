"""Validation of usage records at the edge (issue #8), in plain Python.

Every value below once ended a whole batch in a traceback (the database refuses a
NUL, a lone surrogate, NaN in jsonb; a date shifted out of datetime's range
overflows): now only its record is rejected, with its reason.
"""

import datetime
import json
import unittest

from ..core import records

NOW = datetime.datetime(2026, 11, 29, 12, 0, 0)
MAX_AGE = datetime.timedelta(days=400)
GOOD = {"device": "IOT_1", "egroup": "WM", "eid": "Type-1", "int_counter": 1}


def problem(raw, lenient=False):
    row, problems = records.parse_record(raw, NOW, lenient=lenient, max_age=MAX_AGE)
    return None if row else (problems[0].field, problems[0].code)


class TestHostileValues(unittest.TestCase):
    def test_each_bad_value_names_its_field(self):
        deep = json.loads('{"a": ' * 50 + "{}" + "}" * 50)
        # (change, lenient: as files give it, expected problem)
        for change, lenient, expected in (
            ({"ref": "a\x00b"}, False, ("ref", "invalid")),
            ({"ref": "a\tb"}, False, ("ref", "invalid")),
            ({"ref": "a\ud800b"}, False, ("ref", "invalid")),
            ({"device": "IOT\x00_1"}, False, ("device", "invalid")),
            ({"egroup": "W\ud83dM"}, False, ("egroup", "invalid")),
            ({"eid": "Type-1\n"}, False, ("eid", "invalid")),
            ({"data": {"note": "a\x00b"}}, False, ("data", "invalid")),
            ({"data": {"note\ud800": 1}}, False, ("data", "invalid")),
            ({"data": {"v": float("nan")}}, False, ("data", "invalid")),
            ({"data": {"v": float("inf")}}, False, ("data", "invalid")),
            ({"data": deep}, False, ("data", "invalid")),
            ({"temperature": float("nan")}, False, ("temperature", "out_of_range")),
            ({"temperature": float("-inf")}, False, ("temperature", "out_of_range")),
            ({"dtu": "0001-01-01T00:00:00+01:00"}, False, ("dtu", "out_of_range")),
            ({"dtu": "9999-12-31T23:59:59-01:00"}, False, ("dtu", "out_of_range")),
            ({"dtu": "9999-12-31"}, False, ("dtu", "out_of_range")),
            ({"dt": "9999-12-31"}, False, ("dt", "out_of_range")),
            ({"dt": "0001-01-01"}, False, ("dt", "out_of_range")),
            ({"dtu": "2025-10-01T00:00:00Z"}, False, ("dtu", "too_old")),
            ({"dtu": "2026-12-01T00:00:00Z"}, False, ("dtu", "future")),
            ({"src_ip": "fe80::1%\x00"}, False, ("src_ip", "invalid")),
            ({"src\x00": 1}, False, ("src?", "unknown_field")),
            ({"data": "[" * 100_000}, True, ("data", "too_large")),
            ({"data": "[" * 10_000}, True, ("data", "invalid_type")),
            ({"data": '{"v": NaN}'}, True, ("data", "invalid_type")),
            ({"data": '{"v": "\\u0000"}'}, True, ("data", "invalid")),
            ({"temperature": "nan"}, True, ("temperature", "out_of_range")),
            ({"temperature": "inf"}, True, ("temperature", "out_of_range")),
            ({"ref": float("inf")}, True, ("ref", "invalid")),
        ):
            with self.subTest(change=repr(change)[:60]):
                self.assertEqual(problem(dict(GOOD, **change), lenient), expected)

    def test_good_values_pass(self):
        for change in (
            {"dtu": "2026-01-01T00:00:00+14:00"},
            {"dtu": NOW.isoformat(), "dt": "1970-01-01T00:00:00"},
            {"src_ip": "fe80::1%eth0", "ref": " spaced ref "},
            {"data": {"note": "line 1\nline 2\t\\ end"}},
        ):
            with self.subTest(change=change):
                self.assertIsNone(problem(dict(GOOD, **change)))
        row, _problems = records.parse_record(dict(GOOD, ref=" r "), NOW)
        self.assertEqual(row["event_ref"], "r")

    def test_the_window_is_the_callers(self):
        raw = dict(GOOD, dtu="2020-01-01T00:00:00Z")
        self.assertEqual(problem(raw), ("dtu", "too_old"))
        self.assertEqual(records.parse_record(raw, NOW)[1], [])

    def test_reasons_quote_little(self):
        row, problems = records.parse_record(dict(GOOD, egroup="9" + "x" * 10_000), NOW)
        self.assertLess(len(problems[0].message), 120)
        row, problems = records.parse_record({**GOOD, **{f"k{n}": 1 for n in range(100_000)}}, NOW)
        self.assertEqual(len(problems), 10)

    def test_request_reference(self):
        for value, ok in (
            (None, True),
            ("req-1", True),
            ("r" * 128, True),
            ("r" * 129, False),
            ("a\x00b", False),
            ("a\x7fb", False),
            ("a\x01b", False),
            (12, False),
        ):
            with self.subTest(value=repr(value)[:20]):
                self.assertEqual(records.request_ref_problem(value) is None, ok)


class TestStoredPayload(unittest.TestCase):
    def test_what_the_database_refuses_is_replaced_and_cut(self):
        deep = []
        level = deep
        for _ in range(10_000):
            level.append([])
            level = level[0]
        raw = {
            "device": "IOT\x00_1",
            "ref": "x" * 20_000_000,
            "key\ud800": "value\udfff",
            "nan": float("nan"),
            "huge": 10**400,
            "deep": deep,
            "many": list(range(100_000)),
        }
        payload = records.storable_payload(raw)
        text = json.dumps(payload)
        self.assertLess(len(text), records.MAX_STORED_CHARS + 20_000)
        self.assertEqual(payload["device"], "IOT\ufffd_1")
        self.assertEqual(payload["key\ufffd"], "value\ufffd")
        self.assertEqual(payload["nan"], "nan")
        self.assertTrue(payload["ref"].endswith("..."))
        self.assertEqual(len(payload["ref"]), records.MAX_STORED_STRING + 3)
        self.assertNotIn("\\u0000", text)
        text.encode("utf-8")  # no lone surrogate left

    def test_a_fair_record_is_kept_as_sent(self):
        raw = dict(GOOD, data={"a": [1, 2, {"b": "c"}]}, temperature=21.5)
        self.assertEqual(records.storable_payload(raw), raw)
        self.assertEqual(records.storable_payload("text"), "text")

    def test_fingerprint(self):
        first = records.fingerprint(1, {"a": 1, "b": [1, 2]}, "unknown_device")
        self.assertEqual(first, records.fingerprint(1, {"b": [1, 2], "a": 1}, "unknown_device"))
        self.assertNotEqual(first, records.fingerprint(2, {"a": 1, "b": [1, 2]}, "unknown_device"))
        self.assertNotEqual(first, records.fingerprint(1, {"a": 1, "b": [1, 2]}, "invalid"))
        self.assertNotEqual(first, records.fingerprint(1, {"a": 2, "b": [1, 2]}, "unknown_device"))
