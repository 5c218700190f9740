import hashlib
import json

from odoo import fields, models
from odoo.osv import expression

from ..core import consolidation


class IotBillingRun(models.Model):
    """Billing runs, as receivables extend them: levelised plans cover schedules;
    device owners get their share of each line as commission agents; consolidated
    corporate invoicing - a parent company that consolidates its
    subsidiaries' IoT invoicing (``res.partner.iot_invoice_parent_id``) receives one
    invoice for their contracts, a section per subsidiary; what cannot share an invoice
    (``_invoice_key_parts``) is split; yearly consolidation waits for the year's end;
    what a run would invoice a customer below its threshold is held on the customer's
    transaction account (``iot.account.entry``), invoiced with the run once it is due."""

    _inherit = "iot.billing.run"

    def _schedules_to_invoice(self, schedules):
        """Schedules of a customer's levelised plan in force are valued as usual but
        not invoiced: they are marked as covered by the plan (one statement)."""
        schedules = super()._schedules_to_invoice(schedules)
        covered = self.env["iot.levelised.plan"].sudo()._covering(schedules)
        if not covered:
            return schedules
        self._update_rows(
            "iot_billing_schedule",
            [("state", "varchar"), ("levelised_plan_id", "integer")],
            [(schedule_id, "levelised", plan_id) for schedule_id, plan_id in covered.items()],
        )
        # Late usage they carry is as good as billed: the plan settles it.
        self._count_late_usage_billed(list(covered))
        return schedules.filtered(lambda schedule: schedule.id not in covered)

    def _billed_states(self):
        """A month covered by a levelised plan is billed: usage of it that arrives
        later is late usage of the next schedule (covered too, or invoiced)."""
        return (*super()._billed_states(), "levelised")

    def _link_invoice(self, invoice, invoice_lines, shares, schedules):
        """Once the detail says which devices each line bills, their owners get their
        share of the lines as commission agents (before the invoice is posted)."""
        res = super()._link_invoice(invoice, invoice_lines, shares, schedules)
        invoice_lines._iot_add_owner_agents()
        return res

    def _invoice_key(self, contract):
        """Contracts of different brands never share an invoice: each is numbered,
        laid out and sent by its own brand."""
        key = super()._invoice_key(contract)
        if isinstance(key, tuple):
            return (*key, contract.brand_id.id)
        return key

    def _schedules_period_domain(self):
        """Periods of customers invoiced yearly through a parent wait for the run that
        reaches a year's last month, which bills them all (up to that year's end)."""
        domain = super()._schedules_period_domain()
        # Ids, not a subquery: the domain also goes to the client (a run's schedules).
        yearly = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("iot_invoice_parent_id.iot_consolidation_frequency", "=", "yearly")])
            .ids
        )
        if not yearly:
            return domain
        others = expression.AND([domain, [("partner_id", "not in", yearly)]])
        cutoff = consolidation.yearly_cutoff(self.date_from, self.date_to)
        if not cutoff:
            return others
        return expression.OR([others, [("partner_id", "in", yearly), ("date_end", "<=", cutoff)]])

    def _invoice_parent(self, contract):
        """The parent company that receives the contract's invoices, if consolidated."""
        return contract.partner_id.iot_invoice_parent_id

    def _consolidates(self, contract):
        return super()._consolidates(contract) or bool(self._invoice_parent(contract))

    def _invoice_key_parts(self, contract):
        parts = super()._invoice_key_parts(contract)
        parent = self._invoice_parent(contract)
        if parent:
            parts["partner"] = parent.address_get(["invoice"])["invoice"]
        return parts

    def _prepare_invoice_values(self, contracts):
        """A consolidated invoice goes to the parent's invoicing address, with the fiscal
        position and payment terms its contracts share (the key): each subsidiary's own,
        not the parent's."""
        vals = super()._prepare_invoice_values(contracts)
        parent = self._invoice_parent(contracts[0])
        if parent:
            contract = contracts[0]
            vals.update(
                {
                    "partner_id": parent.address_get(["invoice"])["invoice"],
                    "fiscal_position_id": contract._iot_invoice_fiscal_position().id,
                    "invoice_payment_term_id": contract._iot_invoice_payment_term().id,
                }
            )
        return vals

    def _prepare_invoice_lines(self, schedules, charges, label):
        """On a parent's consolidated invoice, a section per customer (the parent's own
        devices first, then its subsidiaries by name), each with its lines."""
        contracts = schedules.contract_id
        if not self._invoice_parent(contracts[:1]):
            return super()._prepare_invoice_lines(schedules, charges, label)
        parent = self._invoice_parent(contracts[:1])
        by_customer = {}
        for schedule in schedules:
            customer = schedule.contract_id.partner_id.commercial_partner_id
            by_customer.setdefault(customer, []).append(schedule.id)
        Schedule = self.env["iot.billing.schedule"]
        prepared = []
        for customer in sorted(
            by_customer, key=lambda partner: (partner != parent, partner.name or "", partner.id)
        ):
            lines = super()._prepare_invoice_lines(
                Schedule.browse(by_customer[customer]), charges, label
            )
            if lines:
                prepared.append(({"display_type": "line_section", "name": customer.name}, []))
                prepared += lines
        for sequence, (line, _shares) in enumerate(prepared, start=1):
            line["sequence"] = sequence
        return prepared

    def _create_contract_invoice(self, vals, prepared, schedules):
        partner = self.env["res.partner"].browse(vals["partner_id"])
        policy = partner._iot_hold_policy(self.company_id)
        if not prepared or policy.threshold <= 0 or self.preview:
            return super()._create_contract_invoice(vals, prepared, schedules)
        currency = self.env["res.currency"].browse(vals["currency_id"])
        Entry = self.env["iot.account.entry"]
        held = Entry.sudo().search_count(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", partner.id),
                ("currency_id", "=", currency.id),
                ("state", "=", "open"),
            ],
            limit=1,
        )
        # Sections (one per subsidiary of a consolidated invoice) carry no amount.
        prepared = [(line, shares) for line, shares in prepared if not line.get("display_type")]
        amount = sum(currency.round(line["quantity"] * line["price_unit"]) for line, _ in prepared)
        if not held and amount >= policy.threshold:
            # Worth an invoice on its own: the run's invoice, with its fleet detail.
            return super()._create_contract_invoice(vals, prepared, schedules)
        self._hold_on_account(partner, currency, prepared, schedules)
        return Entry._flush_accounts(
            self.company_id, self._invoice_day(), partners=partner, post=self.post_invoices
        )

    def _invoice_day(self):
        return self.invoice_date or self.date_to

    def _hold_on_account(self, partner, currency, prepared, schedules):
        """An entry per line the run would have invoiced; the schedules are billed on
        the account and no run bills them again."""
        Product = self.env["product.product"]
        values = []
        for line, shares in prepared:
            product = Product.browse(line.get("product_id"))
            schedule_ids = sorted({share.schedule_id for share in shares})
            uom_id = line.get("product_uom_id") or product.uom_id.id
            recurring = all(share.kind == "recurring" for share in shares)
            values.append(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "product_id": product.id,
                    # A plan's line names its devices; grouped on the account's
                    # invoice, the quantity counts them.
                    "name": product.name if recurring and product else line["name"],
                    "quantity": line["quantity"],
                    "product_uom_id": uom_id,
                    "price_unit": line["price_unit"],
                    "amount": currency.round(line["quantity"] * line["price_unit"]),
                    "date": self._invoice_day(),
                    "date_start": min(share.date_start for share in shares),
                    "date_end": max(share.date_end for share in shares),
                    "source": "billing_run",
                    "run_id": self.id,
                    "schedule_ids": [fields.Command.set(schedule_ids)],
                    "idempotency_key": _idempotency_key(
                        schedule_ids, line["name"], line["price_unit"], uom_id
                    ),
                }
            )
        self.env["iot.account.entry"].sudo().create(values)
        self._update_rows(
            "iot_billing_schedule",
            [("state", "varchar")],
            [(schedule_id, "on_account") for schedule_id in schedules.ids],
        )


def _idempotency_key(schedule_ids, name, price_unit, uom_id):
    """What a run's line bills - its schedules and its part of their price - as a key."""
    payload = json.dumps([schedule_ids, name, repr(float(price_unit)), uom_id])
    return "run:" + hashlib.sha256(payload.encode()).hexdigest()
