from odoo import fields, models


class ResBrand(models.Model):
    _inherit = "res.brand"

    # Per company: a brand sold by several companies numbers its invoices in each
    # company's own journal.
    iot_journal_id = fields.Many2one(
        "account.journal",
        string="Invoice Journal",
        company_dependent=True,
        domain="[('type', '=', 'sale'), ('company_id', '=', current_company_id)]",
        help="The sales journal that numbers the invoices of this brand's contracts "
        "(its sequence prefix is the journal's short code). Empty: the contract's journal.",
    )
