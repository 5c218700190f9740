"""Unit conversion and mediation rules, in plain Python (no database)."""

import datetime
import math
import unittest

from hypothesis import (
    given,
    strategies as st,
)

from ..core import mediation, units

Rule = mediation.Rule


def record(**values):
    """A row as the API builds it: every key present, None when not sent."""
    row = dict.fromkeys(mediation.ROW_FIELDS)
    row.update(values)
    return row


class TestUnits(unittest.TestCase):
    def test_information_in_both_bases(self):
        self.assertEqual(units.convert(1, "GB", "MB"), 1024.0)
        self.assertEqual(units.convert(1, "GB", "MB", base=1000), 1000.0)
        self.assertEqual(units.convert(3 * 1024**2, "B", "MB"), 3.0)
        self.assertEqual(units.convert(1500, "B", "KB", base=1000), 1.5)
        self.assertEqual(units.convert(2, "TB", "GB"), 2048.0)

    def test_time_energy_volume(self):
        self.assertEqual(units.convert(90, "s", "min"), 1.5)
        self.assertEqual(units.convert(2, "h", "s"), 7200.0)
        self.assertEqual(units.convert(1500, "Wh", "kWh"), 1.5)
        self.assertEqual(units.convert(2, "MWh", "kWh"), 2000.0)
        self.assertEqual(units.convert(2500, "L", "m3"), 2.5)

    def test_names_are_case_insensitive_with_aliases(self):
        self.assertEqual(units.convert(2048, "bytes", "kb"), 2.0)
        self.assertEqual(units.convert(2048, "Byte", "KB"), 2.0)
        self.assertEqual(units.convert(2048, "b", "Kb"), 2.0)
        self.assertEqual(units.convert(120, "seconds", "minutes"), 2.0)
        self.assertEqual(units.convert(120, "sec", "MIN"), 2.0)
        self.assertEqual(units.convert(1, "KWH", "wh"), 1000.0)
        self.assertEqual(units.canonical(" Litres "), "L")
        self.assertEqual(units.family("kwh"), "energy")

    def test_same_unit_is_identity(self):
        self.assertEqual(units.convert(7, "MB", "mb"), 7.0)
        self.assertIsInstance(units.convert(7, "MB", "MB"), float)

    def test_refuses_unknown_units_families_and_bases(self):
        for source, target in (("B", "parsec"), ("furlong", "s"), ("B", "s"), ("kWh", "L")):
            with self.subTest(source=source, target=target), self.assertRaises(ValueError):
                units.convert(1, source, target)
        with self.assertRaises(ValueError):
            units.convert(1, "KB", "B", base=1012)
        with self.assertRaises(ValueError):
            units.canonical(None)
        with self.assertRaises(TypeError):
            units.convert("12", "KB", "B")

    def test_units_list_canonical_names_per_family(self):
        self.assertEqual(units.UNITS["information"], ("B", "KB", "MB", "GB", "TB"))
        self.assertEqual(set(units.UNITS), {"information", "time", "energy", "volume"})
        self.assertIn(("kWh", "kWh"), units.SELECTION)
        for names in units.UNITS.values():
            for name in names:
                self.assertEqual(units.canonical(name), name)

    @given(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.sampled_from(sorted(units.UNITS)),
        st.data(),
    )
    def test_round_trip(self, value, family, data):
        source = data.draw(st.sampled_from(units.UNITS[family]))
        target = data.draw(st.sampled_from(units.UNITS[family]))
        base = data.draw(st.sampled_from(units.BASES))
        back = units.convert(units.convert(value, source, target, base), target, source, base)
        self.assertTrue(math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-9), (back, value))

    @given(st.integers(min_value=0, max_value=2**40), st.sampled_from(["KB", "MB", "GB", "TB"]))
    def test_binary_round_trip_is_exact(self, value, target):
        # Powers of 1024 are exact in binary floating point: nothing billed is lost.
        self.assertEqual(units.convert(units.convert(value, "B", target), target, "B"), value)


