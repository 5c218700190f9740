from odoo import _, fields, models
from odoo.exceptions import UserError


class IotDunningRunWizard(models.TransientModel):
    """Run dunning now for the current company, as the scheduled run would."""

    _name = "iot.dunning.run.wizard"
    _description = "Run Dunning"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    policy_id = fields.Many2one(related="company_id.iot_dunning_policy_id", string="Policy")

    def action_run(self):
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(_("Only accountants run dunning."))
        if (
            not self.env["iot.dunning.policy"]
            .sudo()
            .search_count([("company_id", "=", self.company_id.id)])
        ):
            raise UserError(
                _(
                    "%(company)s has no dunning policy: create one in Invoicing > "
                    "Configuration > Dunning Policies.",
                    company=self.company_id.name,
                )
            )
        logs = (
            self.env["res.partner"].with_company(self.company_id)._iot_dunning_run(self.company_id)
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_dunning_log_action"
        )
        action["domain"] = [("id", "in", logs.ids)]
        action["context"] = {}
        action["name"] = _("Dunning Run: %(count)s step(s)", count=len(logs))
        return action
