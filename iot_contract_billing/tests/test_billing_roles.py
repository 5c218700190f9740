"""The billing and auditor roles, and accountants without any IoT group, each from their
seat: given on the user form without developer mode, then what each may and may not do
through the ORM, the views, JSON-RPC and HTTP."""

import csv
import io

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from odoo.addons.base.models.res_users import name_selection_groups

from .common import BillingFixtures

BILLING = "iot_contract_billing.group_iot_billing"
AUDITOR = "iot_contract_billing.group_iot_auditor"


@tagged("post_install", "-at_install")
class TestBillingRoles(BillingFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_fleet()
        cls.env["iot.usage.mediation.rule"].search([]).unlink()
        cls.make_plan("ROLES-PLAN", 10.0)
        cls.make_water_calculator("ROLES_WATER", 0.5)
        users = {
            "biller": f"base.group_user,{BILLING}",
            "auditor": f"base.group_user,{AUDITOR}",
            "invoicing": "base.group_user,account.group_account_invoice",
            "bookkeeper": "base.group_user,account.group_account_readonly",
        }
        for login, groups in users.items():
            setattr(cls, login, new_test_user(cls.env, login=f"iot_roles_{login}", groups=groups))
        cls.devices = cls.env["iot.device"].create([{"identifier": f"ROLES_{n}"} for n in range(2)])
        cls.devices._activate(cls.customer, "2026-04-01", {"plan": {"product": "ROLES-PLAN"}})
        summary = cls.env["iot.usage.record"].ingest(
            [
                {
                    "device": device.identifier,
                    "egroup": "WM",
                    "eid": "Type-1",
                    "ref": f"roles-{device.identifier}",
                    "dtu": "2026-04-10T08:00:00Z",
                    "int_counter": 20,
                }
                for device in cls.devices
            ]
        )
        assert summary["accepted"] == 2, summary
        cls.april_run = (
            cls.env["iot.billing.run"]
            .with_user(cls.biller)
            .create({"name": "April", "date_from": "2026-04-01", "date_to": "2026-04-30"})
        )
        cls.april_run.action_run()
        cls.invoice = cls.april_run.invoice_ids
        # The invoice is read by the web client in requests of their own: not from this
        # transaction's cache, where creating it cached its fleet detail empty.
        cls.env.invalidate_all()
        # May is not billed yet: its schedules are no invoice's detail.
        cls.may = cls.env["iot.billing.schedule"].search(
            [("device_id", "in", cls.devices.ids), ("date_start", "=", "2026-05-01")]
        )

    def detail_devices(self, text):
        """The devices of a detail export (its last row is the totals)."""
        *rows, totals = csv.DictReader(io.StringIO(text))
        self.assertEqual(totals["Invoice"], "Total")
        return {row["Device"] for row in rows}

    def key_of(self, user):
        return user._iot_new_api_key(f"{user.login} key")

    def assertRefusedOverRpc(self, user, model, method, *args):
        answer = self.execute_kw(model, method, list(args), user=user, key=self.key_of(user))
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)

    # ------------------------------------------------------------------
    # The user form
    # ------------------------------------------------------------------

    def test_roles_are_given_on_the_user_form_without_developer_mode(self):
        """The user form as an administrator sees it outside developer mode (no request,
        so no debug): each role is a selection field in it, and setting it gives the
        role with what it implies."""
        for xmlid, implied in (
            (BILLING, ("iot_fleet.group_iot_user", "account.group_account_invoice")),
            (AUDITOR, ("iot_fleet.group_iot_user", "account.group_account_readonly")),
        ):
            with self.subTest(role=xmlid):
                group = self.env.ref(xmlid)
                field = name_selection_groups(group.ids)
                admin = self.env.ref("base.user_admin")
                users = self.env["res.users"].with_user(admin)
                with Form(users, view="base.view_users_form") as form:
                    form.name = f"Given {group.name}"
                    form.login = f"given_{group.id}"
                    setattr(form, field, group.id)
                user = form.record
                self.assertTrue(user.has_group(xmlid))
                for implied_xmlid in implied:
                    self.assertTrue(user.has_group(implied_xmlid), implied_xmlid)
                self.assertFalse(user.has_group("iot_fleet.group_iot_manager"))

    # ------------------------------------------------------------------
    # Billing role
    # ------------------------------------------------------------------

    def test_billing_role_previews_and_runs_billing(self):
        self.assertEqual(self.invoice.state, "posted", "run by the billing role at set-up")
        Wizard = self.env["iot.billing.run.wizard"].with_user(self.biller)
        with Form(Wizard) as wizard:
            wizard.date = "2026-05-15"
        wizard.record.action_preview()
        [line] = wizard.record.preview_line_ids
        self.assertEqual((line.device_count, line.amount_untaxed), (2, 20.0), "two at 10.00")
        self.assertFalse(self.may.filtered("invoice_line_id"), "a preview bills nothing")
        wizard.record.action_create_post()
        self.assertEqual(set(self.may.mapped("state")), {"invoiced"})
        self.assertEqual(self.may.invoice_line_id.move_id.state, "posted")
        # It reads what billing reads, and changes none of the fleet or contracts.
        contract = self.devices[0].with_user(self.biller).contract_line_id.contract_id
        self.assertTrue(contract.name)
        self.assertEqual(len(self.invoice.with_user(self.biller).iot_usage_ids), 2)
        with self.assertRaises(AccessError):
            contract.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.devices[0].with_user(self.biller).write({"name": "Changed"})

    def test_iot_manager_without_the_billing_role_runs_no_billing(self):
        manager = self.manager
        Run = self.env["iot.billing.run"].with_user(manager)
        # The buttons and the menu are not shown...
        arch = Run.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="action_run"', arch)
        biller_views = self.april_run.with_user(self.biller).get_views([(False, "form")])
        self.assertIn('name="action_run"', biller_views["views"]["form"]["arch"])
        menus = self.env["ir.ui.menu"].with_user(manager)._visible_menu_ids()
        wizard_menu = self.env.ref("iot_contract_billing.menu_iot_billing_run_wizard")
        self.assertNotIn(wizard_menu.id, menus)
        self.assertIn(self.env.ref("iot_contract_billing.menu_iot_billing_run").id, menus)
        self.assertIn(
            wizard_menu.id, self.env["ir.ui.menu"].with_user(self.biller)._visible_menu_ids()
        )
        # ... and the server refuses all the same.
        draft = self.env["iot.billing.run"].create(
            {"name": "May", "date_from": "2026-05-01", "date_to": "2026-05-31"}
        )
        with self.assertRaises(AccessError):
            draft.with_user(manager).action_run()
        with (
            self.assertRaises(AccessError),
            Form(self.env["iot.billing.run.wizard"].with_user(manager)) as wizard,
        ):
            wizard.date = "2026-05-15"
        with self.assertRaises(AccessError):
            Run.create({"name": "June", "date_from": "2026-06-01", "date_to": "2026-06-30"})
        self.assertRefusedOverRpc(manager, "iot.billing.run", "action_run", [draft.id])
        self.assertEqual(draft.state, "draft")
        self.assertFalse(self.may.filtered(lambda s: s.state == "invoiced"))

    # ------------------------------------------------------------------
    # Auditor
    # ------------------------------------------------------------------

    def test_auditor_reads_everything_and_changes_nothing(self):
        auditor = self.auditor
        for model in (
            "iot.device",
            "iot.device.event",
            "iot.usage.record",
            "iot.billing.schedule",
            "iot.billing.run",
            "iot.billing.usage",
        ):
            with self.subTest(model=model):
                records = self.env[model].with_user(auditor).search([])
                self.assertTrue(records, model)
                records.read([])
        invoice = self.invoice.with_user(auditor)
        self.assertEqual(invoice.amount_total, self.invoice.amount_total)
        self.assertEqual(invoice.iot_schedule_count, 2)
        # The export, as the invoice's button and its download link give it.
        self.authenticate(auditor.login, auditor.login)
        action = invoice.action_iot_export_detail()
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertEqual(self.detail_devices(response.text), set(self.devices.mapped("identifier")))
        # Nothing written: not the fleet, not billing, not invoices.
        for call in (
            lambda: self.devices[0].with_user(auditor).write({"name": "Audited"}),
            lambda: invoice.write({"ref": "Audited"}),
            lambda: self.env["iot.billing.run"]
            .with_user(auditor)
            .create({"name": "X", "date_from": "2026-05-01", "date_to": "2026-05-31"}),
            lambda: self.april_run.with_user(auditor).action_run(),
            lambda: self.env["iot.billing.run.wizard"].with_user(auditor).create({}),
        ):
            with self.subTest(call=call), self.assertRaises(AccessError):
                call()
        self.assertRefusedOverRpc(auditor, "account.move", "write", [self.invoice.id], {"ref": "X"})
        self.assertRefusedOverRpc(
            auditor, "iot.device", "write", self.devices.ids, {"name": "Audited"}
        )
        self.assertFalse(self.invoice.ref)

    # ------------------------------------------------------------------
    # Accountants without any IoT group
    # ------------------------------------------------------------------

    def test_accountants_read_the_fleet_detail_of_invoices(self):
        """What the invoice form reads (as the web client asks for it) and the download
        of its detail, by an accountant and a read-only one, neither of them in IoT."""
        specification = {
            "name": {},
            "iot_schedule_count": {},
            "iot_detail_ids": {
                "fields": {
                    "device_id": {"fields": {"display_name": {}}},
                    "move_line_id": {"fields": {"display_name": {}}},
                    "date_start": {},
                    "amount_untaxed": {},
                }
            },
            "iot_usage_ids": {
                "fields": {
                    "device_id": {"fields": {"display_name": {}}},
                    "calculator_id": {"fields": {"display_name": {}}},
                    "quantity": {},
                    "amount": {},
                }
            },
        }
        for accountant in (self.invoicing, self.bookkeeper):
            with self.subTest(accountant=accountant.login):
                [values] = self.invoice.with_user(accountant).web_read(specification)
                self.assertEqual(values["iot_schedule_count"], 2)
                self.assertEqual(
                    {row["device_id"]["display_name"] for row in values["iot_detail_ids"]},
                    set(self.devices.mapped("display_name")),
                )
                self.assertEqual(
                    sum(row["amount_untaxed"] for row in values["iot_detail_ids"]),
                    self.invoice.amount_untaxed,
                    "the devices' shares add up to the invoice",
                )
                self.assertEqual(
                    sorted(row["quantity"] for row in values["iot_usage_ids"]), [20.0, 20.0]
                )
                form = self.env["account.move"].with_user(accountant).get_views([(False, "form")])
                self.assertIn('name="iot_detail"', form["views"]["form"]["arch"])
                # Only what was invoiced: May's schedules are no invoice's detail.
                self.assertEqual(len(self.may), 2)
                Schedule = self.env["iot.billing.schedule"].with_user(accountant)
                self.assertFalse(Schedule.search([("id", "in", self.may.ids)]))
                with self.assertRaises(AccessError):
                    self.may.with_user(accountant).read(["amount_total"])
                with self.assertRaises(AccessError):
                    self.devices.with_user(accountant).read(["identifier"])
                # No IoT menu.
                menus = self.env["ir.ui.menu"].with_user(accountant)._visible_menu_ids()
                self.assertNotIn(self.env.ref("iot_fleet.menu_iot_root").id, menus)
                # The download link of the invoice form, over HTTP with the session.
                self.authenticate(accountant.login, accountant.login)
                for file_format in ("csv", "xlsx"):
                    response = self.url_open(
                        f"/iot/invoices/{self.invoice.id}/detail?format={file_format}"
                    )
                    self.assertEqual(response.status_code, 200, response.text[:300])
                    self.assertIn(f"-device.{file_format}", response.headers["Content-Disposition"])
                text = self.url_open(f"/iot/invoices/{self.invoice.id}/detail?format=csv").text
                self.assertEqual(self.detail_devices(text), set(self.devices.mapped("identifier")))
                self.assertEqual(
                    self.url_open(f"/iot/invoices/{self.invoice.id + 10**6}/detail").status_code,
                    404,
                )
        # Without a session, the download asks for a login.
        self.authenticate(None, None)
        response = self.url_open(
            f"/iot/invoices/{self.invoice.id}/detail?format=csv", allow_redirects=False
        )
        self.assertNotEqual(response.status_code, 200)
