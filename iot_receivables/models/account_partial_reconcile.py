from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        """A payment unreconciled, reset to draft, cancelled or reversed opens its
        invoices again: their customers are evaluated again at once (and may be
        blocked again)."""
        lines = self.debit_move_id | self.credit_move_id
        result = super().unlink()
        lines.exists()._iot_dunning_reevaluate()
        return result
