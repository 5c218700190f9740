"""Billing as a gateway's key reaches it (issue #8): the activation's billing fields are
checked at the edge, another company's contracts stay unknown, every company activates
with a plan, and the key reads no contract through the ORM."""

from odoo.tests import HttpCase, tagged

from .common import BillingFixtures


@tagged("post_install", "-at_install")
class TestGatewayBilling(BillingFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.plan = cls.make_plan("PLAN-GW", 9.90)
        cls.contract_a = cls.env["contract.contract"].create(
            {
                "name": "Secret Deal of A",
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "iot_fleet": True,
            }
        )

    def device(self, identifier, key=None):
        status, body = self.api("POST", "/devices", {"identifier": identifier}, key=key)
        self.assertEqual(status, 201, body)
        return self.env["iot.device"].search([("identifier", "=", identifier)])

    def activate(self, identifier, key=None, **activation):
        activation.setdefault("customer", "FCT-1")
        activation.setdefault("plan", {"product": "PLAN-GW"})
        return self.api("POST", f"/devices/{identifier}/activate", activation, key=key)

    def assertNotActivated(self, device):
        self.assertEqual(device.state_id.code, "pending")
        self.assertFalse(device.sudo().contract_line_id)

    # ------------------------------------------------------------------
    # Plans are checked at the edge
    # ------------------------------------------------------------------

    def test_plan_price_out_of_range(self):
        device = self.device("GW_PRICE")
        for price in (1e308, -1, 1e9 + 1):
            with self.subTest(price=price):
                status, body = self.activate(
                    "GW_PRICE", plan={"product": "PLAN-GW", "price": price}
                )
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["details"][0]["field"], "plan.price")
        self.assertNotActivated(device)

    def test_plan_product_with_a_nul(self):
        device = self.device("GW_NUL")
        status, body = self.activate("GW_NUL", plan={"product": "PLAN-GW\u0000; drop"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["details"][0]["field"], "plan.product")
        self.assertNotActivated(device)

    def test_openapi_describes_the_billing_fields(self):
        document = self.url_open("/iot/api/v1/openapi.json").json()
        activation = document["components"]["schemas"]["Activation"]["properties"]
        self.assertEqual(activation["plan"]["properties"]["price"]["maximum"], 1e9)
        self.assertEqual(activation["term_months"]["maximum"], 120)
        self.assertIn("contract_template", activation)

    def test_term_months_must_be_whole_months(self):
        device = self.device("GW_TERM")
        for term in (True, 0, 121, 12.5):
            with self.subTest(term=term):
                status, body = self.activate("GW_TERM", term_months=term)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["details"][0]["field"], "term_months")
        self.assertNotActivated(device)

    # ------------------------------------------------------------------
    # Another company's contract is unknown
    # ------------------------------------------------------------------

    def test_another_companys_contract_is_unknown(self):
        device = self.device("GW_B_LEAK", key=self.key_b)
        unknown_id = self.contract_a.id + 10**6
        for reference, unknown in ((self.contract_a.id, unknown_id), ("Secret Deal of A", "Nope")):
            with self.subTest(reference=reference):
                status, body = self.activate(
                    "GW_B_LEAK", key=self.key_b, customer="BB-1", contract=reference
                )
                self.assertEqual(status, 400, body)
                # The sender's own reference may be echoed, nothing else of A's.
                secrets = [self.customer.name, "FCT-1", "another"]
                if isinstance(reference, int):
                    secrets.append("Secret Deal")
                for secret in secrets:
                    self.assertNotIn(secret, str(body))
                answer = self.activate(
                    "GW_B_LEAK", key=self.key_b, customer="BB-1", contract=unknown
                )
                self.assertEqual(
                    answer[1]["error"]["message"].replace(str(unknown), str(reference)),
                    body["error"]["message"],
                )
                self.assertEqual(
                    (answer[0], answer[1]["error"]["code"], answer[1]["error"]["details"]),
                    (status, body["error"]["code"], body["error"]["details"]),
                )
        self.assertNotActivated(device)
        self.assertFalse(self.contract_a.contract_line_ids)

    # ------------------------------------------------------------------
    # Every company activates with a plan
    # ------------------------------------------------------------------

    def test_second_company_activates_with_a_plan(self):
        template_a = self.company.iot_contract_template_id
        for identifier in ("GW_B_1", "GW_B_2"):
            self.device(identifier, key=self.key_b)
            status, body = self.activate(
                identifier, key=self.key_b, customer="BB-1", date_start="2026-10-01"
            )
            self.assertEqual((status, body["state"]), (200, "active"), body)
        devices = self.env["iot.device"].search([("identifier", "in", ("GW_B_1", "GW_B_2"))])
        contract = devices.contract_line_id.contract_id
        self.assertEqual(len(contract), 1, "the second device joins the first one's contract")
        self.assertEqual(
            (contract.company_id, contract.partner_id, contract.iot_fleet),
            (self.company_b, self.customer_b, True),
        )
        template = contract.contract_template_id
        self.assertEqual(template.company_id, self.company_b)
        self.assertEqual(self.company_b.iot_contract_template_id, template)
        self.assertEqual(len(devices.billing_schedule_ids), 24)
        self.assertEqual(
            self.company.iot_contract_template_id,
            template_a,
            "company A's default is left as it was",
        )

    # ------------------------------------------------------------------
    # The ORM is no side door to contracts
    # ------------------------------------------------------------------

    def test_gateway_reads_no_contract_but_activates(self):
        # The API activates onto contracts: over HTTP, and over JSON-RPC.
        self.device("GW_ACL_HTTP")
        status, body = self.activate("GW_ACL_HTTP", date_start="2026-10-01")
        self.assertEqual((status, body["state"]), (200, "active"), body)
        self.device("GW_ACL_RPC")
        answer = self.execute_kw(
            "iot.device",
            "api_activate",
            ["GW_ACL_RPC", {"customer": "FCT-1", "plan": {"product": "PLAN-GW"}}],
        )
        self.assertEqual(answer.get("result", {}).get("state"), "active", answer)
        devices = self.env["iot.device"].search([("identifier", "like", "GW_ACL_")])
        self.assertEqual(len(devices.contract_line_id), 2)
        self.assertEqual(devices.contract_line_id.contract_id, self.contract_a)
        self.env["iot.plan.status.price"].create(
            {"product_tmpl_id": self.plan.product_tmpl_id.id, "base_status": "suspended"}
        )
        # But the key reads none of them through the ORM: not by id, not by a search.
        records = [
            self.contract_a,
            devices.contract_line_id[0],
            self.env.ref("iot_contract_billing.contract_template_fleet"),
            devices.billing_schedule_ids[0],
            self.plan.product_tmpl_id.iot_status_price_ids,
        ]
        for record in records:
            answer = self.execute_kw(record._name, "read", [record.ids], kwargs={"fields": ["id"]})
            self.assertEqual(
                answer.get("error", {}).get("data", {}).get("name"),
                "odoo.exceptions.AccessError",
                f"{record._name}: {answer}",
            )
            answer = self.execute_kw(record._name, "search_read", [[]], kwargs={"fields": ["id"]})
            self.assertFalse(answer.get("result"), f"{record._name}: {answer}")
        # Its devices it still reads, but not their contracts and schedules.
        answer = self.execute_kw("iot.device", "read", [devices.ids], kwargs={"fields": ["name"]})
        self.assertEqual(len(answer.get("result", [])), 2, answer)
        for field in ("contract_id", "contract_line_id", "billing_schedule_ids"):
            answer = self.execute_kw(
                "iot.device", "read", [devices.ids], kwargs={"fields": [field]}
            )
            self.assertEqual(
                answer.get("error", {}).get("data", {}).get("name"),
                "odoo.exceptions.AccessError",
                f"{field}: {answer}",
            )
