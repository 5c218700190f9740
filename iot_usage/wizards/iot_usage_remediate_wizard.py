import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IotUsageRemediateWizard(models.TransientModel):
    """Run the mediation rules again over the stored records of a period."""

    _name = "iot.usage.remediate.wizard"
    _description = "Re-run Usage Mediation"

    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    result = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise UserError(_("The period ends before it starts."))

    def action_apply(self):
        self.ensure_one()
        totals = self.env["iot.usage.record"]._remediate(
            datetime.datetime.combine(self.date_from, datetime.time.min),
            datetime.datetime.combine(self.date_to, datetime.time.min) + datetime.timedelta(days=1),
        )
        self.result = _(
            "%(records)s records read again: %(changed)s changed, %(excluded)s excluded.",
            **totals,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