class TestMatches(unittest.TestCase):
    def test_egroup_and_eid_scope_the_rule(self):
        rule = Rule("exclude", egroup="DATA", eid="Type-1")
        self.assertTrue(mediation.matches(rule, record(egroup="DATA", eid="Type-1")))
        self.assertFalse(mediation.matches(rule, record(egroup="DATA", eid="Type-2")))
        self.assertFalse(mediation.matches(rule, record(egroup="SMS", eid="Type-1")))
        self.assertTrue(mediation.matches(Rule("exclude"), record()))

    def test_each_operator(self):
        row = record(
            device="TEST-42",
            int_counter=5,
            temperature=21.5,
            data={"kind": "mo", "n": "7", "flag": True, "nested": {"x": 3}},
        )
        cases = [
            ("int_counter", "=", "5", True),
            ("int_counter", "=", 5.0, True),
            ("int_counter", "=", "6", False),
            ("int_counter", "!=", "6", True),
            ("int_counter", "!=", "5", False),
            ("int_counter", ">", "4", True),
            ("int_counter", ">", 5, False),
            ("int_counter", ">=", "5", True),
            ("int_counter", "<", "10", True),
            ("int_counter", "<=", "4.5", False),
            ("temperature", ">", "21", True),
            ("int_counter", "in", ["4", "5"], True),
            ("int_counter", "in", [1, 2], False),
            ("int_counter", "not in", ["4", "5"], False),
            ("int_counter", "not in", ["x"], True),
            ("device", "startswith", "TEST", True),
            ("device", "startswith", "test", False),
            ("device", "set", None, True),
            ("eid", "set", None, False),
            ("eid", "not set", None, True),
            ("device", "not set", None, False),
            ("data.kind", "=", "mo", True),
            ("data.kind", "in", ["mt", "mo"], True),
            ("data.n", "=", 7, True),
            ("data.n", ">", 6, True),
            ("data.flag", "=", "true", True),
            ("data.flag", "=", True, True),
            ("data.flag", "=", 1, False),
            ("data.nested.x", ">=", "3", True),
            ("data.missing", "not set", None, True),
            ("data.missing", "=", "x", False),
            ("data.missing", "!=", "x", True),
            ("data.missing", ">", 1, False),
            ("data.kind.deeper", "set", None, False),
            ("int_counter", ">", "abc", False),
            ("device", ">", "TEST-1", True),
        ]
        for field, operator, value, expected in cases:
            rule = Rule("exclude", field=field, operator=operator, value=value)
            with self.subTest(field=field, operator=operator, value=value):
                mediation.validate_rule(rule)
                self.assertIs(mediation.matches(rule, row), expected)

    def test_empty_text_counts_as_not_set(self):
        rule = Rule("exclude", field="eid", operator="not set")
        self.assertTrue(mediation.matches(rule, record(eid="")))

    def test_date_comparisons(self):
        row = record(dtu=datetime.datetime(2024, 3, 1, 12))
        after = Rule("exclude", field="dtu", operator=">=", value="2024-03-01")
        before = Rule("exclude", field="dtu", operator="<", value="2024-03-01T12:00:00")
        self.assertTrue(mediation.matches(after, row))
        self.assertFalse(mediation.matches(before, row))

    def test_field_value_reads_row_keys_and_data_paths(self):
        row = record(eid="X", data={"a": {"b": 2}, "sims": [{"iccid": "893"}]})
        self.assertEqual(mediation.field_value(row, "eid"), "X")
        self.assertEqual(mediation.field_value(row, "data.a.b"), 2)
        self.assertEqual(mediation.field_value(row, "data.sims.0.iccid"), "893")
        self.assertIsNone(mediation.field_value(row, "data.sims.5.iccid"))
        self.assertIsNone(mediation.field_value(row, "data.a.b.c"))
        self.assertIsNone(mediation.field_value(record(), "data.a"))
        self.assertIsNone(mediation.field_value(row, "nothing"))


