import json

from odoo.tests import new_test_user

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures


class BillingFixtures(IotFleetFixtures):
    """The fleet's fixtures, plus plans, a water calculator and an accountant."""

    @classmethod
    def make_plan(cls, code, price, name=None, **values):
        """A plan product without taxes, so that amounts read plainly."""
        return cls.env["product.product"].create(
            dict(
                values,
                name=name or f"Plan {code}",
                default_code=code,
                type="service",
                list_price=price,
                taxes_id=False,
            )
        )

    @classmethod
    def make_water_calculator(cls, code, unit_price, egroup="WM"):
        """The only invoiced calculator: int_counter summed, in m3."""
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.usage_product = cls.env["product.product"].create(
            {"name": "Water usage", "type": "service", "taxes_id": False}
        )
        return cls.env["iot.usage.calculator"].create(
            {
                "name": "Water",
                "code": code,
                "egroup": egroup,
                "eid": "Type-1",
                "value_field": "int_counter",
                "method": "sum",
                "unit": "m3",
                "unit_price": unit_price,
                "product_id": cls.usage_product.id,
            }
        )

    @classmethod
    def make_accountant(cls, login, **values):
        """An IoT manager who may post invoices (``values``: of the user, e.g. companies)."""
        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_user,iot_fleet.group_iot_manager,account.group_account_invoice",
            **values,
        )

    def api(self, method, path, body=None, key=None):
        """``(status, decoded JSON)`` of a device API call with a bearer key (an HttpCase
        helper; the gateway of company A's key by default)."""
        response = self.api_response(method, path, body, key)
        self.assertTrue(
            response.headers.get("Content-Type", "").startswith("application/json"),
            response.text[:300],
        )
        return response.status_code, response.json()

    def api_response(self, method, path, body=None, key=None):
        return self.opener.request(
            method,
            self.base_url() + "/iot/api/v1" + path,
            data=json.dumps(body) if body is not None else None,
            headers={
                "Authorization": f"Bearer {key or self.key}",
                "Content-Type": "application/json",
            },
            timeout=60,
        )
