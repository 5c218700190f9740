from odoo import Command
from odoo.tests import new_test_user


class IotFleetFixtures:
    """Fixtures shared by the fleet tests, built once per class."""

    @classmethod
    def setup_fleet(cls):
        env = cls.env
        cls.company = env.company
        cls.company_b = env["res.company"].create({"name": "Other Brand"})
        cls.customer = env["res.partner"].create(
            {"name": "Fleet Customer Test", "ref": "FCT-1", "vat": "BE0477472701"}
        )
        cls.customer_2 = env["res.partner"].create({"name": "Second Customer", "ref": "SC-2"})
        cls.customer_b = env["res.partner"].create(
            {"name": "Brand B Customer", "ref": "BB-1", "company_id": cls.company_b.id}
        )
        cls.product = env["product.product"].create({"name": "Tracker", "default_code": "TRK"})
        cls.device_type = env["iot.device.type"].create(
            {"name": "Tracker", "code": "TRACKER", "product_id": cls.product.id}
        )
        cls.state = {state.code: state for state in env["iot.device.state"].search([])}
        cls.manager = new_test_user(
            env, login="iot_manager", groups="base.group_user,iot_fleet.group_iot_manager"
        )
        cls.reader = new_test_user(
            env, login="iot_reader", groups="base.group_user,iot_fleet.group_iot_user"
        )
        cls.gateway = env["res.users"]._iot_gateway_user("Gateway A", cls.company)
        cls.gateway_b = env["res.users"]._iot_gateway_user("Gateway B", cls.company_b)
        cls.gateway_b.write({"company_ids": [Command.set(cls.company_b.ids)]})
        cls.key = cls.gateway._iot_new_api_key("test A")
        cls.key_b = cls.gateway_b._iot_new_api_key("test B")
        cls.reader_key = cls.reader._iot_new_api_key("test reader")

    def create_device(self, identifier, user=None, **vals):
        Device = self.env["iot.device"].with_user(user or self.manager)
        return Device.create(
            dict({"identifier": identifier, "type_id": self.device_type.id}, **vals)
        )

    def events(self, device, event_type=None):
        events = device.sudo().event_ids
        if event_type:
            events = events.filtered(lambda e: e.event_type == event_type)
        return events.sorted("id")

    def execute_kw(self, model, method, args, user=None, key=None, kwargs=None):
        """Call a model method over JSON-RPC as an API key's user (an HttpCase helper)."""
        user = user or self.gateway
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    user.id,
                    key or self.key,
                    model,
                    method,
                    args,
                    kwargs or {},
                ],
            },
        }
        response = self.opener.post(self.base_url() + "/jsonrpc", json=payload, timeout=30)
        self.assertEqual(response.status_code, 200)
        return response.json()
