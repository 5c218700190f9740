"""Property-based fuzzing of the device API from its own OpenAPI document (issue #8).

Every operation that ``GET /iot/api/v1/openapi.json`` documents is sent requests that
schemathesis generates from the document's schemas, valid ones and invalid ones, with a
gateway's key. For each answer:

- never a 5xx;
- an error (4xx) is the API's JSON ``{"error": {"code", "message", "details"}}``, never
  an HTML page;
- a refused call stores nothing: no device, no usage record, no device event.

Hand-written hostile requests that generators rarely produce follow: JSON nested 100,000
deep, ``NaN``/``Infinity`` literals, NUL and lone surrogates, ids of 2^31 and 2^63 in
paths, a 60 KB ``X-Request-Id`` and a body announced larger than Odoo's 128 MiB limit.

The generated requests are bounded (``IOT_FUZZ_EXAMPLES`` per operation, default 25) and
reproducible: a failure names the seed to set in ``IOT_FUZZ_SEED`` to make them again.
"""

import http.client
import json
import os
import random
import re
import select
import time

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME
from odoo.tools import SQL

API = "/iot/api/v1"
# Generated requests per operation: 60% from valid data, 40% from data made invalid.
EXAMPLES = int(os.environ.get("IOT_FUZZ_EXAMPLES", "25"))
DEVICE = "IOT_NS542"  # the document's own example identifier (a demo device)
# Free-text path parameters cannot be made invalid: invalid cases keep these values and
# make something else invalid (the body, the query).
PATH_VALUES = {"identifier": DEVICE, "device": DEVICE, "egroup": "WM", "eid": "Type-1"}
# Tables that a refused call must leave as they were.
STORED = {
    "iot.device": "iot_device",
    "iot.usage.record": "iot_usage_record",
    "iot.device.event": "iot_device_event",
}
# Odoo's limit on a request body (odoo.http.DEFAULT_MAX_CONTENT_LENGTH).
ODOO_MAX_BODY = 128 * 1024 * 1024
# Stands for a hostile JSON literal in a request body written with json.dumps.
HOSTILE = "<<hostile>>"
# Distinct failures reported per operation: the first few tell the story.
FAILURES_PER_OPERATION = 4


def _short(value, limit=300):
    """A printable excerpt of a request or answer body."""
    if value is None:
        return "(none)"
    if isinstance(value, bytes):
        text = value.decode("utf-8", "backslashreplace")
    else:
        text = str(value)
    if len(text) > limit:
        return f"{text[:limit]!r}... ({len(text)} chars)"
    return repr(text)


