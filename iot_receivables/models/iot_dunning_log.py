from markupsafe import Markup

from odoo import Command, _, fields, models
from odoo.tools.misc import formatLang

# A run that sends more reminders and fee invoices than this does it in queue jobs.
DOCUMENTS_PER_JOB = 200

STEPS = [
    ("escalate", "Level Reached"),
    ("lower", "Level Lowered"),
]
TRIGGERS = [("run", "Dunning Run"), ("payment", "Payment or Reconciliation")]


class IotDunningLog(models.Model):
    """The dunning history: one record each time a customer reaches a level or moves
    down (a payment, a credit note, a write-off). The latest record of a customer and
    company says where it stands. Written by the run only (no one writes it by hand)."""

    _name = "iot.dunning.log"
    _description = "Dunning History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    step = fields.Selection(STEPS, required=True, readonly=True)
    trigger = fields.Selection(TRIGGERS, default="run", required=True, readonly=True)
    level_id = fields.Many2one(
        "iot.dunning.level",
        readonly=True,
        ondelete="restrict",
        help="Where the customer stands after this step (empty: no level, all paid).",
    )
    previous_level_id = fields.Many2one("iot.dunning.level", readonly=True, ondelete="restrict")
    policy_id = fields.Many2one(related="level_id.policy_id", string="Policy")
    currency_id = fields.Many2one(related="company_id.currency_id")
    overdue_amount = fields.Monetary(readonly=True, help="What the counted invoices owe.")
    overdue_count = fields.Integer(string="Overdue Invoices", readonly=True)
    days_overdue = fields.Integer(
        readonly=True, help="Days past the due date of the oldest invoice counted."
    )
    devices_blocked = fields.Integer(readonly=True)
    devices_unblocked = fields.Integer(readonly=True)
    fee_invoice_id = fields.Many2one("account.move", readonly=True)
    email_sent = fields.Boolean(string="E-mail", readonly=True)
    letter = fields.Boolean(readonly=True, help="The level asks for a letter (Print Letter).")
    handed_over = fields.Boolean(readonly=True)

    def init(self):
        # Where each customer stands: the latest record of (customer, company).
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS iot_dunning_log_current_idx
                ON iot_dunning_log (company_id, partner_id, id DESC)
            """
        )

    def _overdue_invoices(self):
        """The customer's open invoices past due, for the letter and the e-mail."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", self.date),
                ],
                order="invoice_date_due, id",
            )
        )

    def action_print_letter(self):
        return self.env.ref("iot_receivables.action_report_dunning_letter").report_action(self)

    def action_view_devices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_device_block_action"
        )
        action["domain"] = [
            ("reason", "=", "dunning"),
            ("partner_id.commercial_partner_id", "=", self.partner_id.id),
        ]
        action["context"] = {"search_default_in_force": 1}
        return action

    # ------------------------------------------------------------------
    # The level's actions (called by the run on the steps that raise a level)
    # ------------------------------------------------------------------

    def _iot_message(self):
        """The note the step leaves on the customer's chatter."""
        self.ensure_one()
        if self.step == "lower":
            text = (
                _(
                    "Dunning: down to %(level)s (%(count)s invoice(s) overdue, %(amount)s).",
                    level=self.level_id.name,
                    count=self.overdue_count,
                    amount=self._amount_text(),
                )
                if self.level_id
                else _("Dunning: nothing overdue any more.")
            )
        else:
            text = _(
                "Dunning: %(level)s reached (%(count)s invoice(s) overdue for up to %(days)s "
                "days, %(amount)s).",
                level=self.level_id.name,
                count=self.overdue_count,
                days=self.days_overdue,
                amount=self._amount_text(),
            )
        parts = [text]
        if self.devices_blocked:
            parts.append(_("%(count)s device(s) blocked.", count=self.devices_blocked))
        if self.devices_unblocked:
            parts.append(_("%(count)s device(s) unblocked.", count=self.devices_unblocked))
        level = self.level_id
        if self.step == "escalate":
            if level.send_email and level.mail_template_id:
                parts.append(_("Reminder sent by e-mail."))
            if level.print_letter:
                parts.append(_("Letter to print (Dunning History)."))
            if level.fee_product_id:
                parts.append(_("Dunning fee invoiced."))
            if level.hand_over:
                parts.append(_("Handed over to collection."))
        return Markup("<p>%s</p>") % " ".join(parts)

    def _amount_text(self):
        return formatLang(self.env, self.overdue_amount, currency_obj=self.currency_id)

    def _iot_hand_over(self):
        """Flag the customers handed over to collection; an activity for the accountant."""
        logs = self.filtered(lambda log: log.level_id.hand_over)
        if not logs:
            return
        logs.write({"handed_over": True})
        logs.partner_id.sudo().write({"iot_in_collection": True})
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model,
                    "res_id": log.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "summary": _("Hand over to collection"),
                    "note": log._iot_message(),
                    "user_id": (
                        log.level_id.collection_user_id or log.partner_id.user_id or self.env.user
                    ).id,
                    "date_deadline": log.date,
                }
                for log in logs
            ]
        )

    def _iot_send_documents(self):
        """Reminders by e-mail and dunning fees of these steps: at once for a few, in
        queue jobs of ``DOCUMENTS_PER_JOB`` steps for more."""
        logs = self.filtered(
            lambda log: log.level_id.fee_product_id
            or (log.level_id.send_email and log.level_id.mail_template_id)
        )
        if len(logs) <= DOCUMENTS_PER_JOB or self.env.context.get("iot_dunning_inline"):
            return logs._iot_make_documents()
        for start in range(0, len(logs), DOCUMENTS_PER_JOB):
            chunk = logs[start : start + DOCUMENTS_PER_JOB]
            chunk.with_delay(
                description=_(
                    "Dunning reminders and fees %(first)s to %(last)s",
                    first=start + 1,
                    last=start + len(chunk),
                )
            )._iot_make_documents()
        return True

    def _iot_make_documents(self):
        """Post the fee invoices and queue the reminders. Idempotent (a job run twice):
        a step whose fee is invoiced, or whose e-mail is sent, is skipped."""
        logs = self.sudo()
        logs.filtered(lambda log: log.level_id.fee_product_id and not log.fee_invoice_id)._iot_fee()
        to_mail = logs.filtered(
            lambda log: log.level_id.send_email
            and log.level_id.mail_template_id
            and not log.email_sent
        )
        for template, group in to_mail.grouped(lambda log: log.level_id.mail_template_id).items():
            template.send_mail_batch(group.ids)
        to_mail.write({"email_sent": True})
        return True

    def _iot_fee(self):
        """One posted fee invoice per step, unless the customer still owes the fee of
        that level (a payment reversed raises the level again: no second fee)."""
        Move = self.env["account.move"]
        owed = Move.search(
            [
                ("iot_dunning_level_id", "in", self.level_id.ids),
                ("commercial_partner_id", "in", self.partner_id.ids),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        owed_keys = {(m.commercial_partner_id.id, m.iot_dunning_level_id.id) for m in owed}
        logs = self.filtered(lambda log: (log.partner_id.id, log.level_id.id) not in owed_keys)
        if not logs:
            return Move
        fees = Move.with_context(default_move_type="out_invoice").create(
            [log._iot_fee_values() for log in logs]
        )
        fees.action_post()
        for log, fee in zip(logs, fees, strict=True):
            log.fee_invoice_id = fee
        return fees

    def _iot_fee_values(self):
        level = self.level_id
        product = level.fee_product_id.with_company(self.company_id)
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "invoice_date": self.date,
            "iot_dunning_level_id": level.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "name": _("Dunning fee: %(level)s", level=level.name),
                        "quantity": 1,
                        "price_unit": level.fee_amount or product.lst_price,
                    }
                )
            ],
        }
