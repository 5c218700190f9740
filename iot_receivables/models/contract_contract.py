from odoo import api, models


class ContractContract(models.Model):
    _inherit = "contract.contract"

    @api.onchange("brand_id")
    def _onchange_brand_id_iot_journal(self):
        for contract in self:
            journal = contract.brand_id.with_company(contract.company_id).iot_journal_id
            if journal:
                contract.journal_id = journal

    def _prepare_invoice(self, date_invoice, journal=None):
        """The brand's journal numbers the invoices of its contracts (``contract_brand``
        puts the brand on them)."""
        if not journal and self.contract_type == "sale":
            journal = self.brand_id.with_company(self.company_id).iot_journal_id or None
        return super()._prepare_invoice(date_invoice, journal=journal)
