import datetime
import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.iot_fleet.exceptions import IotApiError

from ..core import schedule as schedule_core

_logger = logging.getLogger(__name__)

MAX_TERM_MONTHS = 120


class IotDevice(models.Model):
    _inherit = "iot.device"

    contract_line_id = fields.Many2one(
        "contract.line", readonly=True, copy=False, index="btree_not_null", tracking=True
    )
    contract_id = fields.Many2one(related="contract_line_id.contract_id", string="Contract")
    billing_schedule_ids = fields.One2many(
        "iot.billing.schedule", "device_id", string="Invoicing Schedules"
    )

    # ------------------------------------------------------------------
    # Activation puts each device on a contract line
    # ------------------------------------------------------------------

    def _already_activated(self):
        # On a contract and waiting for the first use: activated already, as a customer
        # sees it (activating again would put it on a second contract).
        return super()._already_activated() | self.filtered(
            "contract_line_id.iot_awaiting_first_use"
        )

    def _activation_transition_code(self, activation_data):
        product = self._billing_plan_product(activation_data.get("plan"))
        if product and product.iot_bill_on_first_use:
            return "preactivate"  # no recurring charge until the device is first used
        return super()._activation_transition_code(activation_data)

    def _prepare_activation(self, partner, date_start, activation_data):
        payload = super()._prepare_activation(partner, date_start, activation_data)
        plan = activation_data.get("plan") or {}
        if not plan and not activation_data.get("contract"):
            return payload  # activation without billing: a plain fleet move
        product, price = self._billing_plan(plan)
        term = self._billing_term(activation_data.get("term_months"))
        contract = self._billing_contract(partner, activation_data)
        first_use = product.iot_bill_on_first_use
        lines = self._billing_create_lines(
            contract, product, price, date_start, term, schedules=not first_use
        )
        payload.update(
            {
                "contract_id": contract.id,
                "contract": contract.display_name,
                "plan_product": product.default_code or product.display_name,
                "price": price,
                "term_months": term,
                "billing_period_months": product.iot_interval_months or 1,
                "bill_on_first_use": first_use,
                "contract_line_ids": lines.ids[:1000],
            }
        )
        return payload

    def _billing_plan_product(self, plan):
        """The plan's product when it can be found, else nothing (errors come later)."""
        if not isinstance(plan, dict):
            return self.env["product.product"]
        try:
            return self._billing_plan(plan)[0]
        except IotApiError:
            return self.env["product.product"]

    def _billing_plan(self, plan):
        if not isinstance(plan, dict):
            raise IotApiError(_("plan must be an object."), details=[{"field": "plan"}])
        reference = plan.get("product")
        Product = self.env["product.product"]
        if isinstance(reference, int) and not isinstance(reference, bool):
            product = Product.browse(reference).exists()
        elif isinstance(reference, str) and reference.strip():
            product = Product.search(
                ["|", ("default_code", "=", reference.strip()), ("name", "=", reference.strip())],
                limit=1,
            )
        else:
            raise IotApiError(
                _("The plan needs a product (id, internal reference or name)."),
                details=[{"field": "plan.product", "message": "required"}],
            )
        if not product:
            raise IotApiError(
                _("Unknown plan product %(product)s.", product=reference),
                details=[{"field": "plan.product", "message": "unknown product"}],
            )
        price = plan.get("price", product.lst_price)
        if isinstance(price, bool) or not isinstance(price, int | float):
            raise IotApiError(
                _("The plan price must be a number."), details=[{"field": "plan.price"}]
            )
        if price <= 0:
            raise IotApiError(
                _("The plan %(product)s has no price.", product=product.display_name),
                code="plan_without_price",
                details=[{"field": "plan.price", "message": "a positive price is required"}],
            )
        return product, float(price)

    def _billing_term(self, term):
        if term in (None, False, ""):
            return 12
        if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= MAX_TERM_MONTHS:
            raise IotApiError(
                _(
                    "term_months must be a whole number of months from 1 to %(max)s.",
                    max=MAX_TERM_MONTHS,
                ),
                details=[{"field": "term_months"}],
            )
        return term

    def _billing_contract(self, partner, activation_data):
        """The customer's fleet contract: the one given, the open one, or a new one."""
        Contract = self.env["contract.contract"].sudo()
        company = self.company_id
        reference = activation_data.get("contract")
        commercial = partner.commercial_partner_id
        if reference:
            if isinstance(reference, int) and not isinstance(reference, bool):
                contract = Contract.browse(reference).exists()
            elif isinstance(reference, str):
                contract = Contract.search(
                    ["|", ("code", "=", reference), ("name", "=", reference)], limit=1
                )
            else:
                contract = Contract
            if not contract:
                raise IotApiError(
                    _("Unknown contract %(contract)s.", contract=reference),
                    details=[{"field": "contract", "message": "unknown contract"}],
                )
            if contract.partner_id.commercial_partner_id != commercial:
                raise IotApiError(
                    _("The contract %(contract)s is not the customer's.", contract=contract.name),
                    details=[{"field": "contract", "message": "another customer's contract"}],
                )
        else:
            contract = Contract.search(
                [
                    ("partner_id.commercial_partner_id", "=", commercial.id),
                    ("company_id", "=", company.id),
                    ("iot_fleet", "=", True),
                    ("contract_type", "=", "sale"),
                ],
                limit=1,
                order="id desc",
            )
            if not contract:
                contract = self._billing_new_contract(partner, activation_data)
        if contract.company_id != company:
            raise IotApiError(
                _("The contract belongs to another company."),
                code="forbidden",
                status=403,
                details=[{"field": "contract"}],
            )
        if contract.currency_id != company.currency_id:
            raise IotApiError(
                _(
                    "The contract is in %(currency)s, the devices' company bills in %(company)s.",
                    currency=contract.currency_id.name,
                    company=company.currency_id.name,
                ),
                code="currency_mismatch",
                details=[{"field": "contract"}],
            )
        return contract

    def _billing_new_contract(self, partner, activation_data):
        template_ref = activation_data.get("contract_template")
        Template = self.env["contract.template"].sudo()
        if isinstance(template_ref, int) and not isinstance(template_ref, bool):
            template = Template.browse(template_ref).exists()
        elif isinstance(template_ref, str):
            template = Template.search([("name", "=", template_ref)], limit=1)
        else:
            template = self.env.ref(
                "iot_contract_billing.contract_template_fleet", raise_if_not_found=False
            )
        if not template:
            raise IotApiError(
                _("Unknown contract template %(template)s.", template=template_ref),
                details=[{"field": "contract_template"}],
            )
        return (
            self.env["contract.contract"]
            .sudo()
            .create(
                {
                    "name": f"{template.name} - {partner.commercial_partner_id.name}",
                    "partner_id": partner.commercial_partner_id.id,
                    "company_id": self.company_id.id,
                    "contract_template_id": template.id,
                    "contract_type": "sale",
                    "line_recurrence": True,
                    "iot_fleet": True,
                    "pricelist_id": template.pricelist_id.id or False,
                    "journal_id": template.journal_id.id or False,
                }
            )
        )

    def _billing_create_lines(self, contract, product, price, date_start, term, schedules=True):
        """One contract line per device and its schedules for the whole term, in batches.

        Without ``schedules`` (billed on first use) the lines wait for the first use,
        which generates them from that day on.
        """
        if len(self.company_id) > 1:
            raise IotApiError(_("Activate the devices of one company at a time."))
        term_end = schedule_core.add_months(date_start, term) - schedule_core.ONE_DAY
        # Contracts are the accountants' records: activation (a right of IoT managers
        # and gateways, checked on the devices) writes them as the system.
        lines = (
            self.env["contract.line"]
            .sudo()
            .with_context(tracking_disable=True)
            .create(
                [
                    {
                        "contract_id": contract.id,
                        "product_id": product.id,
                        "name": device.identifier,
                        "quantity": 1.0,
                        "price_unit": price,
                        "uom_id": product.uom_id.id,
                        "date_start": date_start,
                        "date_end": term_end,
                        "recurring_rule_type": "monthly",
                        "recurring_interval": product.iot_interval_months or 1,
                        "recurring_invoicing_type": "post-paid",
                        "recurring_next_date": date_start,
                        "iot_device_id": device.id,
                        "iot_term_months": term,
                        "iot_awaiting_first_use": not schedules,
                    }
                    for device in self
                ]
            )
        )
        self.flush_model()
        lines.flush_model(["iot_device_id"])
        self.env.cr.execute(
            """UPDATE iot_device d SET contract_line_id = l.id
                 FROM contract_line l WHERE l.iot_device_id = d.id AND l.id = ANY(%s)""",
            [lines.ids],
        )
        self.invalidate_model(["contract_line_id"])
        if schedules:
            lines._iot_generate_schedules(date_start)
        return lines.sudo(False)

    # ------------------------------------------------------------------
    # Billing on first use
    # ------------------------------------------------------------------

    @api.model
    def _iot_start_first_use(self, companies=None):
        """Start billing the devices waiting for their first use whose usage reached the
        plan's threshold, or whose window elapsed: they move to Active (event logged,
        activation charges), and their schedules are generated from that day.

        Set-based: one query per plan finds the day each device crossed its threshold.
        """
        today = fields.Date.context_today(self)
        domain = [("iot_awaiting_first_use", "=", True), ("iot_device_id", "!=", False)]
        if companies:
            domain.append(("company_id", "in", companies.ids))
        lines = self.env["contract.line"].sudo().search(domain)
        started = self.env["iot.device"]
        # Devices moved by hand while they waited: cancelled ones never start their
        # term; active ones start billing the day they were moved.
        cancelled = lines.filtered(lambda line: line.iot_device_id.base_status == "cancelled")
        cancelled.write({"iot_awaiting_first_use": False})
        moved = lines.filtered(lambda line: line.iot_device_id.base_status == "active")
        moved_on = defaultdict(list)
        for line in moved:
            event = line.iot_device_id.event_ids.filtered(
                lambda e: e.to_state_id.base_status == "active"
            ).sorted("date")[-1:]
            moved_on[event.date.date() if event else today].append(line.iot_device_id.id)
        for day, device_ids in sorted(moved_on.items()):
            devices = self.sudo().browse(device_ids)
            devices._iot_start_billing(day, move=False)
            started |= devices
        lines -= cancelled | moved
        for product, plan_lines in lines.grouped("product_id").items():
            template = product.product_tmpl_id
            start_of = {}
            if template.iot_first_use_days:
                window = datetime.timedelta(days=template.iot_first_use_days)
                for line in plan_lines:
                    if line.date_start + window <= today:
                        start_of[line.iot_device_id.id] = line.date_start + window
            for device_id, day in self._iot_first_use_days(
                plan_lines, template.iot_first_use_threshold, template.iot_first_use_calculator_id
            ).items():
                if day <= today:
                    start_of[device_id] = min(day, start_of.get(device_id, day))
            by_day = defaultdict(list)
            for device_id, day in start_of.items():
                by_day[day].append(device_id)
            for day, device_ids in sorted(by_day.items()):
                devices = self.sudo().browse(device_ids)
                try:
                    with self.env.cr.savepoint():
                        devices._iot_start_billing(day)
                except IotApiError as exc:
                    # A state without a way to Active: reported, the others go on.
                    _logger.warning("First use of %s not started: %s", devices, exc)
                    continue
                started |= devices
        return started

    def _iot_first_use_days(self, lines, threshold, calculator=None):
        """``{device id: day its usage since activation reached threshold}``: measured
        by ``calculator`` (its records and value), else the readings' billable quantity."""
        self.env["iot.usage.record"].flush_model()
        if calculator:
            value = SQL("COALESCE(%s, 0)", SQL.identifier("r", calculator.value_field))
            if calculator.method == "count":
                value = SQL("1")
            where = calculator._record_filter()
        else:
            value, where = SQL("COALESCE(r.quantity, 0)"), SQL("r.state <> 'excluded'")
        self.env.cr.execute(
            SQL(
                """SELECT device_id, MIN(dtu)::date FROM (
                       SELECT r.device_id, r.dtu,
                              SUM(%(value)s) OVER (
                                  PARTITION BY r.device_id ORDER BY r.dtu, r.id) AS used
                         FROM iot_usage_record r
                         JOIN contract_line l ON l.iot_device_id = r.device_id
                        WHERE l.id = ANY(%(lines)s) AND r.dtu >= l.date_start AND %(where)s
                   ) readings
                   WHERE used >= %(threshold)s
                   GROUP BY device_id""",
                value=value,
                lines=lines.ids,
                where=where,
                threshold=threshold or 0.0,
            )
        )
        return dict(self.env.cr.fetchall())

    def _iot_start_billing(self, day, move=True):
        """The devices' first use on ``day``: Active (unless ``move`` is off: they are
        already), and their term starts that day."""
        if move:
            self._apply_transition(
                state_code="active",
                reason=_("First use"),
                event_type="transition",
                event_date=datetime.datetime.combine(day, datetime.time(12)),
            )
        self.write({"activation_date": day})
        lines = self.contract_line_id
        for term, term_lines in lines.grouped("iot_term_months").items():
            term_lines.write(
                {
                    "date_start": day,
                    "recurring_next_date": day,
                    "date_end": schedule_core.add_months(day, term or 12) - schedule_core.ONE_DAY,
                    "iot_awaiting_first_use": False,
                }
            )
        lines._iot_generate_schedules(day)
