from odoo import api, models

from ..core import plan as plan_core


class IotDeviceApi(models.Model):
    _inherit = "iot.device"

    @api.model
    def _api_activation_fields(self):
        """Billing's fields of an activation: the plan, the contract or the template a
        new one is made from, and the term - each checked by its ``plan_core`` rule
        before anything is looked up (the records they name are found, in the devices'
        company only, when the contract line is made: ``_prepare_activation``)."""
        return dict(
            super()._api_activation_fields(),
            plan=plan_core.plan,
            contract=lambda value: plan_core.reference("contract", value),
            contract_template=lambda value: plan_core.reference("contract_template", value),
            term_months=plan_core.term_months,
        )
