from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..core import (
    account as account_core,
    dunning,
)
from .iot_account_entry import HOLDING_UNITS

ACCOUNTING = "account.group_account_invoice,account.group_account_readonly"

# Who decides how a customer group is invoiced: the billing role and accounting managers.
CONSOLIDATION_GROUPS = "iot_contract_billing.group_iot_billing,account.group_account_manager"


class ResPartner(models.Model):
    _inherit = "res.partner"

    iot_hold_policy = fields.Selection(
        [
            ("company", "Company Default"),
            ("custom", "Own Threshold"),
            ("never", "Invoice Every Run"),
        ],
        string="Transaction Account",
        default="company",
        groups=ACCOUNTING,
        help="Whether billing runs hold amounts below a threshold on the customer's "
        "transaction account: with the company's threshold (IoT settings), with its own, "
        "or never.",
    )
    iot_billing_threshold = fields.Float(
        string="Billing Threshold",
        digits="Account",
        groups=ACCOUNTING,
        help="Untaxed amount from which the held entries are invoiced.",
    )
    iot_holding_time = fields.Integer(
        string="Maximum Holding Time",
        groups=ACCOUNTING,
        help="The account is invoiced when its oldest entry is held this long. 0: up to "
        "the fiscal year end.",
    )
    iot_holding_unit = fields.Selection(
        HOLDING_UNITS, string="Holding Unit", default="month", groups=ACCOUNTING
    )
    iot_account_balance = fields.Monetary(
        string="On Account",
        compute="_compute_iot_account",
        currency_field="iot_account_currency_id",
        groups=ACCOUNTING,
        help="Untaxed amount held on the transaction account, not invoiced yet.",
    )
    iot_account_currency_id = fields.Many2one(
        "res.currency", compute="_compute_iot_account", groups=ACCOUNTING
    )
    iot_account_entry_count = fields.Integer(compute="_compute_iot_account", groups=ACCOUNTING)

    @api.depends_context("company")
    def _compute_iot_account(self):
        """The open entries of the customer and its contacts, in the current company."""
        company = self.env.company
        commercial = {partner.id: partner.commercial_partner_id.id for partner in self}
        totals = dict.fromkeys(commercial.values(), (0.0, 0))
        groups = self.env["iot.account.entry"]._read_group(
            [
                ("partner_id", "child_of", list(set(commercial.values()))),
                ("company_id", "=", company.id),
                ("currency_id", "=", company.currency_id.id),
                ("state", "=", "open"),
            ],
            ["partner_id"],
            ["amount:sum", "__count"],
        )
        for partner, amount, count in groups:
            key = partner.commercial_partner_id.id
            if key in totals:
                balance, entries = totals[key]
                totals[key] = (balance + amount, entries + count)
        for partner in self:
            balance, entries = totals.get(commercial[partner.id], (0.0, 0))
            partner.iot_account_currency_id = company.currency_id
            partner.iot_account_balance = balance
            partner.iot_account_entry_count = entries

    @api.model
    def _commercial_fields(self):
        # A contact bills as its company does.
        return super()._commercial_fields() + [
            "iot_hold_policy",
            "iot_billing_threshold",
            "iot_holding_time",
            "iot_holding_unit",
        ]

    def action_view_iot_account_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_account_entry_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"search_default_open": 1}
        return action

    def action_iot_invoice_now(self):
        """Invoice the customer's transaction account now, whatever its balance."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Invoicing a transaction account takes Invoicing rights."))
        partners = self.commercial_partner_id
        contacts = self.search([("id", "child_of", partners.ids)])
        invoices = self.env["iot.account.entry"]._flush_accounts(
            self.env.company, fields.Date.context_today(self), partners=contacts, force=True
        )
        if not invoices:
            raise UserError(
                _(
                    "Nothing is held on the transaction account of %(customer)s.",
                    customer=", ".join(partners.mapped("display_name")),
                )
            )
        return invoices._get_records_action(name=_("Transaction Account Invoices"))

    def _iot_hold_policy(self, company):
        """The customer's holding policy in ``company`` (``core.account.Policy``)."""
        partner = self.commercial_partner_id.sudo()
        if partner.iot_hold_policy == "never":
            return account_core.Policy(0.0)
        source = partner if partner.iot_hold_policy == "custom" else company.sudo()
        return account_core.Policy(
            source.iot_billing_threshold, source.iot_holding_time, source.iot_holding_unit
        )

    iot_dunning_policy_id = fields.Many2one(
        "iot.dunning.policy",
        string="Dunning Policy",
        groups="account.group_account_invoice,account.group_account_readonly",
        help="Replaces the company's dunning policy for this customer (in that policy's "
        "company).",
    )
    iot_dunning_level_id = fields.Many2one(
        "iot.dunning.level",
        string="Dunning Level",
        compute="_compute_iot_dunning_level",
        groups="account.group_account_invoice,account.group_account_readonly",
        help="Where the customer stands in the current company's dunning.",
    )
    iot_in_collection = fields.Boolean(
        string="Handed Over to Collection",
        copy=False,
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    iot_consolidate_subsidiaries = fields.Boolean(
        string="Consolidate Subsidiaries' IoT Invoicing",
        groups=CONSOLIDATION_GROUPS,
        help="Billing runs invoice the devices of this company and of all its subsidiaries "
        "(child companies, at any depth) to this company, on one invoice with a section "
        "per subsidiary. Subsidiaries with other payment terms, fiscal position, currency "
        "or brand get invoices of their own, still addressed to this company.",
    )
    iot_consolidation_frequency = fields.Selection(
        [("monthly", "Monthly"), ("yearly", "Yearly")],
        string="Consolidated Invoice",
        default="monthly",
        groups=CONSOLIDATION_GROUPS,
        help="Yearly: the subsidiaries' periods wait, uninvoiced, for the billing run of "
        "the year's last month, which invoices the whole year at once.",
    )
    iot_invoice_parent_id = fields.Many2one(
        "res.partner",
        string="IoT Invoices To",
        compute="_compute_iot_invoice_parent_id",
        store=True,
        recursive=True,
        index="btree_not_null",
        help="The company that receives this partner's IoT invoices: the topmost of it "
        "and its parent companies that consolidates its subsidiaries' invoicing.",
    )

    @api.depends("iot_consolidate_subsidiaries", "parent_id.iot_invoice_parent_id")
    def _compute_iot_invoice_parent_id(self):
        for partner in self:
            partner.iot_invoice_parent_id = partner.parent_id.iot_invoice_parent_id or (
                partner if partner.iot_consolidate_subsidiaries else False
            )

    def _compute_iot_dunning_level(self):
        current = self._iot_dunning_current(self.env.company, self.commercial_partner_id.ids)
        Level = self.env["iot.dunning.level"]
        for partner in self:
            partner.iot_dunning_level_id = Level.browse(
                current.get(partner.commercial_partner_id.id)
            )

    def action_iot_dunning_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_dunning_log_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    # ------------------------------------------------------------------
    # Dunning: the run and the re-evaluation of a few customers
    # ------------------------------------------------------------------

    def _iot_dunning_run(self, company, today=None):
        """Evaluate every customer of ``company`` and take the steps (the scheduled run
        and the Run Dunning wizard). Returns the history records written."""
        return self._iot_dunning_apply(company, today=today)

    def _iot_dunning_reevaluate(self):
        """Evaluate the commercial partners of ``self`` again in every company with a
        dunning policy, now: what a payment, a credit note, a write-off or their
        reversal changed. Lifts dunning blocks of those no longer at a blocking level,
        blocks again those who reach one. Set-based; for any caller."""
        partners = self.commercial_partner_id
        if not partners:
            return self.env["iot.dunning.log"]
        companies = self.env["iot.dunning.policy"].sudo().search([]).company_id
        logs = self.env["iot.dunning.log"]
        for company in companies:
            logs |= self._iot_dunning_apply(company, partner_ids=partners.ids, trigger="payment")
        return logs

    def _iot_dunning_apply(self, company, today=None, partner_ids=None, trigger="run"):
        partners = self.sudo()
        env = partners.env
        today = today or fields.Date.context_today(self)
        env.flush_all()
        targets = partners._iot_dunning_levels(company, today, partner_ids)
        current = partners._iot_dunning_current(company, partner_ids)
        levels = env["iot.dunning.level"].browse(
            {row[0] for row in targets.values()} | set(current.values())
        )
        as_core = {level.id: level._iot_core_level() for level in levels}
        escalate, lower = {}, {}
        for partner_id in set(targets) | set(current):
            target = targets.get(partner_id)
            before = as_core.get(current.get(partner_id))
            step = dunning.step(before, as_core[target[0]] if target else None)
            if step == "escalate":
                escalate[partner_id] = target
            elif step == "lower":
                lower[partner_id] = target
        blocking = {
            partner_id
            for partner_id, target in targets.items()
            if dunning.blocks(as_core[target[0]])
        }
        blocked = partners._iot_dunning_block(company, today, blocking, targets)
        unblocked = partners._iot_dunning_unblock(company, partner_ids, blocking)
        context = (company, today, trigger, current, blocked, unblocked)
        log_vals = [
            _log_values(*context, "escalate", partner_id, target)
            for partner_id, target in escalate.items()
        ] + [
            _log_values(*context, "lower", partner_id, target)
            for partner_id, target in lower.items()
        ]
        Log = env["iot.dunning.log"]
        logs = Log.create(log_vals) if log_vals else Log
        raised = logs.filtered(lambda log: log.step == "escalate")
        raised.filtered(lambda log: log.level_id.print_letter).write({"letter": True})
        raised._iot_hand_over()
        raised._iot_send_documents()
        partners._iot_dunning_messages(logs, blocked, unblocked)
        return logs

    def _iot_dunning_levels(self, company, today, partner_ids=None):
        """``{commercial partner id: (level id, count, amount, days)}``: the highest
        level each customer of ``company`` reaches today, by the rule of
        ``core.dunning.reached_level``, in one statement. Customers reaching none are
        left out."""
        default_policy = company.sudo().iot_dunning_policy_id
        restrict = _only(SQL("m.commercial_partner_id"), partner_ids)
        self.env.cr.execute(
            SQL(
                """
                WITH debt AS (
                    SELECT m.commercial_partner_id AS partner_id,
                           m.invoice_date_due AS due,
                           m.amount_residual_signed AS residual,
                           COALESCE(own.id, %(default)s) AS policy_id
                      FROM account_move m
                      JOIN res_partner p ON p.id = m.commercial_partner_id
                 LEFT JOIN iot_dunning_policy own
                        ON own.id = p.iot_dunning_policy_id
                       AND own.company_id = %(company)s AND own.active
                     WHERE m.company_id = %(company)s
                       AND m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.payment_state IN ('not_paid', 'partial')
                       AND m.amount_residual_signed > 0
                       AND m.invoice_date_due < %(today)s
                       %(restrict)s
                ),
                reached AS (
                    SELECT d.partner_id, l.id AS level_id, l.sequence,
                           COUNT(*) AS count, SUM(d.residual) AS amount,
                           %(today)s::date - MIN(d.due) AS days
                      FROM debt d
                      JOIN iot_dunning_level l
                        ON l.policy_id = d.policy_id
                       AND d.due <= %(today)s::date - GREATEST(l.days_overdue, 1)
                  GROUP BY d.partner_id, l.id, l.sequence, l.min_count, l.min_amount
                    HAVING COUNT(*) >= GREATEST(l.min_count, 1)
                       AND SUM(d.residual) >= COALESCE(l.min_amount, 0)
                )
                SELECT DISTINCT ON (partner_id) partner_id, level_id, count, amount, days
                  FROM reached
              ORDER BY partner_id, sequence DESC, level_id DESC
                """,
                default=default_policy.id or None,
                company=company.id,
                today=today,
                restrict=restrict,
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _iot_dunning_current(self, company, partner_ids=None):
        """``{commercial partner id: level id}``: where each customer stands (its latest
        history record); customers at no level are left out."""
        restrict = _only(SQL("partner_id"), partner_ids)
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, level_id FROM (
                    SELECT DISTINCT ON (partner_id) partner_id, level_id
                      FROM iot_dunning_log
                     WHERE company_id = %s %s
                  ORDER BY partner_id, id DESC
                ) AS latest
                 WHERE level_id IS NOT NULL
                """,
                company.id,
                restrict,
            )
        )
        return dict(self.env.cr.fetchall())

    def _iot_dunning_block(self, company, today, partner_ids, targets):
        """Block for dunning the devices of these debtors that are not blocked for it
        yet: the devices whose customer's commercial partner is the debtor (a
        subsidiary answers for its own debt only), except those paid through today
        (their current period was invoiced in advance and that invoice is paid).
        Returns ``{partner id: devices blocked}``."""
        if not partner_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT d.id, c.commercial_partner_id
                  FROM iot_device d
                  JOIN res_partner c ON c.id = d.partner_id
                  JOIN iot_device_state s ON s.id = d.state_id
                 WHERE c.commercial_partner_id = ANY(%(partners)s)
                   AND d.company_id = %(company)s
                   AND d.active
                   AND (s.code = 'blocked' OR d.state_id IN (
                        SELECT t.from_state_id FROM iot_device_transition t
                         WHERE t.code = 'block' AND t.active
                           AND (t.company_id IS NULL OR t.company_id = %(company)s)))
                   AND NOT EXISTS (
                        SELECT 1 FROM iot_device_block b
                         WHERE b.device_id = d.id AND b.reason = 'dunning'
                           AND b.state = 'in_force')
                   AND NOT EXISTS (
                        SELECT 1 FROM iot_billing_schedule sc
                          JOIN account_move_line l ON l.id = sc.invoice_line_id
                          JOIN account_move m ON m.id = l.move_id
                         WHERE sc.device_id = d.id
                           AND sc.date_end >= %(today)s
                           AND m.state = 'posted'
                           AND m.payment_state IN ('paid', 'in_payment'))
                """,
                partners=list(partner_ids),
                company=company.id,
                today=today,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return {}
        Device = self.env["iot.device"].sudo()
        by_level = {}
        for device_id, partner_id in rows:
            by_level.setdefault(targets[partner_id][0], []).append(device_id)
        for level_id, device_ids in by_level.items():
            level = self.env["iot.dunning.level"].browse(level_id)
            Device.browse(device_ids)._iot_block(
                "dunning",
                note=_("Dunning: %(level)s", level=level.name),
                origin="dunning",
            )
        counts = {}
        for _device_id, partner_id in rows:
            counts[partner_id] = counts.get(partner_id, 0) + 1
        return counts

    def _iot_dunning_unblock(self, company, partner_ids, blocking):
        """Lift the dunning blocks of the debtors (of ``partner_ids``, or all) that no
        longer reach a blocking level; each device goes back to the state it left.
        Returns ``{partner id: devices whose dunning block was lifted}``."""
        restrict = _only(SQL("c.commercial_partner_id"), partner_ids)
        self.env.cr.execute(
            SQL(
                """
                SELECT b.id, c.commercial_partner_id
                  FROM iot_device_block b
                  JOIN res_partner c ON c.id = b.partner_id
                 WHERE b.reason = 'dunning' AND b.state = 'in_force'
                   AND b.company_id = %s
                   AND NOT c.commercial_partner_id = ANY(%s)
                   %s
                """,
                company.id,
                list(blocking),
                restrict,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return {}
        self.env["iot.device.block"].sudo().browse([row[0] for row in rows])._lift(
            lift_reason=_("Debt settled"), origin="payment"
        )
        counts = {}
        for _block_id, partner_id in rows:
            counts[partner_id] = counts.get(partner_id, 0) + 1
        return counts

    def _iot_dunning_messages(self, logs, blocked, unblocked):
        """One note per step on the customer's chatter."""
        bodies = {}
        for log in logs:
            bodies[log.partner_id.id] = log._iot_message()
        for partner_id, count in blocked.items():
            if partner_id not in bodies:
                bodies[partner_id] = Markup("<p>%s</p>") % _(
                    "Dunning blocked %(count)s more device(s).", count=count
                )
        for partner_id, count in unblocked.items():
            if partner_id not in bodies:
                bodies[partner_id] = Markup("<p>%s</p>") % _(
                    "Dunning blocks lifted on %(count)s device(s).", count=count
                )
        if bodies:
            self.env["res.partner"].sudo().browse(list(bodies))._message_log_batch(bodies)


def _only(column, partner_ids):
    """``AND column = ANY(ids)``, or nothing when every customer is evaluated."""
    if partner_ids is None:
        return SQL()
    return SQL("AND %s = ANY(%s)", column, list(partner_ids))


def _log_values(company, today, trigger, current, blocked, unblocked, step, partner_id, target):
    level_id, count, amount, days = target or (False, 0, 0.0, 0)
    return {
        "devices_blocked": blocked.get(partner_id, 0),
        "devices_unblocked": unblocked.get(partner_id, 0),
        "partner_id": partner_id,
        "company_id": company.id,
        "date": today,
        "step": step,
        "trigger": trigger,
        "level_id": level_id,
        "previous_level_id": current.get(partner_id, False),
        "overdue_count": count,
        "overdue_amount": amount,
        "days_overdue": days,
    }


KYC_STATES = [
    ("unverified", "Not Verified"),
    ("verified", "Verified"),
    ("rejected", "Rejected"),
]
KYC_METHODS = [
    ("id_document", "Identity Document"),
    ("eid", "Electronic ID"),
    ("video", "Video Identification"),
    ("bank", "Bank Account Check"),
    ("in_person", "In Person"),
    ("register", "Company Register"),
]
KYC_FIELDS = (
    "iot_kyc_state",
    "iot_kyc_method",
    "iot_kyc_date",
    "iot_kyc_reference",
    "iot_kyc_verified_by_id",
)
# Who reads a customer's verification: the IoT back office and the accountants.
KYC_READERS = (
    "iot_fleet.group_iot_user,account.group_account_invoice,account.group_account_readonly"
)
# Who verifies a customer and anonymises a closed consumer account.
KYC_MANAGER = "iot_fleet.group_iot_manager"
# What anonymisation clears on the customer and its contacts.
PERSONAL_FIELDS = (
    "email",
    "phone",
    "mobile",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "vat",
    "website",
    "function",
    "comment",
    "ref",
    "image_1920",
)


class ResPartnerKyc(models.Model):
    _inherit = "res.partner"

    iot_kyc_state = fields.Selection(
        KYC_STATES,
        string="KYC Status",
        default="unverified",
        required=True,
        tracking=True,
        groups=KYC_READERS,
        help="Whether the customer's identity was verified (Know Your Customer). When the "
        "company requires it, devices are activated only for verified customers.",
    )
    iot_kyc_method = fields.Selection(
        KYC_METHODS, string="KYC Method", tracking=True, groups=KYC_READERS
    )
    iot_kyc_date = fields.Date(string="KYC Date", tracking=True, groups=KYC_READERS)
    iot_kyc_reference = fields.Char(
        string="KYC Document Reference",
        tracking=True,
        groups=KYC_READERS,
        help="The number of the document checked, or the reference of the verification.",
    )
    iot_kyc_verified_by_id = fields.Many2one(
        "res.users", string="KYC Verified By", tracking=True, groups=KYC_READERS
    )
    iot_anonymised_date = fields.Datetime(
        string="Anonymised On", readonly=True, copy=False, groups=KYC_READERS
    )
    iot_usage_period_count = fields.Integer(
        compute="_compute_iot_usage_period_count", groups=KYC_READERS
    )

    def _compute_iot_usage_period_count(self):
        Period = self.env["iot.device.usage.period"]
        if not Period.has_access("read"):
            self.iot_usage_period_count = 0
            return
        for partner in self:
            partner.iot_usage_period_count = Period.search_count(
                [("partner_id", "child_of", partner.commercial_partner_id.id)]
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A new partner comes with the defaults (unverified, nothing recorded), e.g.
            # through the user form: only a verification typed in is refused.
            typed = {
                name: value
                for name, value in vals.items()
                if name in KYC_FIELDS and value and (name, value) != ("iot_kyc_state", "unverified")
            }
            self._iot_kyc_check_write(typed)
        return super().create(vals_list)

    def write(self, vals):
        self._iot_kyc_check_write(vals)
        return super().write(vals)

    def _iot_kyc_check_write(self, vals):
        """A verification is recorded by Verify Identity (an IoT manager), never typed in
        (any internal user may edit a partner)."""
        if (
            set(KYC_FIELDS).intersection(vals)
            and not self.env.su
            and not self.env.context.get("iot_kyc_write")
        ):
            raise AccessError(_("A customer's verification is recorded with Verify Identity."))

    # ------------------------------------------------------------------
    # KYC
    # ------------------------------------------------------------------

    def _iot_kyc_verified(self):
        """The partners of ``self`` whose legal person was verified."""
        return self.filtered(lambda p: p.commercial_partner_id.sudo().iot_kyc_state == "verified")

    def _iot_kyc_record(self, state, method=None, date=None, reference=None):
        if not self.env.user.has_group(KYC_MANAGER):
            raise AccessError(_("Only IoT managers record a customer's verification."))
        partners = self.commercial_partner_id
        partners.sudo().with_context(iot_kyc_write=True).write(
            {
                "iot_kyc_state": state,
                "iot_kyc_method": method,
                "iot_kyc_date": date,
                "iot_kyc_reference": reference,
                "iot_kyc_verified_by_id": self.env.uid,
            }
        )
        return partners

    def action_iot_kyc_verify(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_kyc_wizard_action"
        )
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    # ------------------------------------------------------------------
    # Usage history
    # ------------------------------------------------------------------

    def action_view_iot_usage_periods(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_receivables.iot_device_usage_period_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        return action

    # ------------------------------------------------------------------
    # Anonymisation
    # ------------------------------------------------------------------

    def _iot_anonymise_refusals(self):
        """Why ``self`` (one partner) may not be anonymised: a list of reasons."""
        self.ensure_one()
        reasons = []
        if self.is_company or self.commercial_partner_id != self:
            reasons.append(_("only a consumer (a person, not a company or its contact) can be"))
        open_moves = (
            self.env["account.move"]
            .sudo()
            .search_count(
                [
                    ("commercial_partner_id", "=", self.id),
                    ("move_type", "!=", "entry"),
                    "|",
                    ("state", "=", "draft"),
                    "&",
                    ("state", "=", "posted"),
                    ("amount_residual", "!=", 0),
                ]
            )
        )
        if open_moves:
            reasons.append(_("%(count)s invoices are open or in draft", count=open_moves))
        devices = (
            self.env["iot.device"]
            .sudo()
            .search_count([("partner_id", "child_of", self.id), ("base_status", "!=", "cancelled")])
        )
        if devices:
            reasons.append(_("%(count)s devices are not terminated", count=devices))
        return reasons

    def action_iot_anonymise(self):
        """Replace the personal data of closed consumer accounts on request, keeping the
        invoices and their journal entries as they are (they point to the same partner)."""
        if not self.env.user.has_group(KYC_MANAGER):
            raise AccessError(_("Only IoT managers anonymise a customer."))
        for partner in self:
            reasons = partner._iot_anonymise_refusals()
            if reasons:
                raise UserError(
                    _(
                        "%(partner)s cannot be anonymised: %(reasons)s.",
                        partner=partner.display_name,
                        reasons="; ".join(reasons),
                    )
                )
        now = fields.Datetime.now()
        for partner in self:
            name = _("Anonymised customer #%(id)s", id=partner.id)
            people = partner | partner.with_context(active_test=False).child_ids
            values = dict.fromkeys(PERSONAL_FIELDS, False)
            # Tracking would copy the old values into the chatter.
            people.sudo().with_context(iot_kyc_write=True, mail_notrack=True).write(
                dict(values, name=name, iot_kyc_reference=False, iot_anonymised_date=now)
            )
            partner.sudo().message_post(
                body=_("Personal data anonymised on request by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True
