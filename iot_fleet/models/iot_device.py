import json

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.osv import expression

from odoo.addons.base.models.res_partner import _tz_get

from ..core import payload as payload_core
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

    @api.model_create_multi
    def create(self, vals_list):
        origin = self._iot_origin()
        channel = "api" if origin in API_ORIGINS else "manual"
        initial_states = {}
        transitions = self.env["iot.device.transition"]
        for vals in vals_list:
            if vals.get("identifier"):
                vals["identifier"] = vals["identifier"].strip()
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

    def write(self, vals):
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
        """A header button: apply the transition at once, or ask for a reason first."""
        code = self.env.context.get("iot_transition_code")
        needs_reason = self.allowed_transition_ids.filtered(
            lambda t: t.code == code and t.reason_required
        )
        if needs_reason:
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
        return self.env["iot.device.event"].create(vals_list)

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

    # ------------------------------------------------------------------
    # Public API: the same operations for the HTTP controllers and JSON-RPC
    # ------------------------------------------------------------------

    @api.model
    def _api_device_fields(self):
        return payload_core.DEVICE_FIELDS

    def _api_serialize(self):
        return [
            {
                "id": device.id,
                "identifier": device.identifier,
                "name": device.name,
                "type": device.type_id.code or None,
                "product": device.product_id.default_code or device.product_id.name or None,
                "serial": device.serial or None,
                "imei": device.imei or None,
                "iccid": device.iccid or None,
                "customer": _partner_ref(device.partner_id),
                "owner": _partner_ref(device.owner_id),
                "company": device.company_id.name,
                "state": device.state_id.code,
                "base_status": device.base_status,
                "activation_date": device.activation_date.isoformat()
                if device.activation_date
                else None,
                "end_date": device.end_date.isoformat() if device.end_date else None,
                "attributes": device.attributes or {},
                "tags": device.tag_ids.mapped("name"),
                "allowed_transitions": device.allowed_transition_ids.mapped("code"),
            }
            for device in self
        ]

    @api.model
    def _api_find_device(self, identifier):
        """The caller's device named ``identifier`` (404 unknown, 403 another company's)."""
        try:
            identifier = payload_core.identifier(identifier)
        except payload_core.PayloadError as exc:
            raise IotApiError(exc.message, details=[{"field": exc.field}]) from None
        device = self.search(
            [("identifier", "=", identifier), ("company_id", "in", self.env.companies.ids)],
            limit=1,
        )
        if device:
            return device
        if (
            self.sudo()
            .with_context(active_test=False)
            .search_count([("identifier", "=", identifier)], limit=1)
        ):
            raise IotApiError(
                _("The device %(identifier)s belongs to another company.", identifier=identifier),
                code="forbidden",
                status=403,
            )
        raise IotApiError(
            _("No device %(identifier)s.", identifier=identifier), code="not_found", status=404
        )

    @api.model
    def _api_resolve_partners(self, references, field):
        """Map partner references (ids, internal references or VATs) to partners.

        One query for all references; an unknown one is a problem of ``field``.
        """
        references = {ref for ref in references if ref is not None}
        if not references:
            return {}
        Partner = self.env["res.partner"]
        ids = [ref for ref in references if isinstance(ref, int)]
        codes = [ref for ref in references if isinstance(ref, str)]
        domain = expression.OR(
            [
                [("id", "in", ids)] if ids else expression.FALSE_DOMAIN,
                ["|", ("ref", "in", codes), ("vat", "in", codes)]
                if codes
                else expression.FALSE_DOMAIN,
            ]
        )
        partners = Partner.search(
            expression.AND([domain, [("company_id", "in", self.env.companies.ids + [False])]])
        )
        resolved = {}
        for partner in partners:
            resolved.setdefault(partner.id, partner)
            for code in (partner.ref, partner.vat):
                if code and code in codes:
                    resolved.setdefault(code, partner)
        return resolved

    @api.model
    def _api_prepare_values(self, items):
        """Turn cleaned items into ``create`` values, or problems.

        Returns one ``(vals, problems)`` pair per item; every lookup is made once
        for the whole batch.
        """
        type_codes = {item["type"] for item in items if item.get("type")}
        types = {}
        if type_codes:
            for device_type in self.env["iot.device.type"].search(
                [
                    ("code", "in", list(type_codes)),
                    ("company_id", "in", self.env.companies.ids + [False]),
                ]
            ):
                types.setdefault(device_type.code, device_type)
        partners = self._api_resolve_partners(
            [item.get("customer") for item in items] + [item.get("owner") for item in items],
            "customer",
        )
        tag_names = {name for item in items for name in item.get("tags") or ()}
        tags = {}
        if tag_names:
            Tag = self.env["iot.device.tag"].sudo()
            tags = {tag.name: tag for tag in Tag.search([("name", "in", list(tag_names))])}
            missing = tag_names - set(tags)
            if missing:
                for tag in Tag.create([{"name": name} for name in sorted(missing)]):
                    tags[tag.name] = tag
        results = []
        for item in items:
            problems = []
            vals = {
                "identifier": item["identifier"],
                "name": item.get("name") or item["identifier"],
                "serial": item.get("serial"),
                "imei": item.get("imei"),
                "iccid": item.get("iccid"),
                "attributes": item.get("attributes") or False,
                "company_id": self.env.company.id,
            }
            if item.get("type"):
                if item["type"] in types:
                    vals["type_id"] = types[item["type"]].id
                else:
                    problems.append(
                        {"field": "type", "message": f"unknown device type {item['type']}"}
                    )
            for key, field_name in (("customer", "partner_id"), ("owner", "owner_id")):
                if item.get(key) is not None:
                    if item[key] in partners:
                        vals[field_name] = partners[item[key]].id
                    else:
                        problems.append({"field": key, "message": f"unknown {key} {item[key]}"})
            if item.get("tags"):
                vals["tag_ids"] = [fields.Command.set([tags[name].id for name in item["tags"]])]
            results.append((vals, problems))
        return results

    @api.model
    def api_create_devices(self, devices):
        """Create one device (an object) or up to 1,000 (a list), idempotent on identifier.

        One device answers its serialisation with ``status`` created or existing,
        and raises an ``IotApiError`` when it is invalid. A list answers per item:
        ``{"results": [{"index", "status", "identifier", "id", "state"} or
        {"index", "status": "rejected", "error": {...}}], "created", "existing",
        "rejected"}``.
        """
        self = self.with_context(iot_origin=self._iot_origin(api_call=True))
        try:
            items, is_list = payload_core.split_device_request(devices)
        except payload_core.PayloadError as exc:
            raise IotApiError(exc.message, details=[{"field": exc.field}]) from None
        if len(items) > payload_core.MAX_DEVICES_PER_REQUEST:
            raise IotApiError(
                _(
                    "At most %(max)s devices per request, got %(count)s.",
                    max=payload_core.MAX_DEVICES_PER_REQUEST,
                    count=len(items),
                ),
                code="too_many",
                status=413,
            )
        if is_list and not items:
            raise IotApiError(_("The list of devices is empty."), code="empty")
        device_fields = self._api_device_fields()
        results = [None] * len(items)
        cleaned = []
        for index, item in enumerate(items):
            values, problems = payload_core.parse_device(item, device_fields)
            if problems:
                results[index] = _rejected(index, problems)
            else:
                cleaned.append((index, values))
        # Idempotency: an identifier known in the company, or seen earlier in the
        # same list, is answered as existing.
        existing = {
            device.identifier: device
            for device in self.with_context(active_test=False).search(
                [
                    ("identifier", "in", [values["identifier"] for _index, values in cleaned]),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        }
        to_create, seen = [], set()
        prepared = self._api_prepare_values([values for _index, values in cleaned])
        for (index, values), (vals, problems) in zip(cleaned, prepared, strict=True):
            identifier = values["identifier"]
            if identifier in existing or identifier in seen:
                results[index] = {"status": "existing", "identifier": identifier}
            elif problems:
                results[index] = _rejected(index, problems)
            else:
                seen.add(identifier)
                results[index] = {"status": "created", "identifier": identifier}
                to_create.append((vals, values))
        if to_create:
            creator = self.with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
            )
            try:
                with self.env.cr.savepoint():
                    created = creator.create([vals for vals, _values in to_create])
            except pg_errors.UniqueViolation:
                raise IotApiError(
                    _("Another request is creating the same devices; send the request again."),
                    code="conflict",
                    status=409,
                ) from None
            existing.update((device.identifier, device) for device in created)
            created._api_after_create(
                dict(zip(created, [values for _vals, values in to_create], strict=True))
            )
        if not is_list:
            result = results[0]
            if result["status"] == "rejected":
                error = result["error"]
                raise IotApiError(error["message"], details=error["details"])
            device = existing[result["identifier"]]
            return dict(device._api_serialize()[0], status=result["status"])
        counts = {"created": 0, "existing": 0, "rejected": 0}
        for index, result in enumerate(results):
            counts[result["status"]] += 1
            if result["status"] != "rejected":
                device = existing[result["identifier"]]
                result.update(index=index, id=device.id, state=device.state_id.code)
        return dict(counts, results=results)

    def _api_after_create(self, values_by_device):
        """Activate the new devices that came with an ``activation`` object: devices
        sharing the same activation are activated together, in one batch."""
        groups = {}
        for device, values in values_by_device.items():
            if values.get("activation"):
                key = json.dumps(values["activation"], sort_keys=True, default=str)
                groups.setdefault(key, (values["activation"], self.browse()))
                groups[key] = (groups[key][0], groups[key][1] | device)
        for activation, devices in groups.values():
            devices._api_activate(activation)
        return True

    @api.model
    def api_get_device(self, identifier):
        return self._api_find_device(identifier)._api_serialize()[0]

    @api.model
    def api_get_events(self, identifier, limit=200):
        device = self._api_find_device(identifier)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= 1000:
            raise IotApiError(
                _("limit must be an integer from 1 to 1000."), details=[{"field": "limit"}]
            )
        events = self.env["iot.device.event"].search([("device_id", "=", device.id)], limit=limit)
        return {
            "identifier": device.identifier,
            "events": [
                {
                    "id": event.id,
                    "date": event.date.isoformat() + "Z",
                    "type": event.event_type,
                    "origin": event.origin,
                    "user": event.user_id.login,
                    "from_state": event.from_state_id.code or None,
                    "to_state": event.to_state_id.code or None,
                    "transition": event.transition_id.code or None,
                    "customer": _partner_ref(event.partner_id),
                    "reason": event.reason or None,
                    "payload": event.payload or None,
                    "charge": event.charge_product_id
                    and {
                        "product": event.charge_product_id.display_name,
                        "amount": event.charge_amount,
                        "currency": event.charge_currency_id.name,
                    }
                    or None,
                }
                for event in events
            ],
        }

    @api.model
    def api_activate(self, identifier, activation):
        """Activate a device for a customer: ``{"customer", "date_start", "plan"}``."""
        self = self.with_context(iot_origin=self._iot_origin(api_call=True))
        device = self._api_find_device(identifier)
        device._api_activate(activation)
        return device._api_serialize()[0]

    def _api_activate(self, activation):
        """Activate these devices from an API activation object (one for all)."""
        try:
            values = payload_core.parse_activation(activation, fields.Date.context_today(self))
        except payload_core.PayloadError as exc:
            raise IotApiError(
                exc.message, details=[{"field": exc.field, "message": exc.message}]
            ) from None
        partner = self._api_resolve_partners([values["customer"]], "customer").get(
            values["customer"]
        )
        if not partner:
            raise IotApiError(
                _("Unknown customer %(customer)s.", customer=values["customer"]),
                details=[{"field": "customer", "message": "unknown customer"}],
            )
        activation_data = {
            key: values[key] for key in ("plan", "contract", "term_months") if key in values
        }
        self._activate(partner, values["date_start"], activation_data, reason=values["reason"])

    @api.model
    def api_transition(self, identifier, move):
        """Move a device: ``{"transition": code}`` or ``{"state": code}``, and a reason."""
        self = self.with_context(iot_origin=self._iot_origin(api_call=True))
        device = self._api_find_device(identifier)
        try:
            values = payload_core.parse_transition(move)
        except payload_core.PayloadError as exc:
            raise IotApiError(
                exc.message, details=[{"field": exc.field, "message": exc.message}]
            ) from None
        if values["transition"] == "activate" or (
            values["state"]
            and device.allowed_transition_ids.filtered(
                lambda t: t.code == "activate" and t.to_state_id.code == values["state"]
            )
        ):
            raise IotApiError(
                _("Use the activate operation to activate a device."),
                code="use_activate",
                details=[{"field": "transition"}],
            )
        device._apply_transition(
            code=values["transition"], state_code=values["state"], reason=values["reason"]
        )
        return device._api_serialize()[0]


def _partner_ref(partner):
    if not partner:
        return None
    return {"id": partner.id, "name": partner.display_name, "ref": partner.ref or None}


def _rejected(index, problems):
    return {
        "index": index,
        "status": "rejected",
        "error": {
            "code": "invalid",
            "message": "; ".join(problem["message"] for problem in problems),
            "details": [dict(problem, index=index) for problem in problems],
        },
    }


def _is_plain(value):
    return isinstance(value, str | int | float | bool | dict | list) or value is None


class IotDeviceDemo(models.Model):
    _inherit = "iot.device"

    @api.model
    def _demo_populate_fleet(self):
        """Demo data: a fleet in various states, reached through real transitions."""
        if self.search_count([("identifier", "=", "IOT_FC0001")]):
            return False
        ref = self.env.ref
        customer = ref("iot_fleet.demo_partner_fleet_customer")
        owner = ref("iot_fleet.demo_partner_device_owner")
        types = [
            ref("iot_fleet.demo_type_water_meter"),
            ref("iot_fleet.demo_type_gps_tracker"),
            ref("iot_fleet.demo_type_sim"),
        ]
        # (identifier prefix, company, customer, count)
        company_b = ref("iot_fleet.demo_company_b")
        batches = [
            ("IOT_FC", self.env.company, customer, 40),
            ("IOT_BB", company_b, ref("iot_fleet.demo_partner_brand_b_customer"), 10),
        ]
        today = fields.Date.context_today(self)
        for prefix, company, partner, count in batches:
            Device = self.with_company(company).with_context(iot_origin="import")
            devices = Device.create(
                [
                    {
                        "identifier": f"{prefix}{index:04d}",
                        "name": f"{types[index % 3].name} {index:04d}",
                        "type_id": types[index % 3].id,
                        "serial": f"SN-{prefix}-{index:06d}",
                        "company_id": company.id,
                        "owner_id": owner.id if index % 7 == 0 else False,
                    }
                    for index in range(1, count + 1)
                ]
            )
            # The first four stay draft; then pending, active, suspended, blocked and
            # cancelled devices.
            pending, rest = devices[4:8], devices[8:]
            pending._apply_transition(code="submit")
            rest._activate(partner, today)
            rest[-4:-2]._apply_transition(code="suspend", reason="Seasonal stop")
            rest[-2:-1]._apply_transition(code="block", reason="Invoices overdue")
            rest[-1:]._apply_transition(code="cancel", reason="Customer left")
        return True
