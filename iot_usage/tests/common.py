import datetime

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures


class IotUsageFixtures(IotFleetFixtures):
    @classmethod
    def setup_usage(cls):
        cls.setup_fleet()
        env = cls.env
        # Tests define their own rules: the demo ones would change the figures.
        env["iot.usage.mediation.rule"].search([]).unlink()
        # The demo company creates unknown devices (its quick start): tests start from
        # the default, which quarantines their usage.
        env.company.iot_unknown_device_policy = "reject"
        cls.meter = env["iot.device"].create(
            {"identifier": "METER_1", "type_id": cls.device_type.id, "tz": "Europe/Brussels"}
        )
        cls.sim = env["iot.device"].create({"identifier": "SIM_1"})
        cls.now = datetime.datetime.utcnow().replace(microsecond=0)

    def usage_rows(self, **domain):
        return self.env["iot.usage.record"].search(
            [(key, "=", value) for key, value in domain.items()], order="dtu, id"
        )
