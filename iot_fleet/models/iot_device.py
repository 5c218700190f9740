import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.base.models.res_partner import _tz_get

from ..core import identifiers as identifiers_core
from ..exceptions import IotApiError

API_ORIGINS = ("http", "jsonrpc")


class IotDevice(models.Model):
    _name = "iot.device"
    _description = "Connected Object"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "identifier, id"
    _rec_names_search = ["identifier", "name", "serial", "imei", "iccid"]

    def _default_state(self):
        return self.env["iot.device.transition"]._initial_state(self.env.company, "manual")

    identifier = fields.Char(
        required=True,
        index=True,
        tracking=True,
        help="The DeviceId that feeds and people use, e.g. IOT_NS542. Unique per company.",
    )
    name = fields.Char(
        compute="_compute_name", store=True, readonly=False, required=True, tracking=True
    )
    active = fields.Boolean(default=True)
    type_id = fields.Many2one("iot.device.type", string="Device Type", tracking=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        tracking=True,
    )
    serial = fields.Char(string="Serial Number", index="btree_not_null")
    imei = fields.Char(string="IMEI", index="btree_not_null")
    iccid = fields.Char(string="ICCID", index="btree_not_null")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", tracking=True, index=True, check_company=True
    )
    owner_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        help="A third party that owns the device, when it is not ours.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    state_id = fields.Many2one(
        "iot.device.state",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        default=_default_state,
        group_expand="_read_group_state_ids",
        copy=False,
    )
    base_status = fields.Selection(related="state_id.base_status", store=True, index=True)
    tz = fields.Selection(
        _tz_get, string="Time Zone", help="Where the device is: reads its local times."
    )
    activation_date = fields.Date(tracking=True, copy=False)
    end_date = fields.Date(tracking=True, copy=False)
    attributes = fields.Json()
    attributes_text = fields.Text(
        string="Attributes (JSON)",
        compute="_compute_attributes_text",
        inverse="_inverse_attributes_text",
        help="Free attributes of the device, as a JSON object.",
    )
    tag_ids = fields.Many2many("iot.device.tag", string="Tags")
    event_ids = fields.One2many("iot.device.event", "device_id", string="Events")
    event_count = fields.Integer(compute="_compute_event_count")
    allowed_transition_ids = fields.Many2many(
        "iot.device.transition", compute="_compute_allowed_transitions"
    )
    allowed_transition_codes = fields.Char(compute="_compute_allowed_transitions")
    color = fields.Integer()

    _sql_constraints = [
        (
            "identifier_company_uniq",
            "unique (company_id, identifier)",
            "A device with this identifier exists already in this company.",
        )
    ]

    @api.depends("identifier")
    def _compute_name(self):
        for device in self:
            if not device.name and device.identifier:
                device.name = device.identifier.strip()

    @api.depends("type_id")
    def _compute_product_id(self):
        for device in self:
            if device.type_id.product_id and not device.product_id:
                device.product_id = device.type_id.product_id

    @api.depends("attributes")
    def _compute_attributes_text(self):
        for device in self:
            device.attributes_text = (
                json.dumps(device.attributes, indent=2, sort_keys=True)
                if device.attributes
                else False
            )

    def _inverse_attributes_text(self):
        for device in self:
            text = (device.attributes_text or "").strip()
            if not text:
                device.attributes = False
                continue
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ValidationError(
                    _("The attributes must be a JSON object: %(error)s", error=exc)
                ) from None
            if not isinstance(value, dict):
                raise ValidationError(_("The attributes must be a JSON object."))
            device.attributes = value

    def _compute_event_count(self):
        counts = dict(
            self.env["iot.device.event"]._read_group(
                [("device_id", "in", self.ids)], ["device_id"], ["__count"]
            )
        )
        for device in self:
            device.event_count = counts.get(device, 0)

    @api.depends("state_id", "company_id")
    def _compute_allowed_transitions(self):
        allowed = self.env["iot.device.transition"]._allowed_by_state(
            self.state_id, self.company_id
        )
        for device in self:
            transitions = allowed.get(device.state_id, self.env["iot.device.transition"])
            transitions = transitions.filtered(
                lambda t, device=device: not t.company_id or t.company_id == device.company_id
            )
            device.allowed_transition_ids = transitions
            device.allowed_transition_codes = " %s " % " ".join(transitions.mapped("code"))

    @api.model
    def _read_group_state_ids(self, states, domain):
        return states.search([])

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _iot_origin(self, api_call=False):
        """Where the current change comes from, for the event log.

        The HTTP controllers and the UI wizards say so in the context. Odoo serves
        JSON-RPC without binding the request, so an API method called without an
        origin, or any call of an integration user outside a request, is JSON-RPC.
        """
        origin = self.env.context.get("iot_origin")
        if origin:
            return origin
        if request and request.httprequest.path.startswith(("/jsonrpc", "/xmlrpc")):
            return "jsonrpc"
        if not request and (api_call or self.env.user.has_group("iot_fleet.group_iot_device_api")):
            return "jsonrpc"
        return "ui"

    @api.model
    def _iot_identifier_rules(self, company):
        """Hook: how ``company`` normalises device identifiers, as a tuple of keyword
        arguments of ``core.identifiers.normalise`` (usage mediation adds its rules)."""
        return ()

    @api.model
    def _iot_normalise_identifier(self, identifier, company=None):
        """``identifier`` as ``company`` (default: the current one) stores it: what
        registration writes and what lookups and usage records are matched against."""
        company = company or self.env.company
        return identifiers_core.normalise_all(identifier, self._iot_identifier_rules(company))

    @api.model_create_multi
    def create(self, vals_list):
        origin = self._iot_origin()
        channel = "api" if origin in API_ORIGINS else "manual"
        initial_states = {}
        transitions = self.env["iot.device.transition"]
        # Paths that looked the device up first (API, usage) pass it normalised already:
        # stripping a prefix twice would change it.
        normalised = self.env.context.get("iot_identifier_normalised")
        for vals in vals_list:
            if vals.get("identifier"):
                if not normalised:
                    company = self.env["res.company"].browse(
                        vals.get("company_id") or self.env.company.id
                    )
                    vals["identifier"] = self._iot_normalise_identifier(vals["identifier"], company)
                vals.setdefault("name", vals["identifier"])
            if not vals.get("state_id") or channel == "api":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                if company not in initial_states:
                    initial_states[company] = transitions._initial_state(company, channel)
                if not initial_states[company]:
                    raise UserError(
                        _(
                            "No initial state is configured for devices of %(company)s: add a "
                            "New transition.",
                            company=company.name,
                        )
                    )
                vals["state_id"] = initial_states[company].id
        devices = super().create(vals_list)
        devices._log_events(
            [
                {
                    "device_id": device.id,
                    "event_type": "create",
                    "to_state_id": device.state_id.id,
                    "partner_id": device.partner_id.id,
                    "origin": origin,
                }
                for device in devices
            ]
        )
        return devices

    @api.model
    def name_create(self, name):
        """Typed in a many-to-one and created from there: what was typed is the device's
        identifier (the name follows from it), as the user means it."""
        device = self.create({"identifier": name.strip()})
        return device.id, device.display_name

    def write(self, vals):
        if vals.get("identifier"):
            company = (
                self.env["res.company"].browse(vals["company_id"])
                if vals.get("company_id")
                else self.company_id
            )
            if len(company) > 1:
                for devices in self.grouped("company_id").values():
                    devices.write(vals)
                return True
            vals = dict(
                vals, identifier=self._iot_normalise_identifier(vals["identifier"], company or None)
            )
        if "state_id" in vals and not self.env.context.get("iot_transition_write"):
            for device in self:
                if device.state_id.id != vals["state_id"]:
                    raise UserError(
                        _(
                            "The state of %(device)s changes only through a transition.",
                            device=device.identifier,
                        )
                    )
        old_partners = {}
        if "partner_id" in vals and not self.env.context.get("iot_no_customer_event"):
            old_partners = {device: device.partner_id for device in self}
        result = super().write(vals)
        if old_partners:
            origin = self._iot_origin()
            self._log_events(
                [
                    {
                        "device_id": device.id,
                        "event_type": "customer_change",
                        "partner_id": device.partner_id.id,
                        "origin": origin,
                        "payload": {
                            "from_customer": old.display_name or None,
                            "from_customer_id": old.id or None,
                            "to_customer": device.partner_id.display_name or None,
                            "to_customer_id": device.partner_id.id or None,
                        },
                    }
                    for device, old in old_partners.items()
                    if old != device.partner_id
                ]
            )
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("iot_fleet.iot_device_event_action")
        action["domain"] = [("device_id", "=", self.id)]
        action["context"] = {"default_device_id": self.id}
        return action

    def action_open_activate_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Activate Devices"),
            "res_model": "iot.device.activate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_open_transition_wizard(self):
        code = self.env.context.get("iot_transition_code")
        transition = self.allowed_transition_ids.filtered(lambda t: t.code == code)[:1]
        context = {"active_model": self._name, "active_ids": self.ids}
        if transition:
            context["default_transition_id"] = transition.id
        return {
            "type": "ir.actions.act_window",
            "name": _("Change State"),
            "res_model": "iot.device.transition.wizard",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_transition(self):
        """A header button: apply the transition at once, or first ask for a reason or show
        the one-time charge it costs."""
        code = self.env.context.get("iot_transition_code")
        needs_wizard = self.allowed_transition_ids.filtered(
            lambda t: t.code == code and (t.reason_required or t.charge_product_id)
        )
        if needs_wizard:
            return self.action_open_transition_wizard()
        self._apply_transition(code=code)
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _log_events(self, vals_list):
        """Write events in one batch; ``user_id`` and ``origin`` default to the caller."""
        if not vals_list:
            return self.env["iot.device.event"]
        origin = self._iot_origin()
        for vals in vals_list:
            vals.setdefault("origin", origin)
            vals.setdefault("user_id", self.env.uid)
        # Events are append-only and nobody may create one through the ORM (an event
        # can carry a charge that billing puts on an invoice): only this code does.
        return self.env["iot.device.event"].sudo().create(vals_list)

    def _find_transitions(self, code=None, state_code=None):
        """The transition each device would take: ``{device: transition}``.

        Raises a 409 ``IotApiError`` naming the devices that cannot make the move.
        """
        found, refused = {}, []
        for device in self:
            candidates = device.allowed_transition_ids.filtered(
                lambda t: (code and t.code == code)
                or (state_code and t.to_state_id.code == state_code)
            )
            if candidates:
                found[device] = candidates[0]
            else:
                refused.append(device)
        if refused:
            wanted = code or state_code
            raise IotApiError(
                _(
                    "%(move)s is not allowed for %(devices)s from the current state "
                    "(%(state)s).",
                    move=wanted,
                    devices=", ".join(refused_device.identifier for refused_device in refused[:10]),
                    state=", ".join(sorted({d.state_id.name for d in refused})),
                ),
                code="transition_not_allowed",
                status=409,
                details=[
                    {
                        "identifier": d.identifier,
                        "state": d.state_id.code,
                        "allowed": d.allowed_transition_ids.mapped("code"),
                    }
                    for d in refused[:100]
                ],
            )
        return found

    def _apply_transition(
        self,
        code=None,
        state_code=None,
        reason=None,
        event_type="transition",
        extra_vals=None,
        payload=None,
        event_date=None,
    ):
        """Move every device of ``self`` through the allowed transition.

        One ``write`` per distinct transition and one batch of events; nothing is
        written when any device may not move. ``event_date`` dates the events when
        the move took effect earlier than now (the day of a device's first use).
        """
        if not self:
            return {}
        found = self._find_transitions(code=code, state_code=state_code)
        missing_reason = [
            device for device, transition in found.items() if transition.reason_required
        ]
        if missing_reason and not (reason or "").strip():
            raise IotApiError(
                _("%(move)s needs a reason.", move=code or state_code),
                code="reason_required",
                details=[{"field": "reason", "message": "reason is required"}],
            )
        by_transition = {}
        for device, transition in found.items():
            by_transition.setdefault(transition, self.browse())
            by_transition[transition] |= device
        from_states = {device: device.state_id for device in self}
        writer = self.with_context(iot_transition_write=True, iot_no_customer_event=True)
        for transition, devices in by_transition.items():
            vals = dict(extra_vals or {}, state_id=transition.to_state_id.id)
            if transition.to_state_id.base_status == "cancelled" and "end_date" not in vals:
                vals["end_date"] = fields.Date.context_today(self)
            writer.browse(devices.ids).write(vals)
        self._log_events(
            [
                {
                    "device_id": device.id,
                    "event_type": event_type,
                    "transition_id": transition.id,
                    "from_state_id": from_states[device].id,
                    "to_state_id": transition.to_state_id.id,
                    "partner_id": device.partner_id.id,
                    "reason": reason,
                    "payload": payload,
                    "charge_product_id": transition.charge_product_id.id,
                    "charge_amount": transition.charge_amount,
                    "charge_currency_id": device.company_id.currency_id.id
                    if transition.charge_product_id
                    else False,
                    **({"date": event_date} if event_date else {}),
                }
                for device, transition in found.items()
            ]
        )
        return found

    def _already_activated(self):
        """The devices an activation must refuse: active ones (billing adds those on a
        contract that waits for their first use)."""
        return self.filtered(lambda d: d.base_status == "active")

    def _check_can_activate(self, partner):
        active = self._already_activated()
        if active:
            raise IotApiError(
                _(
                    "%(devices)s is already active.",
                    devices=", ".join(active[:10].mapped("identifier")),
                ),
                code="already_active",
                status=409,
                details=[{"identifier": d.identifier} for d in active[:100]],
            )
        if partner.company_id and self.company_id - partner.company_id:
            raise IotApiError(
                _("The customer belongs to another company than the devices."),
                code="company_mismatch",
                status=403,
            )

    def _activate(self, partner, date_start, activation_data=None, reason=None):
        """Put devices on a customer: the Activate transition, customer and date.

        ``activation_data`` is what other addons need (plan, contract, term); they
        extend ``_prepare_activation`` (before the move) and ``_post_activation``.
        """
        activation_data = dict(activation_data or {})
        date_start = fields.Date.to_date(date_start)
        self._check_can_activate(partner)
        payload = {
            "customer_id": partner.id,
            "customer": partner.display_name,
            "date_start": fields.Date.to_string(date_start),
        }
        payload.update({key: value for key, value in activation_data.items() if _is_plain(value)})
        payload.update(self._prepare_activation(partner, date_start, activation_data))
        self._apply_transition(
            code=self._activation_transition_code(activation_data),
            reason=reason,
            event_type="activation",
            extra_vals={"partner_id": partner.id, "activation_date": date_start, "end_date": False},
            payload=payload,
        )
        self._post_activation(partner, date_start, activation_data)
        return True

    def _activation_transition_code(self, activation_data):
        """Hook: the transition that activation takes (billing on first use waits in
        Pre-active)."""
        return "activate"

    def _prepare_activation(self, partner, date_start, activation_data):
        """Hook for billing, before the devices move: put them on a contract.

        Returns what the activation event's payload should add (plain values).
        """
        return {}

    def _post_activation(self, partner, date_start, activation_data):
        """Hook: the devices are active and on ``partner``."""
        return True


def _is_plain(value):
    return isinstance(value, str | int | float | bool | dict | list) or value is None
