"""Plans are products flagged as plans: only they are offered, and accepted by the API."""

import importlib.util
from pathlib import Path

from odoo.tests import Form, HttpCase, tagged

from .common import BillingFixtures

MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.0.3.0" / "post-migrate.py"


@tagged("post_install", "-at_install")
class TestPlanFlag(BillingFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.plan = cls.make_plan("FLAG-PLAN", 9.0)
        # cls.product ("[TRK] Tracker"), a device type's product, is not a plan.

    def offered_plans(self, wizard_model):
        """The products the wizard's Plan field offers the IoT manager, as the web
        client asks for them (the field's domain)."""
        domain = self.env[wizard_model].fields_get(["plan_product_id"])["plan_product_id"]["domain"]
        Product = self.env["product.product"].with_user(self.manager)
        return Product.browse([row[0] for row in Product.name_search("", domain, limit=None)])

    def test_only_plans_are_offered(self):
        for wizard_model in ("iot.device.activate.wizard", "iot.device.contract.wizard"):
            offered = self.offered_plans(wizard_model)
            self.assertIn(self.plan, offered, wizard_model)
            self.assertNotIn(self.product, offered, wizard_model)
            self.assertTrue(all(offered.mapped("iot_is_plan")), wizard_model)

    def test_product_form_shows_the_flag(self):
        form = Form(self.env["product.template"])
        form.name = "A new plan"
        form.iot_is_plan = True
        self.assertTrue(form.save().iot_is_plan)

    def test_api_refuses_a_product_that_is_no_plan(self):
        self.create_device("FLAG_1")
        status, body = self.api(
            "POST", "/devices/FLAG_1/activate", {"customer": "FCT-1", "plan": {"product": "TRK"}}
        )
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["code"], "not_a_plan")
        self.assertIn("[TRK] Tracker", body["error"]["message"])
        device = self.env["iot.device"].search([("identifier", "=", "FLAG_1")])
        self.assertNotEqual(device.base_status, "active")
        self.assertFalse(device.sudo().contract_line_id)
        status, body = self.api(
            "POST",
            "/devices/FLAG_1/activate",
            {"customer": "FCT-1", "plan": {"product": "FLAG-PLAN"}, "date_start": "2026-04-01"},
        )
        self.assertEqual(status, 200, body)
        self.assertEqual(device.sudo().contract_line_id.product_id, self.plan)

    def test_migration_flags_the_products_devices_are_on(self):
        device = self.create_device("FLAG_MIG")
        device._activate(self.customer, "2026-04-01", {"plan": {"product": "FLAG-PLAN"}})
        self.plan.iot_is_plan = False  # as before the flag existed
        spec = importlib.util.spec_from_file_location("iot_plan_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.env.flush_all()
        migration.migrate(self.env.cr, "18.0.0.2.0")
        self.env.invalidate_all()
        self.assertTrue(self.plan.iot_is_plan)
        self.assertFalse(self.product.iot_is_plan, "a product on no fleet contract line")
