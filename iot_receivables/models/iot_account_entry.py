from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..core import account as account_core

# Accounts invoiced by one ORM call (create, then post).
ACCOUNTS_PER_BATCH = 200
HOLDING_UNITS = [("day", "Days"), ("month", "Months")]


class IotAccountEntry(models.Model):
    """An amount held on a customer's transaction account until it is worth invoicing.

    Billing runs hold here what they would invoice below the customer's threshold; a
    flush puts all open entries of an account on one invoice, each entry exactly once.
    A lean table: entries come by the hundred thousand and are written in sets.
    """

    _name = "iot.account.entry"
    _description = "Transaction Account Entry"
    _order = "date desc, id desc"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    name = fields.Char(string="Description", required=True, readonly=True)
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    product_uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    price_unit = fields.Float(string="Unit Price", digits="Product Price", readonly=True)
    amount = fields.Monetary(string="Untaxed Amount", readonly=True)
    date = fields.Date(
        string="Held On",
        required=True,
        readonly=True,
        help="The day the billing run would have invoiced it: the holding time counts from it.",
    )
    date_start = fields.Date(string="Service Start", readonly=True)
    date_end = fields.Date(string="Service End", readonly=True)
    source = fields.Selection(
        [("billing_run", "Billing Run"), ("schedule", "Invoicing Schedule")],
        required=True,
        default="billing_run",
        readonly=True,
    )
    run_id = fields.Many2one(
        "iot.billing.run", string="Billing Run", readonly=True, ondelete="set null"
    )
    schedule_ids = fields.Many2many(
        "iot.billing.schedule",
        "iot_account_entry_schedule_rel",
        "entry_id",
        "schedule_id",
        string="Invoicing Schedules",
        readonly=True,
    )
    idempotency_key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        help="What the entry bills, as a key: an entry with the same key is refused, so "
        "an amount is never held twice.",
    )
    state = fields.Selection(
        [("open", "Open"), ("invoiced", "Invoiced")], default="open", required=True, readonly=True
    )
    move_line_id = fields.Many2one(
        "account.move.line", string="Invoice Line", readonly=True, index="btree_not_null"
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", readonly=True, index="btree_not_null"
    )

    _sql_constraints = [
        (
            "idempotency_key_uniq",
            "unique (company_id, idempotency_key)",
            "This amount is on the transaction account already (same idempotency key).",
        )
    ]

    def init(self):
        # The flush reads the open entries of accounts: a small index of them only.
        create_index(
            self.env.cr,
            "iot_account_entry_open_idx",
            self._table,
            ["company_id", "partner_id", "currency_id", "date"],
            where="state = 'open'",
        )

    @api.model_create_multi
    def create(self, vals_list):
        entries = super().create(vals_list)
        self._invalidate_balances()
        return entries

    def _invalidate_balances(self):
        self.env["res.partner"].invalidate_model(
            ["iot_account_balance", "iot_account_entry_count", "iot_account_currency_id"]
        )

    def action_view_invoice(self):
        self.ensure_one()
        return self.move_id._get_records_action()

    # ------------------------------------------------------------------
    # Flush: open entries of due accounts -> one invoice per account
    # ------------------------------------------------------------------

    @api.model
    def _cron_flush_due(self):
        """Invoice the accounts due today in every company (holding time, fiscal year
        end, and thresholds changed since the last run)."""
        for company in self.env["res.company"].search([]):
            self._flush_accounts(company, fields.Date.context_today(self.with_company(company)))

    @api.model
    def _flush_accounts(self, company, date, partners=None, force=False, post=True):
        """Invoice the accounts of ``company`` due on ``date`` (of ``partners`` only,
        when given; ``force``: whatever their balance): all open entries of an account
        on one invoice dated ``date``. Exactly once, also under concurrent flushes: the
        entries are claimed under row locks that a concurrent flush skips, and marked
        invoiced in the same transaction. Returns the invoices."""
        entry_ids = self._claim_due(company, date, partners, force)
        if not entry_ids:
            return self.env["account.move"]
        return self._invoice_entries(company, date, entry_ids, post)

    def _claim_due(self, company, date, partners, force):
        """Lock the open entries (held up to ``date``) of the accounts due on ``date``;
        entries a concurrent flush holds are skipped. One statement for all accounts."""
        self.flush_model()
        self.env["res.partner"].flush_model()
        company.flush_recordset()
        fiscal_year = company.compute_fiscalyear_dates(date)
        self.env.cr.execute(
            SQL(
                """WITH account AS (
                       SELECT e.partner_id, SUM(e.amount) AS balance, MIN(e.date) AS oldest,
                              array_agg(e.id) AS entry_ids
                         FROM iot_account_entry e
                        WHERE e.company_id = %(company)s AND e.state = 'open'
                          AND e.date <= %(date)s AND %(partners)s
                        GROUP BY e.partner_id, e.currency_id
                   ), due AS (
                       SELECT unnest(a.entry_ids) AS id
                         FROM account a
                         JOIN res_partner p ON p.id = a.partner_id
                         JOIN res_company c ON c.id = %(company)s
                         CROSS JOIN LATERAL (
                             SELECT COALESCE(p.iot_hold_policy, 'company') AS policy,
                                    CASE WHEN p.iot_hold_policy = 'custom'
                                         THEN p.iot_billing_threshold
                                         ELSE c.iot_billing_threshold END AS threshold,
                                    CASE WHEN p.iot_hold_policy = 'custom'
                                         THEN p.iot_holding_time
                                         ELSE c.iot_holding_time END AS holding,
                                    CASE WHEN p.iot_hold_policy = 'custom'
                                         THEN p.iot_holding_unit
                                         ELSE c.iot_holding_unit END AS unit
                         ) rule
                        WHERE %(force)s
                           OR rule.policy = 'never'
                           OR COALESCE(rule.threshold, 0) <= 0
                           OR a.balance >= rule.threshold
                           OR (COALESCE(rule.holding, 0) > 0 AND a.oldest + CASE
                                   WHEN rule.unit = 'day' THEN make_interval(days => rule.holding)
                                   ELSE make_interval(months => rule.holding) END <= %(date)s)
                           OR %(date)s >= %(fiscal_year_end)s
                           OR a.oldest < %(fiscal_year_start)s
                   )
                   -- Locked by id, whatever the planner thinks of the accounts' sizes.
                   SELECT e.id
                     FROM iot_account_entry e
                    WHERE e.id IN (SELECT id FROM due) AND e.state = 'open'
                    ORDER BY e.id
                      FOR UPDATE OF e SKIP LOCKED""",
                company=company.id,
                date=date,
                partners=SQL("e.partner_id = ANY(%s)", partners.ids)
                if partners is not None
                else SQL("TRUE"),
                force=bool(force),
                fiscal_year_start=fiscal_year["date_from"],
                fiscal_year_end=fiscal_year["date_to"],
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _invoice_entries(self, company, date, entry_ids, post):
        """One invoice per account (customer, currency) of the claimed entries, a line
        per entry group; the entries and their schedules are marked invoiced."""
        cr = self.env.cr
        cr.execute(
            """SELECT id, partner_id, currency_id, product_id, product_uom_id, price_unit,
                      name, date_start, date_end, quantity
                 FROM iot_account_entry WHERE id = ANY(%s) ORDER BY id""",
            [entry_ids],
        )
        columns = [column.name for column in cr.description]
        accounts = defaultdict(list)
        for row in cr.fetchall():
            entry = dict(zip(columns, row, strict=True))
            accounts[(entry["partner_id"], entry["currency_id"])].append(entry)
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")],
            limit=1,
        )
        Move = (
            self.env["account.move"]
            .with_company(company)
            .with_context(tracking_disable=True, mail_create_nolog=True)
        )
        moves = self.env["account.move"]
        keys = list(accounts)
        links = []
        for start in range(0, len(keys), ACCOUNTS_PER_BATCH):
            batch = keys[start : start + ACCOUNTS_PER_BATCH]
            groups = [account_core.line_groups(accounts[key]) for key in batch]
            created = Move.create(
                [
                    self._prepare_invoice(company, journal, date, partner_id, currency_id, lines)
                    for (partner_id, currency_id), lines in zip(batch, groups, strict=True)
                ]
            )
            for move, lines in zip(created, groups, strict=True):
                invoice_lines = move.invoice_line_ids.sorted("id")
                for line, (_key, _quantity, ids) in zip(invoice_lines, lines, strict=True):
                    links += [(entry_id, line.id, move.id) for entry_id in ids]
            if post:
                created.action_post()
            moves |= created
        self._mark_invoiced(links)
        return moves

    def _prepare_invoice(self, company, journal, date, partner_id, currency_id, lines):
        Run = self.env["iot.billing.run"]
        invoice_lines = []
        for key, quantity, _ids in lines:
            product_id, uom_id, price_unit, name, date_start, date_end = key
            if date_start and date_end:
                period = Run._period_label(date_start, date_end)
                if period not in name:
                    name = _("%(name)s - %(period)s", name=name, period=period)
            invoice_lines.append(
                fields.Command.create(
                    {
                        "product_id": product_id,
                        "product_uom_id": uom_id,
                        "name": name,
                        "quantity": quantity,
                        "price_unit": price_unit,
                    }
                )
            )
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner_id,
            "currency_id": currency_id,
            "invoice_date": date,
            "invoice_origin": _("Transaction account"),
            "invoice_line_ids": invoice_lines,
        }

    def _mark_invoiced(self, links):
        """``links``: ``(entry id, invoice line id, invoice id)``. The entries'
        schedules take the invoice line too (the first entry's, for a schedule whose
        amounts went to several lines)."""
        if not links:
            return
        self.flush_model()
        self.env.cr.execute_values(
            """UPDATE iot_account_entry e
                  SET state = 'invoiced', move_line_id = v.line_id, move_id = v.move_id,
                      write_uid = %s, write_date = now() at time zone 'UTC'
                 FROM (VALUES %%s) AS v(id, line_id, move_id)
                WHERE e.id = v.id"""
            % int(self.env.uid),
            links,
            template="(%s::integer, %s::integer, %s::integer)",
            page_size=10000,
        )
        self.env["iot.billing.schedule"].flush_model()
        self.env.cr.execute(
            """UPDATE iot_billing_schedule s
                  SET state = 'invoiced', invoice_line_id = first.move_line_id
                 FROM (SELECT DISTINCT ON (r.schedule_id) r.schedule_id, e.move_line_id
                         FROM iot_account_entry_schedule_rel r
                         JOIN iot_account_entry e ON e.id = r.entry_id
                        WHERE e.id = ANY(%s)
                        ORDER BY r.schedule_id, e.id) first
                WHERE s.id = first.schedule_id AND s.state = 'on_account'""",
            [[link[0] for link in links]],
        )
        self.invalidate_model()
        self.env["iot.billing.schedule"].invalidate_model(["state", "invoice_line_id"])
        self._invalidate_balances()
