from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    iot_dunning_level_id = fields.Many2one(
        "iot.dunning.level",
        string="Dunning Fee Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This invoice charges the dunning fee of this level.",
    )

    def init(self):
        # Dunning reads the open customer invoices per customer (a payment re-evaluates
        # its customer): a partial index over the open ones only.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_iot_dunning_idx
                ON account_move (commercial_partner_id, company_id, invoice_date_due)
             WHERE move_type = 'out_invoice' AND state = 'posted'
               AND payment_state IN ('not_paid', 'partial')
            """
        )
