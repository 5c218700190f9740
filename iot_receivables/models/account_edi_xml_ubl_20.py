from odoo import models


class AccountEdiXmlUbl20(models.AbstractModel):
    _inherit = "account.edi.xml.ubl_20"

    def _get_invoice_period_vals_list(self, invoice):
        """An invoice of a billing run states the period it bills (UBL InvoicePeriod,
        EN 16931 BG-14), which intra-community supplies must have (BR-IC-11)."""
        runs = invoice.sudo().iot_billing_run_ids
        if not runs:
            return super()._get_invoice_period_vals_list(invoice)
        return [
            {
                "start_date": min(runs.mapped("date_from")),
                "end_date": max(runs.mapped("date_to")),
            }
        ]
