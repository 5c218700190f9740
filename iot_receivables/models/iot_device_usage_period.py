from odoo import api, fields, models, tools
from odoo.tools import SQL


class IotDeviceUsagePeriod(models.Model):
    """Who used a device when: one row per device and customer period, read from the
    device's events (activations, customer changes, terminations), so that a disputed
    invoice can be answered with the days the device was on the customer.

    A database view: the events are the record, nothing here can drift from them.
    ``core.usage_history.customer_periods`` is the same rule in plain Python.
    """

    _name = "iot.device.usage.period"
    _description = "Device Usage Period"
    _auto = False
    _order = "date_start desc, id desc"
    _rec_name = "device_identifier"

    device_id = fields.Many2one("iot.device", readonly=True)
    device_identifier = fields.Char(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_start = fields.Datetime(string="From", readonly=True)
    date_end = fields.Datetime(
        string="Until", readonly=True, help="Empty while the device is still on the customer."
    )
    ongoing = fields.Boolean(readonly=True)
    event_id = fields.Many2one(
        "iot.device.event",
        string="Started By",
        readonly=True,
        help="The event the period began with.",
    )

    @api.model
    def _search(self, domain, *args, **kwargs):
        # A view over the events: what this transaction logged must be in the table.
        self.env["iot.device.event"].flush_model()
        self.env["iot.device"].flush_model(["identifier"])
        return super()._search(domain, *args, **kwargs)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %(view)s AS
            WITH marks AS (
                -- An activation carries the day it took effect (sent with it); other
                -- marks take effect when they were recorded.
                SELECT e.id AS event_id, e.device_id, e.company_id,
                       CASE WHEN e.event_type = 'activation'
                                 AND e.payload->>'date_start' ~ '^\\d{4}-\\d{2}-\\d{2}$'
                            THEN (e.payload->>'date_start')::timestamp
                            ELSE e.date END AS date,
                       CASE WHEN e.event_type IN ('activation', 'customer_change')
                            THEN e.partner_id END AS holder
                  FROM iot_device_event e
                  LEFT JOIN iot_device_state s ON s.id = e.to_state_id
                 WHERE e.event_type IN ('activation', 'customer_change')
                    OR (e.event_type = 'transition' AND s.base_status = 'cancelled')
            ), changes AS (
                SELECT m.*,
                       ROW_NUMBER() OVER w AS n,
                       LAG(m.holder) OVER w AS previous_holder
                  FROM marks m
                WINDOW w AS (PARTITION BY m.device_id ORDER BY m.date, m.event_id)
            ), starts AS (
                SELECT c.*,
                       LEAD(c.date) OVER (PARTITION BY c.device_id ORDER BY c.date, c.event_id)
                           AS date_end
                  FROM changes c
                 WHERE c.n = 1 OR c.holder IS DISTINCT FROM c.previous_holder
            )
            SELECT st.event_id AS id, st.event_id, st.device_id, d.identifier AS device_identifier,
                   st.company_id, st.holder AS partner_id, st.date AS date_start,
                   st.date_end, st.date_end IS NULL AS ongoing
              FROM starts st
              JOIN iot_device d ON d.id = st.device_id
             WHERE st.holder IS NOT NULL
                """,
                view=SQL.identifier(self._table),
            )
        )
