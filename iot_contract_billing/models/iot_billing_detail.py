from odoo import api, fields, models

KINDS = [
    ("recurring", "Recurring"),
    ("usage", "Usage"),
    ("late", "Late Usage"),
    ("charge", "One-time Charge"),
]


class IotBillingDetail(models.Model):
    """One device's share of one invoice line: what the detail export lists.

    Written by the billing run when it creates the invoice. The shares of a line add
    up to the line's untaxed amount and tax to the cent (the line is rounded once,
    then split over its devices), so that the detail reconciles with the invoice.
    Rows arrive by the hundred thousand: a lean table written in one statement.
    """

    _name = "iot.billing.detail"
    _description = "Invoice Detail Row"
    _order = "move_id, device_id, date_start, move_line_id, id"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True
    )
    move_line_id = fields.Many2one(
        "account.move.line", string="Invoice Line", required=True, ondelete="cascade"
    )
    schedule_id = fields.Many2one("iot.billing.schedule", ondelete="cascade", index=True)
    usage_id = fields.Many2one("iot.billing.usage", ondelete="set null")
    device_id = fields.Many2one("iot.device", required=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index="btree_not_null",
        help="The customer whose contract billed the device (a subsidiary, on its parent "
        "company's consolidated invoice).",
    )
    kind = fields.Selection(KINDS, required=True)
    date_start = fields.Date(string="Period Start")
    date_end = fields.Date(string="Period End")
    quantity = fields.Float(digits=(16, 4))
    unit = fields.Char()
    price_unit = fields.Float(string="Unit Price", digits="Product Price")
    currency_id = fields.Many2one("res.currency", required=True)
    amount_untaxed = fields.Monetary(string="Untaxed")
    amount_tax = fields.Monetary(string="Tax")

    @api.model
    def _insert_rows(self, rows):
        """Insert detail rows in one statement: ``rows`` are ``(move_id, move_line_id,
        schedule_id, usage_id, device_id, kind, date_start, date_end, quantity, unit,
        price_unit, currency_id, amount_untaxed, amount_tax, partner_id)``."""
        if not rows:
            return
        self.flush_model()
        uid = int(self.env.uid)
        self.env.cr.execute_values(
            """INSERT INTO iot_billing_detail
                   (move_id, move_line_id, schedule_id, usage_id, device_id, kind,
                    date_start, date_end, quantity, unit, price_unit, currency_id,
                    amount_untaxed, amount_tax, partner_id,
                    create_uid, create_date, write_uid, write_date)
               VALUES %s""",
            rows,
            template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            f"{uid}, now() at time zone 'UTC', {uid}, now() at time zone 'UTC')",
            page_size=10000,
        )
        self.invalidate_model()
