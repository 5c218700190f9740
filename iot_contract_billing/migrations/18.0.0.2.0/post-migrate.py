"""Periods invoiced before late usage was tracked count their records as they stand, so
that the first run after the upgrade does not take them all for late usage."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE iot_billing_schedule s
              SET usage_record_count = (
                  SELECT COUNT(*) FROM iot_usage_record r
                   WHERE r.device_id = s.device_id AND r.dtu >= s.date_start
                     AND r.dtu < s.date_end + 1 AND r.state <> 'excluded')
            WHERE s.state = 'invoiced' AND s.usage_record_count IS NULL"""
    )