def error_shape_problem(content):
    """What is wrong with an error answer's body, or None when it is the API's shape."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return "the body is not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return 'the body has no "error" object'
    missing = [name for name in ("code", "message", "details") if name not in error]
    if missing:
        return f'"error" has no {", ".join(missing)}'
    if not isinstance(error["code"], str) or not isinstance(error["message"], str):
        return '"error.code" and "error.message" must be strings'
    if not isinstance(error["details"], list):
        return '"error.details" must be a list'
    return None


@tagged("post_install", "-at_install")
class TestApiFuzz(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.gateway = env["res.users"]._iot_gateway_user("Fuzz Gateway", env.company)
        cls.key = cls.gateway._iot_new_api_key("fuzz test")
        cls.customer = env["res.partner"].create({"name": "Fuzz Customer", "ref": "FUZZ-C1"})
        cls.device = env["iot.device"].search(
            [("identifier", "=", DEVICE), ("company_id", "=", env.company.id)]
        ) or env["iot.device"].create({"identifier": DEVICE, "name": "Fuzz device"})
        cls.seed = int(os.environ.get("IOT_FUZZ_SEED") or random.randrange(2**32))

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def counts(self):
        self.env.flush_all()
        counts = {}
        for model, table in STORED.items():
            if model in self.env:
                self.env.cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
                counts[table] = self.env.cr.fetchone()[0]
        return counts

    def auth(self, key=True):
        return {"Authorization": f"Bearer {self.key}"} if key else {}

    def send(self, method, path, key=True, headers=None, **kwargs):
        """One request through the test server; a transport failure is returned, not raised."""
        headers = dict(self.auth(key), **(headers or {}))
        url = path if path.startswith("http") else self.base_url() + path
        try:
            return self.opener.request(
                method, url, headers=headers, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            return exc

    def send_json_text(self, method, path, text, **kwargs):
        """Send ``text`` as a JSON body as it is (literals that json.dumps would not write)."""
        return self.send(
            method,
            path,
            data=text.encode("utf-8", "surrogatepass"),
            headers={"Content-Type": "application/json"},
            **kwargs,
        )

    def describe(self, response, label=None):
        """``request -> answer``, for failure messages."""
        if isinstance(response, Exception):
            return f"{label or '?'} -> no answer: {type(response).__name__}: {response}"
        request = response.request
        what = label or f"{request.method} {request.url}"
        if label is None and request.body:
            what += f" body={_short(request.body)}"
        return (
            f"{what} -> {response.status_code} "
            f"[{response.headers.get('Content-Type', 'no content type')}] "
            f"{_short(response.content)}"
        )

    def assert_no_problems(self, problems):
        if problems:
            self.fail(f"{len(problems)} wrong answers:\n" + "\n".join(problems))

    def refusal_problems(self, response, before, label=None):
        """Problems of an answer that must be a refusal: 4xx JSON error, nothing stored."""
        if isinstance(response, Exception):
            return [self.describe(response, label)]
        problems = []
        status = response.status_code
        if not 400 <= status < 500:
            problems.append(f"expected a 4xx, got {status}")
        else:
            shape = error_shape_problem(response.content)
            if shape:
                problems.append(shape)
        after = self.counts()
        if after != before:
            problems.append(f"stored rows although refused: {before} -> {after}")
        if problems:
            return [f"{'; '.join(problems)}: {self.describe(response, label)}"]
        return []

    def answer_problems(self, response, before, label=None):
        """Problems of any answer to a fuzzed request: no 5xx; a 4xx is a JSON error that
        stored nothing."""
        if isinstance(response, Exception):
            return [self.describe(response, label)]
        if response.status_code >= 500:
            return [f"server error: {self.describe(response, label)}"]
        if response.status_code >= 400:
            return self.refusal_problems(response, before, label)
        return []

    # ------------------------------------------------------------------
    # Generated requests
    # ------------------------------------------------------------------

    def document(self):
        response = self.send("GET", f"{API}/openapi.json", key=False)
        self.assertEqual(response.status_code, 200, self.describe(response))
        return response.json()

    def generated_cases(self, operation, mode):
        """Cases of ``operation`` made from valid (positive) or invalid (negative) data."""
        cases = []
        strategy_kwargs = {}
        examples = -(-EXAMPLES * 3 // 5)
        if mode is schemathesis.GenerationMode.NEGATIVE:
            examples = EXAMPLES - examples
            pinned = {
                parameter.name: PATH_VALUES[parameter.name]
                for parameter in operation.path_parameters
                if parameter.name in PATH_VALUES
            }
            if pinned:
                strategy_kwargs["path_parameters"] = pinned

        @seed(self.seed)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy(generation_mode=mode, **strategy_kwargs))
        def collect(case):
            cases.append(case)

        try:
            collect()
        except Unsatisfiable:
            pass  # nothing to make invalid (an operation without parameters)
        return cases

    def aim_at_the_device(self, case, number):
        """Every other case names the existing device, so that requests get past the
        lookup and into the validation of their bodies and parameters."""
        if number % 2:
            return
        for container in (case.path_parameters, case.query):
            if isinstance(container, dict):
                for name in ("identifier", "device"):
                    if name in container:
                        container[name] = DEVICE

    def test_generated_requests_for_every_documented_operation(self):
        schema = schemathesis.openapi.from_dict(self.document())
        operations = [result.ok() for result in schema.get_all_operations()]
        self.assertGreaterEqual(len(operations), 10, "the document lists too few operations")
        failures, sent = [], 0
        for operation in operations:
            found = []
            signatures = set()
            requests_of_operation = []
            for mode in (
                schemathesis.GenerationMode.POSITIVE,
                schemathesis.GenerationMode.NEGATIVE,
            ):
                requests_of_operation += self.generated_cases(operation, mode)
            for number, case in enumerate(requests_of_operation):
                self.aim_at_the_device(case, number)
                kwargs = case.as_transport_kwargs(base_url=self.base_url(), headers=self.auth())
                before = self.counts()
                response = self.send(kwargs.pop("method"), kwargs.pop("url"), **kwargs)
                sent += 1
                for problem in self.answer_problems(response, before):
                    status = getattr(response, "status_code", None)
                    signature = (status, problem.split(":", 1)[0])
                    if signature not in signatures and len(found) < FAILURES_PER_OPERATION:
                        signatures.add(signature)
                        found.append(problem)
            # Without a key, or with a wrong one: 401 in the API's shape.
            if operation.definition.raw.get("security") != []:
                for label, headers in (
                    ("no key", {}),
                    ("wrong key", {"Authorization": "Bearer not-a-key"}),
                ):
                    path = re.sub(r"\{[^}]*\}", "1", operation.path)
                    before = self.counts()
                    response = self.send(operation.method.upper(), path, key=False, headers=headers)
                    sent += 1
                    if getattr(response, "status_code", None) != 401:
                        found.append(f"expected 401 with {label}: {self.describe(response)}")
                    else:
                        found += self.refusal_problems(response, before)
            if found:
                failures.append(f"{operation.label}:\n    " + "\n    ".join(found))
        if failures:
            self.fail(
                f"{len(failures)} of {len(operations)} operations failed ({sent} requests, "
                f"IOT_FUZZ_SEED={self.seed}):\n" + "\n".join(failures)
            )

    # ------------------------------------------------------------------
    # Hostile requests generators rarely make
    # ------------------------------------------------------------------

    def new_device(self, identifier):
        return self.env["iot.device"].create({"identifier": identifier})

    def good_record(self, ref):
        return {"device": DEVICE, "egroup": "WM", "eid": "Type-1", "ref": ref, "int_counter": 1}

    def batch_problems(self, response, before, hostile, good, label):
        """A batch with hostile and good records: either refused as a whole (4xx JSON,
        nothing stored), or answered 200 with exactly the hostile records rejected and
        the good ones stored."""
        if isinstance(response, Exception) or response.status_code != 200:
            return self.refusal_problems(response, before, label)
        body = response.json()
        rejected = sorted(item.get("index") for item in body.get("rejected", []))
        stored = self.counts()["iot_usage_record"] - before["iot_usage_record"]
        if rejected != sorted(hostile) or body.get("accepted") != good or stored != good:
            return [
                f"expected records {sorted(hostile)} rejected and {good} stored, got "
                f"{rejected} rejected and {stored} stored: {self.describe(response, label)}"
            ]
        return []

    def device_batch_problems(self, response, before, hostile, label):
        """A list of devices with a hostile item: 4xx JSON with nothing stored, or 200
        with exactly the hostile items rejected."""
        if isinstance(response, Exception) or response.status_code != 200:
            return self.refusal_problems(response, before, label)
        results = response.json().get("results", [])
        rejected = sorted(item["index"] for item in results if item.get("status") == "rejected")
        if rejected != sorted(hostile):
            return [
                f"expected items {sorted(hostile)} rejected, got {rejected}: "
                f"{self.describe(response, label)}"
            ]
        return []

    def hostile_body_problems(self, cases, literal):
        """POST each ``(label, path, body, expected)``, ``body`` written as JSON
        with the HOSTILE placeholder replaced by ``literal`` (JSON text that json.dumps
        would not write). ``expected`` says what may answer: "refuse" (a 4xx only),
        ``("usage", rejected, stored)`` or ``("devices", rejected)`` (a batch answer that
        rejects exactly the items listed)."""
        problems = []
        for label, path, body, expected in cases:
            text = json.dumps(body).replace(json.dumps(HOSTILE), literal)
            before = self.counts()
            response = self.send_json_text("POST", path, text)
            label = f"{label}: POST {path} body={_short(text, 160)}"
            if expected == "refuse":
                problems += self.refusal_problems(response, before, label)
            elif expected[0] == "usage":
                problems += self.batch_problems(response, before, *expected[1:], label)
            else:
                problems += self.device_batch_problems(response, before, *expected[1:], label)
        return problems

    def test_json_nested_100000_deep(self):
        device = self.new_device("FUZZ_DEEP_1")
        routes = [
            f"{API}/devices",
            f"{API}/usage",
            f"{API}/devices/{device.identifier}/activate",
            f"{API}/devices/{device.identifier}/transition",
        ]
        problems = []
        for nested in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
            cases = [(f"nested {nested[:2]!r}", path, HOSTILE, "refuse") for path in routes]
            cases.append(("nested in a record", f"{API}/usage", {"records": [HOSTILE]}, "refuse"))
            problems += self.hostile_body_problems(cases, nested)
        self.assert_no_problems(problems)

    def value_cases(self, name, tag, plan_field):
        """Cases that place a hostile value where any JSON value may go: usage data, a
        device's attributes (alone and in a list), an activation plan's ``plan_field``."""
        device = self.new_device(f"FUZZ_{tag.upper()}")
        return [
            (
                f"{name} in data",
                f"{API}/usage",
                {"records": [dict(self.good_record(f"{tag}-data"), data={"x": HOSTILE})]},
                ("usage", [0], 0),
            ),
            (
                f"{name} in attributes",
                f"{API}/devices",
                {"identifier": f"FUZZ_{tag.upper()}_2", "attributes": {"x": HOSTILE}},
                "refuse",
            ),
            (
                f"{name} in a device list",
                f"{API}/devices",
                [
                    {"identifier": f"FUZZ_{tag.upper()}_3"},
                    {"identifier": f"FUZZ_{tag.upper()}_4", "attributes": {"x": HOSTILE}},
                ],
                ("devices", [1]),
            ),
            (
                f"{name} in a plan",
                f"{API}/devices/{device.identifier}/activate",
                {"customer": self.customer.id, "plan": {"product": "TRK", plan_field: HOSTILE}},
                "refuse",
            ),
        ]

    def test_nan_and_infinity_literals(self):
        problems = []
        for literal in ("NaN", "Infinity", "-Infinity"):
            tag = f"nan{literal}"
            good = self.good_record(f"{tag}-good")
            cases = self.value_cases(literal, tag, "price") + [
                (
                    f"{literal} in {field}",
                    f"{API}/usage",
                    {"records": [good, dict(good, ref=f"{tag}-{field}", **{field: HOSTILE})]},
                    ("usage", [1], 1),
                )
                for field in ("temperature", "int_counter")
            ]
            problems += self.hostile_body_problems(cases, literal)
        self.assert_no_problems(problems)

    def test_nul_and_lone_surrogates(self):
        problems = []
        for name, bad in (("NUL", "\u0000"), ("lone surrogate", "\ud800")):
            tag = "nul" if bad == "\u0000" else "surrogate"
            good = self.good_record(f"{tag}-good")
            device = self.new_device(f"FUZZ_{tag.upper()}_A")
            cases = self.value_cases(name, tag, "product") + [
                (
                    f"{name} in ref",
                    f"{API}/usage",
                    {"records": [good, dict(good, ref=HOSTILE)]},
                    ("usage", [1], 1),
                ),
                (
                    f"{name} in a data key",
                    f"{API}/usage",
                    {"records": [dict(self.good_record(f"{tag}-key"), data={HOSTILE: 1})]},
                    ("usage", [0], 0),
                ),
                (
                    f"{name} in a device name",
                    f"{API}/devices",
                    {"identifier": f"FUZZ_{tag.upper()}_5", "name": HOSTILE},
                    "refuse",
                ),
                (
                    f"{name} in an activation reason",
                    f"{API}/devices/{device.identifier}/activate",
                    {"customer": self.customer.id, "reason": HOSTILE},
                    "refuse",
                ),
                (
                    f"{name} in a transition reason",
                    f"{API}/devices/{DEVICE}/transition",
                    {"transition": "cancel", "reason": HOSTILE},
                    "refuse",
                ),
            ]
            # The sender's own escape: "a\u0000b" or "a\ud800b" in the JSON text.
            problems += self.hostile_body_problems(cases, json.dumps(f"a{bad}b"))
        # The quick form: in the query and in the path. %ED%A0%80 encodes a surrogate,
        # which is not UTF-8: decoded leniently it becomes U+FFFD, and two different
        # references would be stored as one (the second reading taken for a duplicate).
        for label, path in (
            ("NUL in ref", f"/iot/usage/WM/Type-1/{DEVICE}?ref=a%00b&intcounter=1"),
            (
                "a surrogate's bytes (not UTF-8) in ref",
                f"/iot/usage/WM/Type-1/{DEVICE}?ref=a%ED%A0%80b&intcounter=1",
            ),
            ("NUL in eid", f"/iot/usage/WM/a%00b/{DEVICE}?ref=q1&intcounter=1"),
        ):
            before = self.counts()
            response = self.send("GET", path)
            problems += self.refusal_problems(response, before, f"quick form, {label}: GET {path}")
        self.assert_no_problems(problems)

    def test_ids_beyond_the_database_integers(self):
        problems = []
        for number in (2**31, 2**63):
            for path in (f"{API}/usage/uploads/{number}", f"{API}/invoices/{number}/detail"):
                before = self.counts()
                response = self.send("GET", path)
                problems += self.refusal_problems(response, before, f"GET {path}")
        self.assert_no_problems(problems)

    def test_request_id_of_60_kb(self):
        before = self.counts()
        response = self.send(
            "POST",
            f"{API}/usage",
            json={"records": [self.good_record("long-request-id")]},
            headers={"X-Request-Id": "r" * 60_000},
        )
        problems = self.refusal_problems(
            response, before, "POST /iot/api/v1/usage with a 60,000-character X-Request-Id"
        )
        self.assert_no_problems(problems)

    def send_announced_body(self, path, content_type, declared):
        """POST with ``Content-Length: declared`` and a body sent lazily: nothing at first,
        then 1 MiB at a time while no answer has come. Returns (status, headers, body,
        bytes sent) or an exception."""
        self.env.flush_all()
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port(), timeout=60)
        sent = 0
        try:
            connection.putrequest("POST", path)
            for name, value in (
                ("Authorization", f"Bearer {self.key}"),
                ("Content-Type", content_type),
                ("Content-Length", str(declared)),
                ("Cookie", f"{TEST_CURSOR_COOKIE_NAME}={self.canonical_tag}"),
                ("Connection", "close"),
            ):
                connection.putheader(name, value)
            connection.endheaders()
            chunk = b" " * (1 << 20)
            # A server that checks the announced size answers before any body arrives.
            answered = select.select([connection.sock], [], [], 5)[0]
            deadline = time.monotonic() + 60
            while not answered and sent < declared and time.monotonic() < deadline:
                try:
                    connection.sock.sendall(chunk[: declared - sent])
                except OSError:
                    break  # the server closed the connection: its answer is waiting
                sent += min(len(chunk), declared - sent)
                answered = select.select([connection.sock], [], [], 0)[0]
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type"), response.read(), sent
        except (OSError, http.client.HTTPException) as exc:
            return exc
        finally:
            connection.close()

    def test_body_over_odoo_limit(self):
        declared = ODOO_MAX_BODY + 1
        problems = []
        for path, content_type in (
            (f"{API}/usage", "application/json"),
            (f"{API}/usage/upload", "multipart/form-data; boundary=fuzzboundary"),
        ):
            label = f"POST {path} [{content_type}] announcing {declared} bytes"
            before = self.counts()
            answer = self.send_announced_body(path, content_type, declared)
            if isinstance(answer, Exception):
                problems.append(f"{label} -> no answer: {type(answer).__name__}: {answer}")
                continue
            status, answer_type, body, sent = answer
            described = f"{label} ({sent} sent) -> {status} [{answer_type}] {_short(body)}"
            if status != 413:
                problems.append(f"expected 413: {described}")
            elif error_shape_problem(body):
                problems.append(f"{error_shape_problem(body)}: {described}")
            if self.counts() != before:
                problems.append(f"stored rows although refused: {described}")
        self.assert_no_problems(problems)
