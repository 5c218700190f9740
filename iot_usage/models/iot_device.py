from odoo import fields, models


class IotDevice(models.Model):
    _inherit = "iot.device"

    # Gateways read devices but no usage record: the count is for the back office.
    usage_record_count = fields.Integer(
        compute="_compute_usage_record_count", string="Usage", groups="iot_fleet.group_iot_user"
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
