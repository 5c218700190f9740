"""The README's quick start, run as written against the demo data.

The shell block of the README's "Quick start" section is run by bash with curl, its
commands in order, against the test server (which holds the demo data); each answer must
contain what the comment after its command says (``# -> [status] {...}``, where ``...``
stands for anything). The README cannot drift from what the demo database answers.
"""

import json
import os
import re
import subprocess
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged

README = Path(__file__).parent.parent / "README.md"
DEMO_URL = "http://localhost:8069"
# Set-up lines the test does itself: the server runs, the key comes from the fixture.
SETUP = re.compile(r"^(\./scripts/|KEY=|API=)")


def quick_start():
    """``(script lines, expected answers)`` of the README's quick start block."""
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    script, expected = [], []
    for line in block.splitlines():
        if line.startswith("# -> "):
            expected.append(line[len("# -> ") :])
        elif not SETUP.match(line):
            script.append(line)
    return script, expected


def parse_expected(text):
    """``(status or None, JSON subset)`` of an answer as the README writes it."""
    status = None
    match = re.match(r"^(\d{3}) (.*)$", text)
    if match:
        status, text = int(match.group(1)), match.group(2)
    text = re.sub(r",\s*\.\.\.", "", text)
    text = re.sub(r":\s*\.\.\.", ": null", text)
    return status, json.loads(text)


@tagged("post_install", "-at_install")
class TestQuickStart(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.gateway = env["res.users"]._iot_gateway_user("North Gateway", env.company)
        cls.key = cls.gateway._iot_new_api_key("quick start")

    def assertContains(self, answer, expected, where):
        """Every key of ``expected`` in ``answer`` with its value (None: any value)."""
        for key, value in expected.items():
            self.assertIn(key, answer, where)
            if isinstance(value, dict):
                self.assertContains(answer[key], value, where)
            elif value is not None:
                self.assertEqual(answer[key], value, where)

    def run_quick_start(self, key):
        script, expected = quick_start()
        self.assertEqual(
            sum(line.lstrip().startswith("curl ") for line in script), len(expected), script
        )
        body = "\n".join(script).replace(DEMO_URL, self.base_url())
        shell = (
            "set -e\n"
            f'API="{self.base_url()}/iot/api/v1"\n'
            # Each answer ends with a marker line and its HTTP status.
            "curl() { command curl -sS --max-time 60 -w '\\n@@ %{http_code}\\n' \"$@\"; }\n" + body
        )
        result = subprocess.run(
            ["bash", "-c", shell],
            capture_output=True,
            text=True,
            timeout=600,
            env=dict(os.environ, KEY=key),
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        answers = re.findall(r"(.*?)\n@@ (\d{3})\n", result.stdout, re.S)
        self.assertEqual(len(answers), len(expected), result.stdout)
        return [
            (int(status), json.loads(text), expected_text)
            for (text, status), expected_text in zip(answers, expected, strict=True)
        ]

    def test_quick_start_as_written(self):
        rejections = self.env["iot.usage.rejection"].search_count([])
        for status, answer, expected_text in self.run_quick_start(self.key):
            expected_status, expected = parse_expected(expected_text)
            self.assertEqual(status, expected_status or 200, (expected_text, answer))
            self.assertContains(answer, expected, (expected_text, answer))
        Device = self.env["iot.device"]
        created = Device.search([("identifier", "=", "MYDEVICE")])
        activated = Device.search([("identifier", "=", "IOT_NS543")])
        self.assertEqual(
            (created.usage_record_count, activated.usage_record_count, activated.base_status),
            (1, 1, "active"),
        )
        self.assertEqual(activated.contract_line_id.product_id.default_code, "IOT-PREMIUM")
        self.assertEqual(len(activated.billing_schedule_ids), 12)
        self.assertEqual(self.env["iot.usage.rejection"].search_count([]), rejections)

    def test_a_key_without_write_rights_changes_nothing(self):
        """An IoT User's key reads (the preview) but stores no usage and registers,
        activates no device."""
        reader = new_test_user(
            self.env, login="quick_start_reader", groups="base.group_user,iot_fleet.group_iot_user"
        )
        records = self.env["iot.usage.record"].search_count([])
        answers = self.run_quick_start(reader._iot_new_api_key("reader"))
        self.assertEqual(
            [status for status, _answer, _text in answers], [403, 403, 404, 403, 403, 403, 200]
        )
        self.assertFalse(
            self.env["iot.device"].search_count([("identifier", "in", ("MYDEVICE", "IOT_NS543"))])
        )
        self.assertEqual(self.env["iot.usage.record"].search_count([]), records)
