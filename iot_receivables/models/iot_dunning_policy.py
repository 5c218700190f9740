from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class IotDunningPolicy(models.Model):
    """How a company reminds, charges, blocks and hands over customers who do not pay:
    ordered levels, each with its conditions and its actions."""

    _name = "iot.dunning.policy"
    _description = "Dunning Policy"
    _order = "company_id, name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    level_ids = fields.One2many("iot.dunning.level", "policy_id", string="Levels", copy=True)

    @api.constrains("company_id", "level_ids")
    def _check_levels(self):
        for policy in self:
            sequences = policy.level_ids.mapped("sequence")
            if len(sequences) != len(set(sequences)):
                raise ValidationError(
                    _("Two levels of %(policy)s have the same sequence.", policy=policy.name)
                )

    def _cron_run(self):
        """The scheduled run: every company with a dunning policy (its own, or one of
        its customers'), as of today."""
        for company in self.sudo().search([]).company_id:
            self.env["res.partner"].with_company(company)._iot_dunning_run(company)
