from odoo import api, fields, models


class IotDevice(models.Model):
    _inherit = "iot.device"

    # Gateways read devices but no usage record: the count is for the back office.
    usage_record_count = fields.Integer(
        compute="_compute_usage_record_count", string="Usage", groups="iot_fleet.group_iot_user"
    )

    @api.model
    def _iot_identifier_rules(self, company):
        """The company's mediation rules that normalise every DeviceId (no condition on
        the record): a device is registered as its usage will name it."""
        identifier_rules, _others = self.env["iot.usage.mediation.rule"]._compiled_rules(company)
        return super()._iot_identifier_rules(company) + tuple(
            rule.params
            for rule in identifier_rules
            if rule.egroup is None and rule.eid is None and rule.field is None
        )

    def _compute_usage_record_count(self):
        counts = dict(
            self.env["iot.usage.record"]._read_group(
                [("device_id", "in", self.ids)], ["device_id"], ["__count"]
            )
        )
        for device in self:
            device.usage_record_count = counts.get(device, 0)

    def action_view_usage(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("iot_usage.iot_usage_record_action")
        action["domain"] = [("device_id", "=", self.id)]
        action["context"] = {"search_default_group_month": 1, "graph_groupbys": ["dtu:day"]}
        action["view_mode"] = "graph,list,pivot"
        action["views"] = [(False, "graph"), (False, "list"), (False, "pivot")]
        return action
