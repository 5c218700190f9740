from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    iot_attach_detail = fields.Selection(
        [("csv", "CSV"), ("xlsx", "XLSX")],
        string="Attach Fleet Detail to Invoices",
        help="When billing runs post an invoice, attach its per-device detail in this format.",
    )
