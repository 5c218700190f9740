"""The usage flows of the back office in headless Chromium, as an IoT manager."""

from odoo.tests import tagged

from odoo.addons.iot_fleet.tests.tours import IotTourCase


@tagged("post_install", "-at_install")
class TestUsageTours(IotTourCase):
    def test_upload_a_spreadsheet_and_fix_the_rejected_record(self):
        """A CSV with a good and a bad row: the good one is stored, the bad one waits in
        the quarantine with its reason; corrected there and replayed, it is stored too."""
        device = self.env["iot.device"].create({"identifier": "TOUR_METER_1"})
        self.tour(
            "/odoo/action-iot_usage.iot_usage_upload_wizard_action",
            "iot_usage_upload_and_fix",
            "back_office",
        )
        records = self.env["iot.usage.record"].search([("device_id", "=", device.id)])
        self.assertEqual(sorted(records.mapped("int_counter")), [5, 120])
        rejection = self.env["iot.usage.rejection"].search([("upload_id", "!=", False)])
        self.assertEqual(rejection.state, "replayed")
        self.assertEqual(rejection.upload_id.create_uid, self.tour_users["back_office"])
