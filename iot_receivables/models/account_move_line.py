from odoo import Command, models
from odoo.tools import SQL

from ..core import commission as commission_core


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        """Every reconciliation (a payment, a credit note, a write-off, by hand) ends
        here: the customers of the invoices it touched are evaluated again, in the same
        transaction, so that their devices are unblocked as soon as the debt is gone."""
        result = super()._reconcile_plan(reconciliation_plan)
        lines = self.browse(_line_ids(reconciliation_plan))
        lines._iot_dunning_reevaluate()
        return result

    def _iot_dunning_reevaluate(self):
        invoices = self.move_id.filtered(lambda move: move.move_type == "out_invoice")
        if invoices and not self.env.context.get("iot_dunning_reevaluating"):
            invoices.commercial_partner_id.with_context(
                iot_dunning_reevaluating=True
            )._iot_dunning_reevaluate()

    def recompute_agents(self):
        """OCA's *Regenerate agents* puts back the customer's agents: the owners too."""
        res = super().recompute_agents()
        self._iot_add_owner_agents()
        return res

    def _iot_add_owner_agents(self):
        """Give these invoice lines an agent line per owner of the devices they bill.

        An owner counts when it is an agent with a commission for sales invoices (OCA's
        Creditor/Agent on the partner form); it earns on its devices' share of each line,
        read from the lines' detail in one statement and created in one call. An owner
        already on a line as the customer's agent keeps that line.
        """
        if not self:
            return self.env["account.invoice.line.agent"]
        # OCA's agents of new lines (the customer's) are computed first: computed
        # later, they would replace the owners'.
        self.flush_model(["agent_ids", "commission_free"])
        for model in (
            "account.invoice.line.agent",
            "iot.billing.detail",
            "iot.device",
            "res.partner",
            "commission",
        ):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH detail AS (
                    SELECT d.id, d.move_line_id, dev.owner_id, d.amount_untaxed, d.quantity,
                           SUM(d.amount_untaxed) OVER (PARTITION BY d.move_line_id) AS line_amount,
                           SUM(d.quantity) OVER (PARTITION BY d.move_line_id) AS line_quantity
                      FROM iot_billing_detail d
                      JOIN iot_device dev ON dev.id = d.device_id
                     WHERE d.move_line_id = ANY(%(lines)s)
                )
                SELECT detail.move_line_id, detail.owner_id, owner.commission_id,
                       SUM(detail.amount_untaxed), MAX(detail.line_amount),
                       SUM(detail.quantity), MAX(detail.line_quantity), ARRAY_AGG(detail.id)
                  FROM detail
                  JOIN res_partner owner ON owner.id = detail.owner_id
                  JOIN commission ON commission.id = owner.commission_id
                  LEFT JOIN account_invoice_line_agent existing
                         ON existing.object_id = detail.move_line_id
                        AND existing.agent_id = detail.owner_id
                 WHERE owner.agent AND existing.id IS NULL
                   AND COALESCE(commission.settlement_type, 'sale_invoice') = 'sale_invoice'
                 GROUP BY detail.move_line_id, detail.owner_id, owner.commission_id
                 ORDER BY detail.move_line_id, detail.owner_id
                """,
                lines=self.ids,
            )
        )
        free = set(self.filtered("commission_free").ids)
        vals_list = []
        for line_id, owner_id, commission_id, *amounts, detail_ids in self.env.cr.fetchall():
            if line_id in free:
                continue
            amount_share, quantity_share = commission_core.owner_shares(*amounts)
            vals_list.append(
                {
                    "object_id": line_id,
                    "agent_id": owner_id,
                    "commission_id": commission_id,
                    "iot_amount_share": amount_share,
                    "iot_quantity_share": quantity_share,
                    "iot_detail_ids": [Command.set(detail_ids)],
                }
            )
        return self.env["account.invoice.line.agent"].create(vals_list)


def _line_ids(plan):
    """The ids of the lines of a reconciliation plan (recordsets, nested lists)."""
    ids = []
    for item in plan:
        if isinstance(item, models.BaseModel):
            ids += item.ids
        else:
            ids += _line_ids(item)
    return ids
