"""The plain-Python payload rules, without a database."""

import datetime
import unittest

from hypothesis import (
    given,
    strategies as st,
)

from odoo.addons.iot_fleet.core import payload


class TestPayload(unittest.TestCase):
    def test_identifier_accepts_feed_identifiers(self):
        self.assertEqual(payload.identifier("  IOT_NS542 "), "IOT_NS542")
        self.assertEqual(payload.identifier("89:33-01.a"), "89:33-01.a")

    def test_identifier_refuses_bad_values(self):
        for bad in (None, "", "   ", 12, "-leading", "a b", "x" * 65, "a/b", "é"):
            with self.subTest(bad=bad), self.assertRaises(payload.PayloadError) as caught:
                payload.identifier(bad)
            self.assertEqual(caught.exception.field, "identifier")

    @given(st.text(min_size=1, max_size=80))
    def test_identifier_is_clean_or_refused(self, text):
        try:
            value = payload.identifier(text)
        except payload.PayloadError:
            return
        self.assertRegex(value, payload.IDENTIFIER_RE)
        self.assertEqual(value, value.strip())

    def test_parse_device_lists_every_problem(self):
        values, problems = payload.parse_device(
            {"identifier": "A1", "serial": 5, "colour": "red", "tags": "x"}
        )
        self.assertEqual(
            sorted(problem["field"] for problem in problems), ["colour", "serial", "tags"]
        )
        self.assertEqual(values["identifier"], "A1")

    def test_parse_device_requires_identifier_and_object(self):
        self.assertEqual(payload.parse_device({"name": "x"})[1][0]["field"], "identifier")
        self.assertEqual(payload.parse_device(["x"])[1][0]["field"], None)

    def test_customer_reference(self):
        self.assertEqual(payload.partner_reference("customer", 7), 7)
        self.assertEqual(payload.partner_reference("customer", " FC-1 "), "FC-1")
        for bad in (True, -1, 0, 1.5, [1]):
            with self.subTest(bad=bad), self.assertRaises(payload.PayloadError):
                payload.partner_reference("customer", bad)

    def test_split_device_request(self):
        self.assertEqual(
            payload.split_device_request({"identifier": "a"}), ([{"identifier": "a"}], False)
        )
        self.assertEqual(payload.split_device_request([{}, {}])[1], True)
        self.assertEqual(payload.split_device_request({"devices": [{}]}), ([{}], True))
        for bad in ("x", 3, None, {"devices": "x"}):
            with self.subTest(bad=bad), self.assertRaises(payload.PayloadError):
                payload.split_device_request(bad)

    def test_parse_activation(self):
        values = payload.parse_activation({"customer": "FC-1"})
        self.assertEqual(values, {"customer": "FC-1"})
        values = payload.parse_activation({"customer": 3, "date_start": "2026-04-14"})
        self.assertEqual(values["date_start"], datetime.date(2026, 4, 14))
        # Addons declare their own fields: billing's plan is refused by the fleet alone.
        with_plan = dict(payload.ACTIVATION_FIELDS, plan=lambda v: payload.plain_object("plan", v))
        values = payload.parse_activation({"customer": 3, "plan": {"product": "P"}}, with_plan)
        self.assertEqual(values["plan"], {"product": "P"})
        for bad, field in (
            ({}, "customer"),
            ({"customer": 3, "date_start": "14/04/2026"}, "date_start"),
            ({"customer": 3, "plan": {"product": "P"}}, "plan"),
            ({"customer": 3, "colour": 1}, "colour"),
            ({"customer": 3, "reason": "a\x00b"}, "reason"),
            ({"customer": "FC\ud800"}, "customer"),
            ({"customer": 3, "bad\x00key": 1}, "bad?key"),
        ):
            with self.subTest(bad=bad), self.assertRaises(payload.PayloadError) as caught:
                payload.parse_activation(bad)
            self.assertEqual(caught.exception.field, field)

    def test_hostile_device_values(self):
        """NUL, lone surrogates, NaN and deep nesting are refused with their field."""
        deep = {}
        node = deep
        for _level in range(20):
            node["x"] = {}
            node = node["x"]
        for item, field in (
            ({"identifier": "A1", "name": "a\x00b"}, "name"),
            ({"identifier": "A1", "serial": "\ud800"}, "serial"),
            ({"identifier": "A1", "attributes": {"k": "a\x00"}}, "attributes"),
            ({"identifier": "A1", "attributes": {"k": float("nan")}}, "attributes"),
            ({"identifier": "A1", "attributes": {"k": float("inf")}}, "attributes"),
            ({"identifier": "A1", "attributes": deep}, "attributes"),
            ({"identifier": "A1", "activation": {"plan": {"p": "\ud800"}}}, "activation"),
            ({"identifier": "A\x00"}, "identifier"),
        ):
            with self.subTest(item=item):
                _values, problems = payload.parse_device(item)
                self.assertEqual([p["field"] for p in problems], [field])

    def test_parse_transition(self):
        self.assertEqual(
            payload.parse_transition({"transition": "suspend", "reason": "r"}),
            {"transition": "suspend", "state": None, "reason": "r"},
        )
        for bad in ({}, {"transition": "a", "state": "b"}, {"transition": 3}, []):
            with self.subTest(bad=bad), self.assertRaises(payload.PayloadError):
                payload.parse_transition(bad)
