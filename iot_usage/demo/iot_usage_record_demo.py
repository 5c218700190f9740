import datetime
import random

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

# Daily consumption by device type, (low, high) per device: a water meter in m3 (a
# small business), SIMs and trackers in bytes sent and received.
WATER_M3_PER_DAY = (1, 4)
DATA_BYTES_PER_DAY = {"GPS_TRACKER": (8_000_000, 25_000_000), "SIM": (20_000_000, 60_000_000)}


class IotUsageRecordDemo(models.Model):
    _inherit = "iot.usage.record"

    @api.model
    def _demo_populate_usage(self):
        """Demo data: two finished months of readings for the active fleet (the earlier
        one billed by the billing demo, the last one waiting for its run), a reading
        excluded by a rule and one quarantined."""
        if self.search_count([("event_ref", "=like", "demo-%")], limit=1):
            return False
        devices = self.env["iot.device"].search(
            [("company_id", "=", self.env.company.id), ("base_status", "=", "active")]
        )
        summary = self._demo_ingest_usage(devices)
        first = self._demo_usage_months()[0]
        now = fields.Datetime.now()
        device = devices[:1].identifier or "IOT_NS542"
        odd = [
            # A technician's test reading: excluded by the rule "Drop test devices".
            {
                "device": device,
                "egroup": "WM-ACME5",
                "eid": "Type-1",
                "ref": "demo-test-reading",
                "dtu": f"{first.isoformat()}T10:00:00Z",
                "int_counter": 0,
                "data": {"test": True},
            },
            # A device whose clock runs three days ahead: quarantined (more than 24 hours
            # in the future), to be corrected and replayed.
            {
                "device": device,
                "egroup": "WM-ACME5",
                "eid": "Type-1",
                "ref": "demo-clock-ahead",
                "dtu": (now + datetime.timedelta(days=3)).isoformat() + "Z",
                "int_counter": 5,
            },
        ]
        odd_summary = self._ingest(odd, "json")["summary"]
        return {
            "accepted": summary["accepted"] + odd_summary["accepted"],
            "excluded": odd_summary["excluded"],
            "rejected": len(odd_summary["rejected"]),
        }

    @api.model
    def _demo_usage_months(self):
        """The first days of the two months before this one (the last finished month last)."""
        this_month = fields.Date.context_today(self).replace(day=1)
        return [this_month - relativedelta(months=2), this_month - relativedelta(months=1)]

    @api.model
    def _demo_ingest_usage(self, devices):
        """Readings of ``devices`` over the demo months, through the real ingestion path:
        a water meter's index each morning, a SIM's or tracker's data of the day.
        Idempotent (every reading has its reference) and the same on every run."""
        first = self._demo_usage_months()[0]
        end = fields.Date.context_today(self).replace(day=1)
        days = (end - first).days
        raws = []
        for device in devices:
            rng = random.Random(device.identifier)
            code = device.type_id.code
            start = max(first, device.activation_date or first)
            index = rng.randint(100, 5000)
            for offset in range((start - first).days, days):
                day = first + datetime.timedelta(days=offset)
                if code in DATA_BYTES_PER_DAY:
                    low, high = DATA_BYTES_PER_DAY[code]
                    sent = rng.randint(low, high)
                    raws.append(
                        {
                            # Gateways forward the identifier as the device spells it:
                            # the demo's rule upper-cases it.
                            "device": device.identifier.lower(),
                            "egroup": "SIM",
                            "eid": "DATA",
                            "ref": f"demo-data-{device.identifier}-{day}",
                            "dtu": f"{day.isoformat()}T{rng.randint(8, 20):02d}:00:00Z",
                            "int_counter2": sent // 4,
                            "int_counter3": sent - sent // 4,
                        }
                    )
                else:
                    index += rng.randint(*WATER_M3_PER_DAY)
                    raws.append(
                        {
                            "device": device.identifier,
                            "egroup": "WM-ACME5",
                            "eid": "Type-1",
                            "ref": f"demo-{device.identifier}-{day}",
                            "dtu": f"{day.isoformat()}T06:00:00Z",
                            "int_counter": index,
                        }
                    )
        return self.with_context(iot_origin="import")._ingest(raws, "json")["summary"]
