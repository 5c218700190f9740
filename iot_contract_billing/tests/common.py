import itertools
import json

from odoo.tests import Form, new_test_user

from odoo.addons.iot_fleet.tests.common import IotFleetFixtures


class BillingFixtures(IotFleetFixtures):
    """The fleet's fixtures, plus plans, a water calculator and an accountant."""

    @classmethod
    def make_plan(cls, code, price, name=None, **values):
        """A plan product (flagged as a plan) without taxes, so that amounts read plainly."""
        return cls.env["product.product"].create(
            dict(
                values,
                name=name or f"Plan {code}",
                default_code=code,
                type="service",
                list_price=price,
                taxes_id=False,
                iot_is_plan=True,
            )
        )

    @classmethod
    def make_water_calculator(cls, code, unit_price, egroup="WM"):
        """The only invoiced calculator: int_counter summed, in m3."""
        cls.env["iot.usage.calculator"].search([]).write({"active": False})
        cls.usage_product = cls.env["product.product"].create(
            {
                "name": "Water usage",
                "type": "service",
                "taxes_id": False,
                "uom_id": cls.env.ref("uom.product_uom_cubic_meter").id,
                "uom_po_id": cls.env.ref("uom.product_uom_cubic_meter").id,
            }
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
        """An IoT manager with the billing role (previews and runs billing, posts
        invoices; ``values``: of the user, e.g. companies)."""
        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_user,iot_fleet.group_iot_manager,"
            "iot_contract_billing.group_iot_billing",
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


class BillingScenario(BillingFixtures):
    """Devices activated, fed and billed the way users do it (``TransactionCase``):
    needs ``cls.plan`` and ``cls.accountant`` (who runs the billing wizard)."""

    refs = itertools.count(1)

    def devices(self, *identifiers, **values):
        return self.env["iot.device"].create(
            [dict(values, identifier=identifier) for identifier in identifiers]
        )

    def activate(self, devices, date_start, plan=None, **data):
        data.setdefault("term_months", 3)
        devices._activate(
            self.customer,
            date_start,
            dict(data, plan={"product": (plan or self.plan).default_code}),
        )
        return devices

    def use(self, device, dtu, counter):
        summary = self.ingest_reading(device, dtu, counter)
        self.assertEqual(summary["accepted"], 1, summary)

    @classmethod
    def ingest_reading(cls, device, dtu, counter):
        """One water reading of ``device`` (also from ``setUpClass``): the summary."""
        return cls.env["iot.usage.record"].ingest(
            [
                {
                    "device": device.identifier,
                    "egroup": "WM",
                    "eid": "Type-1",
                    "ref": f"val-{next(cls.refs)}",
                    "dtu": dtu,
                    "int_counter": counter,
                }
            ]
        )

    def billing_user(self):
        """Who runs the billing wizard in ``bill``."""
        return self.accountant

    def bill(self, date, **values):
        """A billing run for the month of ``date``, through the wizard."""
        wizard = Form(self.env["iot.billing.run.wizard"].with_user(self.billing_user()))
        wizard.date = date
        for name, value in values.items():
            setattr(wizard, name, value)
        action = wizard.save().action_create_post()
        return self.env["iot.billing.run"].browse(action["res_id"])

    def lines(self, invoice):
        return [
            (line.name, line.quantity, line.price_unit)
            for line in invoice.invoice_line_ids.sorted("id")
        ]
