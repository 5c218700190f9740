from odoo import api, models

from odoo.addons.iot_fleet.core import payload as payload_core


def _reference(field):
    """A record given by id (int) or by name/reference (text)."""
    return lambda value: payload_core.partner_reference(field, value)


class IotDeviceApi(models.Model):
    _inherit = "iot.device"

    @api.model
    def _api_activation_fields(self):
        """Billing's fields of an activation: the plan, the contract or the template a
        new one is made from, and the term. Their values are checked further when the
        contract line is made (``_prepare_activation``)."""
        return dict(
            super()._api_activation_fields(),
            plan=lambda value: payload_core.plain_object("plan", value),
            contract=_reference("contract"),
            contract_template=_reference("contract_template"),
            term_months=lambda value: value,
        )
