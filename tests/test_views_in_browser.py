"""Every view of our addons, opened in headless Chromium by each role, without a client error.

View expressions (``invisible=``, ``readonly=``...) are evaluated by the web client, not
by Python, and a field a form reads must be readable by whoever opens that form: only a
browser shows such faults. For each role, one browser session opens every window action
of the IoT menus the role sees, of our menus in other apps (Invoicing), and of the core
menus whose forms our addons extend, then
each of its views (list, kanban, pivot, graph), the form of an existing record and a new
one, and a kanban column's quick create; a client action (the IoT overview) is opened and
each of its buttons and links is clicked. Any error dialog, failed RPC or JavaScript error
fails the test with the action and view it happened in.
"""

import json
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged

SCRIPT = (Path(__file__).parent / "views_in_browser.js").read_text()

ROLES = {
    "IoT User": "base.group_user,iot_fleet.group_iot_user",
    "IoT Manager": "base.group_user,iot_fleet.group_iot_manager",
    "Accountant": "base.group_user,account.group_account_invoice",
    # IoT > Billing > Fleet Contracts and Invoices: IoT rights and invoicing rights.
    "IoT Manager with Invoicing": (
        "base.group_user,iot_fleet.group_iot_manager,account.group_account_invoice"
    ),
    "IoT Billing": "base.group_user,iot_contract_billing.group_iot_billing",
    "Auditor": "base.group_user,iot_contract_billing.group_iot_auditor",
}

OUR_ADDONS = ("iot_fleet", "iot_usage", "iot_contract_billing", "iot_receivables")


@tagged("post_install", "-at_install")
class TestViewsInBrowser(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # The web client's bundle, built once for the class: built in a test, it would be
        # rolled back with it and built again by the next one, some 15 s each time.
        bundle = env["ir.qweb"]._get_asset_bundle("web.assets_web")
        bundle.js()
        bundle.css()
        cls.users = {
            role: new_test_user(env, login=f"iot_views_{n}", groups=groups)
            for n, (role, groups) in enumerate(ROLES.items())
        }
        # What the demo data lacks: a device on a plan (contract, schedules), a billing run
        # and its posted invoice, an upload.
        plan = env["product.product"].create(
            {
                "name": "Views Plan",
                "default_code": "VIEWS-PLAN",
                "type": "service",
                "list_price": 5,
                "iot_is_plan": True,
            }
        )
        cls.customer = env["res.partner"].create({"name": "Views Customer"})
        cls.devices = env["iot.device"].create([{"identifier": f"VIEWS_{n}"} for n in range(2)])
        cls.devices._activate(cls.customer, "2026-04-01", {"plan": {"product": plan.default_code}})
        cls.billing_run = (
            env["iot.billing.run"]
            .with_context(iot_billing_inline=True)
            .create({"name": "Views April", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        cls.billing_run.action_run()
        env["iot.usage.upload"].create({"name": "views.csv"})
        cls.devices[1]._iot_block("fraud", note="Views block")
        gateway = env["res.users"]._iot_gateway_user("Views Gateway")
        gateway._iot_new_api_key("Views key")
        line = cls.devices[0].contract_line_id
        cls.records = {
            "iot.device": cls.devices[0],
            "account.move": cls.billing_run.invoice_ids[:1],
            "contract.contract": line.contract_id,
            "contract.line": line,
            "product.template": plan.product_tmpl_id,
            "res.users": gateway,
        }

    def _extended_core_models(self):
        """The models of other addons whose views ours extend."""
        views = self.env["ir.model.data"].search(
            [("module", "in", OUR_ADDONS), ("model", "=", "ir.ui.view")]
        )
        views = self.env["ir.ui.view"].browse(views.mapped("res_id")).filtered("inherit_id")
        return {model for model in views.mapped("model") if model and not model.startswith("iot.")}

    def _menus(self, user):
        """The menus of the web client that open a window action, one per action: those of
        the IoT app in its order, then the first one of each model whose views we extend."""
        shown = self.env["ir.ui.menu"].with_user(user).load_web_menus(debug=False)

        def walk(menu):
            for child in menu["children"]:
                yield shown[child]
                yield from walk(shown[child])

        roots = [menu for menu in shown.values() if menu["xmlid"] == "iot_fleet.menu_iot_root"]
        menus = [menu for root in roots for menu in walk(root)]
        # Our menus in other apps (Invoicing > Customers, > Configuration...).
        ours = set(
            self.env["ir.model.data"]
            .search([("module", "in", OUR_ADDONS), ("model", "=", "ir.ui.menu")])
            .mapped("res_id")
        )
        seen = {menu["id"] for menu in menus}
        menus += [menu for menu in shown.values() if menu["id"] in ours - seen]
        extended = self._extended_core_models()
        for menu in shown.values():
            # An app's own entry repeats its first menu's action.
            if menu["actionModel"] == "ir.actions.act_window" and menu["id"] != menu["appID"]:
                model = self.env["ir.actions.act_window"].browse(menu["actionID"]).res_model
                if model in extended:
                    extended.discard(model)
                    menus.append(menu)
        by_action = {}
        for menu in menus:
            if menu["actionModel"] in ("ir.actions.act_window", "ir.actions.client"):
                by_action.setdefault((menu["actionModel"], menu["actionID"]), menu)
        return by_action

    def _plan(self, user):
        plan = []
        for (action_model, action_id), menu in self._menus(user).items():
            if action_model == "ir.actions.client":
                # A dashboard: opened, then each thing it offers to click.
                tag = self.env[action_model].browse(action_id).tag
                plan.append(
                    {"name": f"{menu['name']} ({tag})", "menuId": menu["id"], "client": True}
                )
                continue
            action = self.env[action_model].browse(action_id)
            model = self.env[action.res_model].with_user(user)
            record = self.records.get(action.res_model) or model.search([], limit=1)
            plan.append(
                {
                    "name": f"{menu['name']} ({action.res_model})",
                    "menuId": menu["id"],
                    "target": action.target,
                    "views": action.view_mode.split(","),
                    "resId": record.id,
                }
            )
        return plan

    def _open_every_view(self, role):
        user = self.users[role]
        plan = self._plan(user)
        self.assertTrue(plan, f"{role} reaches no action")
        self.browser_js(
            "/odoo",
            f"{SCRIPT}\niotBrowserTest.openEveryView({json.dumps(plan)});",
            ready="odoo.isReady",
            login=user.login,
            timeout=240,
        )

    def test_every_view_as_iot_user(self):
        self._open_every_view("IoT User")

    def test_every_view_as_iot_manager(self):
        self._open_every_view("IoT Manager")

    def test_every_view_as_iot_manager_with_invoicing(self):
        self._open_every_view("IoT Manager with Invoicing")

    def test_every_view_as_accountant(self):
        """Invoicing rights only, no IoT group: invoices and their forms open."""
        self._open_every_view("Accountant")

    def test_every_view_as_billing(self):
        """The billing role: billing runs and their wizard, invoices."""
        self._open_every_view("IoT Billing")

    def test_every_view_as_auditor(self):
        """Read-only: the fleet, billing and invoices."""
        self._open_every_view("Auditor")

    def test_business_error_shows_as_a_warning(self):
        """Activating a device that is active already: a warning, not a traceback."""
        identifier = self.devices[0].identifier
        self.assertEqual(self.devices[0].base_status, "active")
        self.browser_js(
            "/odoo",
            f"{SCRIPT}\niotBrowserTest.businessErrorIsAWarning({json.dumps(identifier)});",
            ready="odoo.isReady",
            login=self.users["IoT Manager"].login,
        )
