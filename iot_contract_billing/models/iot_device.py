import datetime
import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from odoo.addons.iot_fleet.core.payload import PayloadError
from odoo.addons.iot_fleet.exceptions import IotApiError

from ..core import (
    plan as plan_core,
    schedule as schedule_core,
)

_logger = logging.getLogger(__name__)


def _checked(parser, *args):
    """``parser(*args)``, its ``PayloadError`` answered as the API's 400."""
    try:
        return parser(*args)
    except PayloadError as exc:
        raise IotApiError(
            exc.message, details=[{"field": exc.field, "message": exc.message}]
        ) from None


def _identifiers(devices, limit=20):
    """'A, B, C and 12 more': the devices a message names."""
    names = ", ".join(devices[:limit].mapped("identifier"))
    if len(devices) > limit:
        return _("%(names)s and %(count)s more", names=names, count=len(devices) - limit)
    return names


class IotDevice(models.Model):
    _inherit = "iot.device"

    # Contracts and schedules are the IoT users' to read, not the gateways' (which read
    # devices): a gateway's read of a device leaves them out instead of failing.
    contract_line_id = fields.Many2one(
        "contract.line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        groups="iot_fleet.group_iot_user",
    )
    contract_id = fields.Many2one(
        related="contract_line_id.contract_id",
        string="Contract",
        groups="iot_fleet.group_iot_user",
    )
    billing_schedule_ids = fields.One2many(
        "iot.billing.schedule",
        "device_id",
        string="Invoicing Schedules",
        groups="iot_fleet.group_iot_user",
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
        if len(self.company_id) > 1:
            raise IotApiError(_("Activate the devices of one company at a time."))
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

    def _post_activation(self, partner, date_start, activation_data):
        """A device on a plan ends with its term: its end date is the last day of the
        term (a device waiting for its first use gets it when billing starts)."""
        result = super()._post_activation(partner, date_start, activation_data)
        self._billing_set_end_date()
        return result

    def _billing_set_end_date(self):
        lines = self.contract_line_id.filtered(lambda line: not line.iot_awaiting_first_use)
        for date_end, term_lines in lines.grouped("date_end").items():
            term_lines.iot_device_id.write({"end_date": date_end})

    # ------------------------------------------------------------------
    # Devices active already, put on a contract afterwards
    # ------------------------------------------------------------------

    def _billing_contract_refusals(self):
        """``[(reason, devices)]``: the devices that cannot be put on a contract as they
        stand (only active devices of a customer, on no contract yet, can)."""
        inactive = self.filtered(lambda device: device.base_status != "active")
        on_contract = (self - inactive).filtered("contract_line_id")
        rest = self - inactive - on_contract
        no_customer = rest.filtered(lambda device: not device.partner_id)
        no_date = (rest - no_customer).filtered(lambda device: not device.activation_date)
        refusals = [
            (_("not active"), inactive),
            (_("already on a contract"), on_contract),
            (_("without a customer"), no_customer),
            (_("without an activation date"), no_date),
        ]
        return [(reason, devices) for reason, devices in refusals if devices]

    def _billing_check_can_contract(self):
        refusals = self._billing_contract_refusals()
        if refusals:
            listed = "\n".join(
                f"- {reason}: {_identifiers(devices)}" for reason, devices in refusals
            )
            raise UserError(_("These devices cannot be put on a contract:\n%(list)s", list=listed))

    def _billing_put_on_contract(self, activation_data):
        """Put active devices that are on no contract on their customer's fleet contract,
        as activation does: a contract line on the plan per device and its schedules for
        the term, both from the device's activation date. Set-based: one batch of lines
        and schedules per customer and activation date."""
        self._billing_check_can_contract()
        if len(self.company_id) > 1:
            raise UserError(_("Put the devices of one company at a time on a contract."))
        product, price = self._billing_plan(activation_data.get("plan"))
        term = self._billing_term(activation_data.get("term_months"))
        lines = self.env["contract.line"]
        events = []
        for partner, partner_devices in self.grouped(
            lambda device: device.partner_id.commercial_partner_id
        ).items():
            contract = partner_devices._billing_contract(partner, activation_data)
            for day, devices in partner_devices.grouped("activation_date").items():
                day_lines = devices._billing_create_lines(contract, product, price, day, term)
                lines |= day_lines
                events += [
                    {
                        "device_id": line.iot_device_id.id,
                        "event_type": "note",
                        "partner_id": partner.id,
                        "reason": _("Put on contract %(contract)s", contract=contract.name),
                        "payload": {
                            "contract_id": contract.id,
                            "contract": contract.display_name,
                            "contract_line_id": line.id,
                            "plan_product": product.default_code or product.display_name,
                            "price": price,
                            "term_months": term,
                            "date_start": fields.Date.to_string(day),
                        },
                    }
                    for line in day_lines.sudo()
                ]
        self._billing_set_end_date()
        self._log_events(events)
        return lines

    def _billing_lookup_domain(self, with_shared=False):
        """What the records an activation names (plan product, contract, template) must
        belong to: the devices' company, if the caller works in it - and, ``with_shared``,
        no company. Lookups run as the system with this domain, whoever calls: a record
        of another company is unknown, and never named in an answer."""
        companies = (self.company_id & self.env.companies).ids
        return [("company_id", "in", companies + [False] if with_shared else companies)]

    def _billing_lookup(self, model, reference, fields, shared=False):
        """The record of ``model`` given by id or by one of ``fields`` (a reference
        checked by ``plan_core.reference``) among those the activation may use, as the
        system; ``shared``: records without a company count too."""
        domain = self._billing_lookup_domain(with_shared=shared)
        if isinstance(reference, int):
            domain = expression.AND([domain, [("id", "=", reference)]])
        else:
            domain = expression.AND(
                [domain, expression.OR([[(name, "=", reference)] for name in fields])]
            )
        return self.env[model].sudo().search(domain, limit=1, order="id")

    def _billing_plan_product(self, plan):
        """The plan's product when it can be found, else nothing (errors come later)."""
        try:
            return self._billing_plan(plan)[0]
        except IotApiError:
            return self.env["product.product"]

    def _billing_plan(self, plan):
        """``(product, price)`` of an activation's plan (``plan_core.plan``)."""
        plan = _checked(plan_core.plan, plan or {})
        reference = plan["product"]
        product = self._billing_lookup(
            "product.product", reference, ("default_code", "name"), shared=True
        )
        if not product:
            raise IotApiError(
                _("Unknown plan product %(product)s.", product=reference),
                details=[{"field": "plan.product", "message": "unknown product"}],
            )
        if not product.iot_is_plan:
            raise IotApiError(
                _(
                    "The product %(product)s is not an IoT plan: flag it as a plan on its form.",
                    product=product.display_name,
                ),
                code="not_a_plan",
                details=[{"field": "plan.product", "message": "not an IoT plan"}],
            )
        price = plan.get("price")
        if price is None:
            price = _checked(plan_core.price, product.lst_price)
        # A price of 0 is a plan billed on its usage only.
        return product.with_env(self.env), price

    def _billing_term(self, term):
        term = _checked(plan_core.term_months, term)
        return plan_core.DEFAULT_TERM_MONTHS if term is None else term

    def _billing_contract(self, partner, activation_data):
        """The customer's fleet contract: the one given, the open one, or a new one.

        A contract is looked up among the devices' company's only (``_billing_lookup``),
        so that another company's contract is answered like an unknown one.
        """
        company = self.company_id
        reference = _checked(plan_core.reference, "contract", activation_data.get("contract"))
        commercial = partner.commercial_partner_id
        if reference:
            contract = self._billing_lookup("contract.contract", reference, ("code", "name"))
            if not contract:
                raise IotApiError(
                    _("Unknown contract %(contract)s.", contract=reference),
                    details=[{"field": "contract", "message": "unknown contract"}],
                )
            if contract.partner_id.commercial_partner_id != commercial:
                raise IotApiError(
                    _("The contract %(contract)s is not the customer's.", contract=reference),
                    details=[{"field": "contract", "message": "another customer's contract"}],
                )
        else:
            contract = (
                self.env["contract.contract"]
                .sudo()
                .search(
                    expression.AND(
                        [
                            self._billing_lookup_domain(),
                            [
                                ("partner_id.commercial_partner_id", "=", commercial.id),
                                ("iot_fleet", "=", True),
                                ("contract_type", "=", "sale"),
                            ],
                        ]
                    ),
                    limit=1,
                    order="id desc",
                )
            )
            if not contract:
                contract = self._billing_new_contract(partner, activation_data)
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
        """A fleet contract for the customer, made from the template given or the
        company's own (``res.company._iot_contract_template``)."""
        template_ref = _checked(
            plan_core.reference, "contract_template", activation_data.get("contract_template")
        )
        if template_ref:
            template = self._billing_lookup("contract.template", template_ref, ("name",))
        else:
            template = self.company_id._iot_contract_template()
        if not template:
            raise IotApiError(
                _("Unknown contract template %(template)s.", template=template_ref),
                details=[{"field": "contract_template", "message": "unknown template"}],
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
        self._billing_set_end_date()
        lines._iot_generate_schedules(day)