class TestApplyRules(unittest.TestCase):
    def test_include_only(self):
        rules = [Rule("include_only", name="only Type-1", eid="Type-1")]
        row, reason = mediation.apply_rules(record(eid="Type-1"), rules)
        self.assertIsNone(reason)
        row, reason = mediation.apply_rules(record(eid="Type-2"), rules)
        self.assertEqual(reason, "not included by only Type-1")

    def test_exclude(self):
        rules = [
            Rule("exclude", "test devices", field="device", operator="startswith", value="TEST")
        ]
        self.assertEqual(
            mediation.apply_rules(record(device="TEST1"), rules)[1], "excluded by test devices"
        )
        self.assertIsNone(mediation.apply_rules(record(device="IOT1"), rules)[1])

    def test_reason_of_an_unnamed_rule_describes_it(self):
        rules = [Rule("exclude", egroup="PING")]
        self.assertEqual(
            mediation.apply_rules(record(egroup="PING"), rules)[1],
            "excluded by exclude egroup=PING",
        )

    def test_conditional_quantity_mapping(self):
        rules = [
            Rule("quantity", egroup="SMS-MO", params={"field": "int_counter2"}),
            Rule("quantity", egroup="DATA", params={"field": "int_counter3"}),
            Rule("quantity", egroup="GPS", params={"field": "data.fixes"}),
        ]
        sms, _ = mediation.apply_rules(
            record(egroup="SMS-MO", int_counter2=3, int_counter3=9), rules
        )
        data, _ = mediation.apply_rules(
            record(egroup="DATA", int_counter2=3, int_counter3=9), rules
        )
        gps, _ = mediation.apply_rules(record(egroup="GPS", data={"fixes": "12"}), rules)
        other, reason = mediation.apply_rules(record(egroup="VOICE", int_counter=1), rules)
        self.assertEqual((sms["quantity"], data["quantity"], gps["quantity"]), (3.0, 9.0, 12.0))
        self.assertIsNone(other["quantity"])
        self.assertIsNone(reason)

    def test_missing_or_non_numeric_value_leaves_the_quantity_unmapped(self):
        rules = [Rule("quantity", params={"field": "int_counter2"})]
        self.assertIsNone(mediation.apply_rules(record(), rules)[0]["quantity"])
        rules = [Rule("quantity", params={"field": "data.n"})]
        for data in ({"n": "n/a"}, {"n": True}, {"n": "nan"}, None):
            with self.subTest(data=data):
                self.assertIsNone(mediation.apply_rules(record(data=data), rules)[0]["quantity"])

    def test_arithmetic_sums_fields_times_factor(self):
        rules = [
            Rule(
                "arithmetic",
                egroup="DATA",
                params={"fields": ["data.upload", "data.download", "int_counter5"], "factor": 2},
            )
        ]
        row, _ = mediation.apply_rules(
            record(egroup="DATA", data={"upload": 100, "download": "50"}), rules
        )
        self.assertEqual(row["quantity"], 300.0)

    def test_arithmetic_without_fields_scales_the_quantity(self):
        rules = [
            Rule("quantity", params={"field": "int_counter"}),
            Rule("arithmetic", params={"factor": 0.5}),
        ]
        self.assertEqual(mediation.apply_rules(record(int_counter=8), rules)[0]["quantity"], 4.0)
        self.assertIsNone(mediation.apply_rules(record(), rules)[0]["quantity"])

    def test_unit_converts_a_mapped_quantity(self):
        rules = [
            Rule("quantity", params={"field": "int_counter"}),
            Rule("unit", params={"from": "bytes", "to": "MB"}),
            Rule("unit", egroup="SI", params={"from": "MB", "to": "GB", "base": 1000}),
        ]
        row, _ = mediation.apply_rules(record(int_counter=5 * 1024**2), rules)
        self.assertEqual(row["quantity"], 5.0)
        row, _ = mediation.apply_rules(record(egroup="SI", int_counter=1024**2 * 1500), rules)
        self.assertEqual(row["quantity"], 1.5)
        row, _ = mediation.apply_rules(record(), rules)
        self.assertIsNone(row["quantity"])

    def test_timezone_to_utc_across_dst(self):
        rules = [Rule("timezone", params={"tz": "Europe/Paris"})]
        cases = [
            (datetime.datetime(2024, 1, 15, 12, 0), datetime.datetime(2024, 1, 15, 11, 0)),
            (datetime.datetime(2024, 7, 15, 12, 0), datetime.datetime(2024, 7, 15, 10, 0)),
            # the last minute of winter time and the first of summer time
            (datetime.datetime(2024, 3, 31, 1, 59), datetime.datetime(2024, 3, 31, 0, 59)),
            (datetime.datetime(2024, 3, 31, 3, 0), datetime.datetime(2024, 3, 31, 1, 0)),
            # the repeated hour in October: the first occurrence (summer time)
            (datetime.datetime(2024, 10, 27, 2, 30), datetime.datetime(2024, 10, 27, 0, 30)),
            (datetime.datetime(2024, 10, 27, 3, 30), datetime.datetime(2024, 10, 27, 2, 30)),
        ]
        for local, utc in cases:
            with self.subTest(local=local):
                row, _ = mediation.apply_rules(record(dt_device=local, dtu=None), rules)
                self.assertEqual(row["dtu"], utc)
                self.assertIsNone(row["dtu"].tzinfo)
                self.assertEqual(row["dt_device"], local)

    def test_timezone_uses_the_device_zone_when_the_rule_names_none(self):
        rules = [Rule("timezone")]
        local = datetime.datetime(2024, 7, 1, 12)
        row, _ = mediation.apply_rules(record(dt_device=local), rules, "America/New_York")
        self.assertEqual(row["dtu"], datetime.datetime(2024, 7, 1, 16))
        # an explicit zone wins over the device's
        rules = [Rule("timezone", params={"tz": "Asia/Tokyo"})]
        row, _ = mediation.apply_rules(record(dt_device=local), rules, "America/New_York")
        self.assertEqual(row["dtu"], datetime.datetime(2024, 7, 1, 3))

    def test_timezone_leaves_the_row_alone_without_a_usable_zone_or_time(self):
        dtu = datetime.datetime(2024, 1, 1)
        rules = [Rule("timezone")]
        for device_tz in (None, "", "Mars/Olympus", "../etc/passwd"):
            with self.subTest(device_tz=device_tz):
                row, reason = mediation.apply_rules(
                    record(dt_device=datetime.datetime(2024, 1, 1, 5), dtu=dtu), rules, device_tz
                )
                self.assertEqual((row["dtu"], reason), (dtu, None))
        row, _ = mediation.apply_rules(record(dtu=dtu), rules, "Europe/Paris")
        self.assertEqual(row["dtu"], dtu)

    def test_identifier_normalisation(self):
        cases = [
            ({}, "  iot_ns542 ", "iot_ns542"),
            ({"case": "upper"}, " iot_ns542", "IOT_NS542"),
            ({"case": "lower"}, "IOT_NS542 ", "iot_ns542"),
            ({"strip_prefix": "GW-"}, " GW-IOT1 ", "IOT1"),
            ({"strip_prefix": "GW-"}, "IOT1", "IOT1"),
            ({"case": "upper", "strip_prefix": "gw-"}, "gw-iot1", "IOT1"),
        ]
        for params, device, expected in cases:
            with self.subTest(params=params, device=device):
                rules = [Rule("identifier", params=params)]
                self.assertEqual(
                    mediation.apply_rules(record(device=device), rules)[0]["device"], expected
                )
        self.assertIsNone(mediation.apply_rules(record(), [Rule("identifier")])[0]["device"])

    def test_rules_apply_in_order(self):
        # Normalised first, the identifier then matches the exclusion...
        normalise = Rule("identifier", params={"case": "upper"})
        drop = Rule("exclude", field="device", operator="startswith", value="TEST")
        self.assertIsNotNone(mediation.apply_rules(record(device="test1"), [normalise, drop])[1])
        # ...but not the other way round.
        self.assertIsNone(mediation.apply_rules(record(device="test1"), [drop, normalise])[1])
        # A later quantity rule overrides an earlier one; a unit applies to what is mapped.
        rules = [
            Rule("quantity", params={"field": "int_counter"}),
            Rule("unit", params={"from": "s", "to": "min"}),
            Rule("quantity", eid="X", params={"field": "int_counter2"}),
        ]
        row, _ = mediation.apply_rules(record(eid="X", int_counter=120, int_counter2=7), rules)
        self.assertEqual(row["quantity"], 7.0)

    def test_conditions_see_earlier_changes(self):
        rules = [
            Rule("quantity", params={"field": "int_counter"}),
            Rule("exclude", "nothing to bill", field="quantity", operator="=", value="0"),
        ]
        self.assertEqual(
            mediation.apply_rules(record(int_counter=0), rules)[1], "excluded by nothing to bill"
        )
        self.assertIsNone(mediation.apply_rules(record(int_counter=1), rules)[1])

    def test_exclusion_stops_processing(self):
        rules = [
            Rule("identifier", params={"case": "upper"}),
            Rule("exclude", "pings", egroup="PING"),
            Rule("quantity", params={"field": "int_counter"}),
            Rule("identifier", params={"strip_prefix": "IOT"}),
        ]
        row, reason = mediation.apply_rules(
            record(device="iot1", egroup="PING", int_counter=4), rules
        )
        self.assertEqual(reason, "excluded by pings")
        self.assertEqual(row["device"], "IOT1")
        self.assertIsNone(row["quantity"])

    def test_the_input_row_is_not_modified(self):
        data = {"up": 1}
        row = record(
            device=" a ", data=data, dt_device=datetime.datetime(2024, 1, 1), int_counter=3
        )
        before = dict(row)
        rules = [
            Rule("identifier", params={"case": "upper"}),
            Rule("quantity", params={"field": "int_counter"}),
            Rule("timezone", params={"tz": "UTC"}),
        ]
        new, _ = mediation.apply_rules(row, rules)
        self.assertEqual(row, before)
        self.assertIsNot(new, row)
        self.assertIs(new["data"], data)  # shared, not copied: rules never write into data

    def test_a_row_without_quantity_key_gets_one(self):
        row, reason = mediation.apply_rules({"device": "A"}, [])
        self.assertEqual(row, {"device": "A", "quantity": None})
        self.assertIsNone(reason)

    @given(
        st.lists(
            st.fixed_dictionaries(
                {
                    "device": st.text(max_size=12),
                    "egroup": st.sampled_from(["DATA", "SMS-MO", "PING", None]),
                    "int_counter": st.one_of(st.none(), st.integers(-(10**9), 10**9)),
                    "int_counter2": st.one_of(st.none(), st.integers(0, 10**6)),
                }
            ),
            max_size=20,
        )
    )
    def test_kept_rows_are_never_test_devices_and_quantities_are_floats(self, rows):
        rules = mediation.compile_rules(
            [
                {"kind": "identifier", "params": {"case": "upper"}},
                {"kind": "exclude", "field": "device", "operator": "startswith", "value": "TEST"},
                {"kind": "exclude", "egroup": "PING"},
                {"kind": "quantity", "params": {"field": "int_counter"}},
                {"kind": "quantity", "egroup": "SMS-MO", "params": {"field": "int_counter2"}},
                {"kind": "unit", "egroup": "DATA", "params": {"from": "B", "to": "KB"}},
            ]
        )
        for row in rows:
            new, reason = mediation.apply_rules(row, rules)
            if reason is None:
                self.assertFalse(new["device"].startswith("TEST"))
                self.assertNotEqual(new["egroup"], "PING")
                self.assertTrue(new["quantity"] is None or isinstance(new["quantity"], float))
            else:
                self.assertTrue(reason.startswith("excluded by"))


