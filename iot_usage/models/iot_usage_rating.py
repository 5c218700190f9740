from psycopg2.extras import execute_values

from odoo import fields, models


class IotUsageRating(models.Model):
    """What one device's usage in one period came to under one calculator."""

    _name = "iot.usage.rating"
    _description = "Usage Rating"
    _order = "date_from desc, device_id"
    _rec_name = "explanation"

    calculator_id = fields.Many2one(
        "iot.usage.calculator", required=True, ondelete="cascade", index=True, readonly=True
    )
    device_id = fields.Many2one(
        "iot.device", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Datetime(required=True, readonly=True)
    date_to = fields.Datetime(required=True, readonly=True)
    quantity = fields.Float(digits=(16, 4), readonly=True)
    billable_quantity = fields.Float(digits=(16, 4), readonly=True)
    unit = fields.Char(related="calculator_id.unit")
    amount = fields.Monetary(readonly=True)
    record_count = fields.Integer(readonly=True)
    explanation = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "period_uniq",
            "unique (calculator_id, device_id, date_from, date_to)",
            "A device is rated once per calculator and period.",
        )
    ]

    def _store(self, calculator, date_from, date_to, results, device_ids=None):
        """Store a period's ratings in one statement, replacing an earlier rating of
        the same period (rating again is idempotent) - of ``device_ids`` only, when
        only some devices were rated."""
        self.flush_model()
        cr = self.env.cr
        if device_ids is None:
            cr.execute(
                """DELETE FROM iot_usage_rating
                    WHERE calculator_id = %s AND date_from = %s AND date_to = %s""",
                [calculator.id, date_from, date_to],
            )
        else:
            cr.execute(
                """DELETE FROM iot_usage_rating
                    WHERE calculator_id = %s AND date_from = %s AND date_to = %s
                      AND device_id = ANY(%s)""",
                [calculator.id, date_from, date_to, list(device_ids)],
            )
        if not results:
            return self.browse()
        now = fields.Datetime.now()
        rows = execute_values(
            cr._obj,
            """INSERT INTO iot_usage_rating
                   (calculator_id, device_id, company_id, date_from, date_to, quantity,
                    billable_quantity, amount, record_count, explanation,
                    create_uid, create_date, write_uid, write_date)
               VALUES %s RETURNING id""",
            [
                (
                    calculator.id,
                    result["device_id"],
                    calculator.company_id.id,
                    date_from,
                    date_to,
                    result["quantity"],
                    result["billable_quantity"],
                    result["amount"],
                    result["record_count"],
                    result["explanation"],
                    self.env.uid,
                    now,
                    self.env.uid,
                    now,
                )
                for result in results
            ],
            page_size=10000,
            fetch=True,
        )
        self.invalidate_model()
        return self.browse([row[0] for row in rows])
