from odoo import fields, models

from ..models.res_partner import KYC_METHODS


class IotKycWizard(models.TransientModel):
    """Record how a customer's identity was verified (or that it was refused)."""

    _name = "iot.kyc.wizard"
    _description = "Verify a Customer's Identity"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    result = fields.Selection(
        [("verified", "Verified"), ("rejected", "Rejected")], required=True, default="verified"
    )
    method = fields.Selection(KYC_METHODS, required=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    reference = fields.Char(
        string="Document Reference",
        required=True,
        help="The number of the document checked, or the reference of the verification.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.partner_id._iot_kyc_record(
            self.result, method=self.method, date=self.date, reference=self.reference
        )
        return {"type": "ir.actions.act_window_close"}