class TestValidation(unittest.TestCase):
    def assertInvalid(self, rule, fragment):
        with self.assertRaises(ValueError) as caught:
            mediation.validate_rule(rule)
        self.assertIn(fragment, str(caught.exception))

    def test_good_rules_pass(self):
        for rule in (
            Rule("include_only", eid="Type-1"),
            Rule("exclude", field="data.a.b", operator="in", value=["x", "y"]),
            Rule("quantity", params={"field": "data.volume"}),
            Rule("arithmetic", params={"fields": ["int_counter", "int_counter2"]}),
            Rule("arithmetic", params={"factor": 1.5}),
            Rule("unit", params={"from": "kWh", "to": "Wh", "base": 1000}),
            Rule("timezone"),
            Rule("timezone", params={"tz": "Europe/Paris"}),
            Rule("identifier", params={"case": "lower", "strip_prefix": "X"}),
        ):
            with self.subTest(rule=rule):
                mediation.validate_rule(rule)

    def test_bad_rules_are_refused_with_a_message(self):
        cases = [
            (Rule("drop"), "unknown kind 'drop'"),
            (Rule("exclude", operator="~"), "unknown operator '~'"),
            (Rule("exclude", field="colour"), "'colour' is neither a row field"),
            (Rule("exclude", field="data."), "neither a row field"),
            (Rule("exclude", field="eid", operator="in", value="x"), "non-empty list"),
            (Rule("exclude", field="eid", operator="in", value=[]), "non-empty list"),
            (Rule("exclude", field="int_counter", operator=">"), "needs a number"),
            (Rule("exclude", field="device", operator="startswith", value=""), "non-empty text"),
            (Rule("exclude", field="device", value=["a"]), "single value"),
            (Rule("exclude", egroup=""), "egroup must be"),
            (Rule("quantity"), "needs params['field']"),
            (Rule("quantity", params={"field": "colour"}), "neither a row field"),
            (Rule("quantity", params={"field": "x", "fieldz": 1}), "unknown parameter(s) fieldz"),
            (Rule("arithmetic"), "needs params['fields'] or params['factor']"),
            (Rule("arithmetic", params={"fields": "int_counter"}), "must be a list"),
            (Rule("arithmetic", params={"factor": "2"}), "must be a number"),
            (Rule("arithmetic", params={"factor": math.inf}), "must be a number"),
            (Rule("unit", params={"from": "B"}), "needs params['to']"),
            (Rule("unit", params={"from": "B", "to": "parsec"}), "unknown unit 'parsec'"),
            (Rule("unit", params={"from": "B", "to": "s"}), "cannot convert B"),
            (Rule("unit", params={"from": "B", "to": "KB", "base": 999}), "base must be"),
            (Rule("timezone", params={"tz": "Mars/Olympus"}), "unknown time zone"),
            (Rule("identifier", params={"case": "title"}), "params['case']"),
            (Rule("identifier", params={"strip_prefix": 5}), "strip_prefix"),
        ]
        for rule, fragment in cases:
            with self.subTest(rule=rule):
                self.assertInvalid(rule, fragment)

    def test_the_message_names_the_rule(self):
        self.assertInvalid(Rule("quantity", name="SMS"), "mediation rule 'SMS'")

    def test_rules_are_immutable_and_hashable(self):
        rule = Rule("exclude", field="eid", operator="in", value=["a", "b"], params={})
        self.assertEqual(rule.value, ("a", "b"))
        self.assertEqual(rule, Rule("exclude", field="eid", operator="in", value=("a", "b")))
        self.assertEqual(
            len({rule, Rule("exclude", field="eid", operator="in", value=["a", "b"])}), 1
        )
        with self.assertRaises(TypeError):
            rule.params["x"] = 1
        with self.assertRaises(AttributeError):
            rule.kind = "include_only"


