from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    iot_attach_detail = fields.Selection(
        [("csv", "CSV"), ("xlsx", "XLSX")],
        string="Attach Fleet Detail to Invoices",
        help="When billing runs post an invoice, attach its per-device detail in this format.",
    )
    iot_late_usage_months = fields.Integer(
        string="Late Usage Window (months)",
        default=3,
        help="Billing runs look this many months back for usage that arrived after its "
        "period was invoiced, and bill it as an adjustment on the next open schedule.",
    )
