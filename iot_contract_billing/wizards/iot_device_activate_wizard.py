from odoo import models


class IotDeviceActivateWizard(models.TransientModel):
    _name = "iot.device.activate.wizard"
    _inherit = ["iot.device.activate.wizard", "iot.plan.choice.mixin"]

    def _activation_data(self):
        return dict(super()._activation_data(), **self._plan_data())
