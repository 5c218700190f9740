import logging

import psycopg2.errors

from odoo import _, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.base.models.res_users import INDEX_SIZE

_logger = logging.getLogger(__name__)

# A key's last use is written at most this often: a gateway posting every second
# costs one small write a minute, not one a request.
LAST_USE_EVERY = "1 minute"


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    # The table is made by hand (``_auto = False``): ``init`` adds the column.
    iot_last_use = fields.Datetime(string="Last Use", readonly=True)

    def init(self):
        result = super().init()
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN IF NOT EXISTS iot_last_use timestamp without time zone",
                SQL.identifier(self._table),
            )
        )
        return result

    def _check_credentials(self, *, scope, key):
        uid = super()._check_credentials(scope=scope, key=key)
        if uid:
            self._iot_record_use(uid, key[:INDEX_SIZE])
        return uid

    def _iot_record_use(self, uid, index):
        """Stamp the key's last use, at most once a minute.

        A read tells whether the stamp is due; only then is it written, in a short
        transaction of its own that skips a row another request is stamping. In the
        request's transaction, the row lock would be held to its end and would make
        concurrent requests of the same key wait, then fail to serialize and retry.
        (Keys are told apart by their index, as Odoo looks them up: two keys of one
        user sharing the first 8 characters would share the stamp.)
        """
        due = SQL(
            """user_id = %s AND index = %s
               AND (iot_last_use IS NULL
                    OR iot_last_use < (now() at time zone 'utc') - interval %s)""",
            uid,
            index,
            LAST_USE_EVERY,
        )
        table = SQL.identifier(self._table)
        self.env.cr.execute(SQL("SELECT 1 FROM %s WHERE %s LIMIT 1", table, due))
        if not self.env.cr.fetchone():
            return
        try:
            with self.env.registry.cursor() as cr:
                cr.execute(
                    SQL(
                        """UPDATE %(table)s SET iot_last_use = now() at time zone 'utc'
                            WHERE id IN (SELECT id FROM %(table)s WHERE %(due)s
                                            FOR UPDATE SKIP LOCKED)""",
                        table=table,
                        due=due,
                    )
                )
        except psycopg2.errors.SerializationFailure:
            # A concurrent request of the same key stamped it since this one's snapshot:
            # its stamp is as good, and the key stays valid (this used to answer 401).
            _logger.debug("last use of key %s of user %s stamped concurrently", index, uid)

    def action_iot_revoke(self):
        """Revoke gateway keys (IoT managers; administrators revoke any key)."""
        self.env["res.users"]._iot_check_gateway_rights()
        self.check_access("read")
        if not self.env.is_system() and not all(self.user_id.mapped("iot_is_gateway")):
            raise AccessError(_("IoT managers revoke the keys of gateways only."))
        self.sudo()._remove()
        return True
