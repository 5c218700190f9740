import json

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.osv import expression

from ..core import payload as payload_core
from ..exceptions import IotApiError


class IotDeviceApi(models.Model):
    """The device API: the public methods the HTTP controllers and JSON-RPC share.

    Each public method first asks ``iot.api`` whether the caller may run its
    operation (``_api_self``) and then works with the rights the operation needs:
    gateway users have no ORM right to write anything, so this layer is the only
    way their requests change data. Every search here names the caller's companies.
    """

    _inherit = "iot.device"

    @api.model
    def _api_self(self, operation):
        """This model in the environment ``operation`` runs in (or an AccessError)."""
        env = self.env["iot.api"]._api_env(operation)
        return self.with_env(env).with_context(iot_origin=self._iot_origin(api_call=True))

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
        """The caller's device named ``identifier``; another company's device is
        answered like an unknown one (404), so that a key learns nothing of it."""
        try:
            identifier = payload_core.identifier(identifier)
        except payload_core.PayloadError as exc:
            raise IotApiError(exc.message, details=[{"field": exc.field}]) from None
        # Each company stores identifiers its own way (``_iot_normalise_identifier``).
        names = {
            self._iot_normalise_identifier(identifier, company) for company in self.env.companies
        }
        device = self.search(
            [("identifier", "in", list(names)), ("company_id", "in", self.env.companies.ids)],
            limit=1,
        )
        if not device:
            raise IotApiError(
                _("No device %(identifier)s.", identifier=identifier),
                code="not_found",
                status=404,
            )
        return device

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
    def _api_parse_devices(self, items):
        """``(results, cleaned)``: each item's rejection (None when valid) and the valid
        items' ``(index, values)``, their identifiers as the company stores them."""
        device_fields = self._api_device_fields()
        results = [None] * len(items)
        cleaned = []
        for index, item in enumerate(items):
            values, problems = payload_core.parse_device(item, device_fields)
            if not problems:
                # Registered as the company's usage names it: ``iot_ns543`` is IOT_NS543
                # when its mediation upper-cases identifiers.
                values["identifier"] = self._iot_normalise_identifier(values["identifier"])
                if not values["identifier"]:
                    problems = [
                        {"field": "identifier", "message": "identifier is empty once normalised"}
                    ]
            if problems:
                results[index] = _rejected(index, problems)
            else:
                cleaned.append((index, values))
        return results, cleaned

    @api.model
    def api_create_devices(self, devices):
        """Create one device (an object) or up to 1,000 (a list), idempotent on identifier.

        One device answers its serialisation with ``status`` created or existing,
        and raises an ``IotApiError`` when it is invalid. A list answers per item:
        ``{"results": [{"index", "status", "identifier", "id", "state"} or
        {"index", "status": "rejected", "error": {...}}], "created", "existing",
        "rejected"}``.
        """
        self = self._api_self("devices.write")
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
        results, cleaned = self._api_parse_devices(items)
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
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                tracking_disable=True,
                iot_identifier_normalised=True,
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
        self = self._api_self("devices.read")
        return self._api_find_device(identifier)._api_serialize()[0]

    @api.model
    def api_get_events(self, identifier, limit=200):
        self = self._api_self("devices.read")
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
        """Activate a device for a customer: ``{"customer", "date_start", ...}`` (the
        fields of ``_api_activation_fields``)."""
        self = self._api_self("devices.write")
        device = self._api_find_device(identifier)
        device._api_activate(activation)
        return device._api_serialize()[0]

    @api.model
    def _api_activation_fields(self):
        """Hook: ``{field: parser}`` of an activation object; addons add their own
        (billing: plan, contract, term). A parser takes the sent value and answers the
        cleaned one or raises ``PayloadError``."""
        return dict(payload_core.ACTIVATION_FIELDS)

    def _api_activation_date(self, date_start):
        """The start of an activation: today by default, and within the company's
        window around today (``iot_activation_window_days``)."""
        today = fields.Date.context_today(self)
        if date_start is None:
            return today
        window = self.env.company.iot_activation_window_days
        if abs((date_start - today).days) > window:
            raise IotApiError(
                _(
                    "date_start must lie within %(days)s days of today.",
                    days=window,
                ),
                details=[{"field": "date_start", "message": "out of range"}],
            )
        return date_start

    def _api_activate(self, activation):
        """Activate these devices from an API activation object (one for all)."""
        try:
            values = payload_core.parse_activation(activation, self._api_activation_fields())
        except payload_core.PayloadError as exc:
            raise IotApiError(
                exc.message, details=[{"field": exc.field, "message": exc.message}]
            ) from None
        date_start = self._api_activation_date(values.pop("date_start", None))
        customer = values.pop("customer")
        reason = values.pop("reason", None)
        partner = self._api_resolve_partners([customer], "customer").get(customer)
        if not partner:
            raise IotApiError(
                _("Unknown customer %(customer)s.", customer=customer),
                details=[{"field": "customer", "message": "unknown customer"}],
            )
        self._activate(partner, date_start, values, reason=reason)

    @api.model
    def api_transition(self, identifier, move):
        """Move a device: ``{"transition": code}`` or ``{"state": code}``, and a reason."""
        self = self._api_self("devices.write")
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
