"""One identifier, however it is typed: a company whose mediation upper-cases DeviceIds
registers devices upper-cased too, through every path, so that their usage finds them."""

from odoo.tests import Form, HttpCase, tagged

from .common import IotUsageFixtures


@tagged("post_install", "-at_install")
class TestIdentifierNormalisation(IotUsageFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_usage()
        cls.env["iot.usage.mediation.rule"].create(
            {"name": "DeviceId in upper case", "kind": "identifier", "case": "upper"}
        )

    def request(self, method, path, key=None, **kwargs):
        response = self.opener.request(
            method,
            self.base_url() + path,
            headers={"Authorization": f"Bearer {key or self.key}"},
            timeout=60,
            **kwargs,
        )
        return response.status_code, response.json()

    def setUp(self):
        super().setUp()
        self.rejections = self.env["iot.usage.rejection"].search_count([])

    def stored_and_quarantined(self, device):
        """The device's records, and the rejections this test added."""
        return (
            self.env["iot.usage.record"].search_count([("device_id", "=", device.id)]),
            self.env["iot.usage.rejection"].search_count([]) - self.rejections,
        )

    def test_registered_in_lower_case_then_usage_is_stored(self):
        status, body = self.request(
            "POST", "/iot/api/v1/devices", json={"identifier": "iot_ns543", "serial": "NS543"}
        )
        self.assertEqual(
            (status, body["identifier"], body["status"]), (201, "IOT_NS543", "created")
        )
        device = self.env["iot.device"].browse(body["id"])
        status, body = self.request(
            "GET", "/iot/usage/WM-ACME5/Type-1/iot_ns543?ref=n1&intcounter=5"
        )
        self.assertEqual((status, body["accepted"], body["rejected"]), (200, 1, []), body)
        status, body = self.request(
            "POST",
            "/iot/api/v1/usage",
            json={"records": [{"device": "Iot_Ns543", "egroup": "WM-ACME5", "eid": "Type-1"}]},
        )
        self.assertEqual((status, body["accepted"], body["rejected"]), (200, 1, []), body)
        self.assertEqual(self.stored_and_quarantined(device), (2, 0))
        # The API names it however it is typed, and registering it again finds it.
        status, body = self.request("GET", "/iot/api/v1/devices/iot_ns543")
        self.assertEqual((status, body["id"]), (200, device.id))
        status, body = self.request(
            "POST",
            "/iot/api/v1/devices",
            json=[{"identifier": "IOT_NS543"}, {"identifier": "iot_ns543"}],
        )
        self.assertEqual((status, body["created"], body["existing"]), (200, 0, 2), body)

    def test_back_office_form_registers_as_usage_names_it(self):
        with Form(self.env["iot.device"].with_user(self.manager)) as form:
            form.identifier = " iot_form_1 "
        device = form.record
        self.assertEqual(device.identifier, "IOT_FORM_1")
        status, body = self.request("GET", "/iot/usage/WM-ACME5/Type-1/iot_form_1?intcounter=1")
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        self.assertEqual(self.stored_and_quarantined(device), (1, 0))
        device.with_user(self.manager).identifier = "iot_form_2"
        self.assertEqual(device.identifier, "IOT_FORM_2")

    def test_usage_of_an_unknown_device_creates_it_once(self):
        self.company.iot_unknown_device_policy = "create"
        self.env["iot.usage.mediation.rule"].create(
            {"name": "Gateway prefix", "kind": "identifier", "strip_prefix": "GW-", "sequence": 20}
        )
        status, body = self.request("GET", "/iot/usage/WM-ACME5/Type-1/gw-gw-new_1?intcounter=1")
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        device = self.env["iot.device"].search([("identifier", "=", "GW-NEW_1")])
        self.assertEqual(self.stored_and_quarantined(device), (1, 0))
        status, body = self.request(
            "POST", "/iot/api/v1/devices", json={"identifier": "gw-gw-new_1"}
        )
        self.assertEqual((status, body["id"], body["status"]), (200, device.id, "existing"), body)

    def test_a_rule_with_a_condition_leaves_registration_alone(self):
        self.env["iot.usage.mediation.rule"].search([]).unlink()
        self.env["iot.usage.mediation.rule"].create(
            {
                "name": "SIM ids in lower case",
                "kind": "identifier",
                "case": "lower",
                "egroup": "SIM",
            }
        )
        status, body = self.request("POST", "/iot/api/v1/devices", json={"identifier": "Mixed_1"})
        self.assertEqual((status, body["identifier"]), (201, "Mixed_1"))

    def test_without_a_rule_the_case_is_kept(self):
        self.env["iot.usage.mediation.rule"].search([]).unlink()
        status, body = self.request("POST", "/iot/api/v1/devices", json={"identifier": "iot_lower"})
        self.assertEqual((status, body["identifier"]), (201, "iot_lower"))

    def test_an_iot_user_cannot_register(self):
        status, body = self.request(
            "POST",
            "/iot/api/v1/devices",
            json={"identifier": "iot_ns600"},
            key=self.reader_key,
        )
        self.assertEqual(status, 403, body)
        self.assertFalse(
            self.env["iot.device"].search_count([("identifier", "ilike", "iot_ns600")])
        )
