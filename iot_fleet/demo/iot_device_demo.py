from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class IotDeviceDemo(models.Model):
    _inherit = "iot.device"

    @api.model
    def _demo_populate_fleet(self):
        """Demo data: a fleet in various states, reached through real transitions."""
        if self.search_count([("identifier", "=", "IOT_FC0001")]):
            return False
        ref = self.env.ref
        customer = ref("iot_fleet.demo_partner_fleet_customer")
        owner = ref("iot_fleet.demo_partner_device_owner")
        types = [
            ref("iot_fleet.demo_type_water_meter"),
            ref("iot_fleet.demo_type_gps_tracker"),
            ref("iot_fleet.demo_type_sim"),
        ]
        # (identifier prefix, company, customer, count)
        company_b = ref("iot_fleet.demo_company_b")
        batches = [
            ("IOT_FC", self.env.company, customer, 40),
            ("IOT_BB", company_b, ref("iot_fleet.demo_partner_brand_b_customer"), 10),
        ]
        # Active since the first day of the month before last: a finished month to show
        # billed, and the last finished month's usage waiting for its billing run.
        activated_on = fields.Date.context_today(self).replace(day=1) - relativedelta(months=2)
        for prefix, company, partner, count in batches:
            Device = self.with_company(company).with_context(iot_origin="import")
            devices = Device.create(
                [
                    {
                        "identifier": f"{prefix}{index:04d}",
                        "name": f"{types[index % 3].name} {index:04d}",
                        "type_id": types[index % 3].id,
                        "serial": f"SN-{prefix}-{index:06d}",
                        "company_id": company.id,
                        "owner_id": owner.id if index % 7 == 0 else False,
                    }
                    for index in range(1, count + 1)
                ]
            )
            # The first four stay draft; then pending, active, suspended, blocked and
            # cancelled devices.
            pending, rest = devices[4:8], devices[8:]
            pending._apply_transition(code="submit")
            rest._activate(partner, activated_on)
            rest[-4:-2]._apply_transition(code="suspend", reason="Seasonal stop")
            rest[-2:-1]._apply_transition(code="block", reason="Invoices overdue")
            rest[-1:]._apply_transition(code="cancel", reason="Customer left")
        return True