class TestCompileRules(unittest.TestCase):
    def test_builds_rules_from_dicts_in_order(self):
        rules = mediation.compile_rules(
            [
                {
                    "kind": "exclude",
                    "name": "tests",
                    "field": "device",
                    "operator": "startswith",
                    "value": "TEST",
                },
                {"kind": "quantity", "egroup": "SMS-MO", "params": {"field": "int_counter2"}},
            ]
        )
        self.assertEqual([rule.kind for rule in rules], ["exclude", "quantity"])
        self.assertIsInstance(rules, tuple)
        self.assertEqual(rules[1].params["field"], "int_counter2")

    def test_accepts_what_an_odoo_record_gives(self):
        (rule,) = mediation.compile_rules(
            [
                {
                    "kind": "exclude",
                    "name": False,
                    "egroup": False,
                    "eid": "",
                    "field": "eid",
                    "operator": "in",
                    "value": "Type-1, Type-2",
                    "params": False,
                }
            ]
        )
        self.assertEqual((rule.name, rule.egroup, rule.eid), ("", None, None))
        self.assertEqual(rule.value, ("Type-1", "Type-2"))
        (rule,) = mediation.compile_rules(
            [
                {
                    "kind": "unit",
                    "params": {"from": "B", "to": "MB", "base": "1000", "tz": False, "x": None},
                }
            ]
        )
        self.assertEqual(dict(rule.params), {"from": "B", "to": "MB", "base": 1000})
        (rule,) = mediation.compile_rules(
            [{"kind": "arithmetic", "params": {"fields": "data.up, data.down", "factor": 0}}]
        )
        self.assertEqual(rule.params["fields"], ("data.up", "data.down"))
        self.assertEqual(rule.params["factor"], 0)

    def test_errors_name_the_position(self):
        for dicts, fragment in (
            (
                [{"kind": "exclude"}, {"kind": "exclude", "colour": "red"}],
                "rule 2: unknown key(s) colour",
            ),
            ([{"name": "x"}], "rule 1: kind is required"),
            ([{"kind": "exclude", "params": [1]}], "params must be a dict"),
            ([{"kind": "unit", "name": "MB", "params": {"from": "B", "to": "h"}}], "rule 1 (MB)"),
            (["exclude"], "expected a dict"),
        ):
            with self.subTest(dicts=dicts), self.assertRaises(ValueError) as caught:
                mediation.compile_rules(dicts)
            self.assertIn(fragment, str(caught.exception))
