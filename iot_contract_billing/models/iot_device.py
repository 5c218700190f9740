from odoo import _, fields, models

from odoo.addons.iot_fleet.exceptions import IotApiError

from ..core import schedule as schedule_core

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

    def _prepare_activation(self, partner, date_start, activation_data):
        payload = super()._prepare_activation(partner, date_start, activation_data)
        plan = activation_data.get("plan") or {}
        if not plan and not activation_data.get("contract"):
            return payload  # activation without billing: a plain fleet move
        product, price = self._billing_plan(plan)
        term = self._billing_term(activation_data.get("term_months"))
        contract = self._billing_contract(partner, activation_data)
        lines = self._billing_create_lines(contract, product, price, date_start, term)
        payload.update(
            {
                "contract_id": contract.id,
                "contract": contract.display_name,
                "plan_product": product.default_code or product.display_name,
                "price": price,
                "term_months": term,
                "contract_line_ids": lines.ids[:1000],
            }
        )
        return payload

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

    def _billing_create_lines(self, contract, product, price, date_start, term):
        """One contract line per device and its schedules for the whole term, in batches."""
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
                        "recurring_interval": 1,
                        "recurring_invoicing_type": "post-paid",
                        "recurring_next_date": date_start,
                        "iot_device_id": device.id,
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
        currency = contract.currency_id
        periods = schedule_core.billing_periods(
            date_start,
            term,
            price,
            interval_months=1,
            alignment=contract.iot_billing_alignment or "calendar",
            digits=currency.decimal_places,
        )
        today = fields.Date.context_today(self)
        self.env["iot.billing.schedule"].sudo().create(
            [
                {
                    "contract_line_id": line.id,
                    "device_id": line.iot_device_id.id,
                    "company_id": contract.company_id.id,
                    "currency_id": currency.id,
                    "sequence": number,
                    "date_start": period.start,
                    "date_end": period.end,
                    "ratio": period.ratio,
                    "recurring_amount": period.amount,
                    "state": "open" if period.start <= today <= period.end else "planned",
                }
                for line in lines
                for number, period in enumerate(periods, start=1)
            ]
        )
        return lines.sudo(False)
