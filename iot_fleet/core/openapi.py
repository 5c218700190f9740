"""The OpenAPI 3 document of the device API.

Other addons add their paths with ``add_paths``; a test checks that every
``/iot/api/v1`` route Odoo serves is described here.
"""

import copy

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}

PARTNER_REF = {
    "description": "A partner by database id, internal reference or VAT number.",
    "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "maxLength": 64}],
}

DEVICE_INPUT = {
    "type": "object",
    "required": ["identifier"],
    "additionalProperties": False,
    "properties": {
        "identifier": {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
            "example": "IOT_NS542",
        },
        "name": {"type": "string", "maxLength": 256},
        "type": {"type": "string", "description": "Device type code", "example": "GPS"},
        "serial": {"type": "string", "maxLength": 64},
        "imei": {"type": "string", "maxLength": 64},
        "iccid": {"type": "string", "maxLength": 64},
        "customer": PARTNER_REF,
        "owner": PARTNER_REF,
        "attributes": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
        "activation": {
            "type": "object",
            "description": "Activate the device on creation (needs the billing addon).",
        },
    },
}

PARTNER_OUT = {
    "type": ["object", "null"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "ref": {"type": ["string", "null"]},
    },
}

DEVICE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "identifier": {"type": "string"},
        "name": {"type": "string"},
        "type": {"type": ["string", "null"]},
        "product": {"type": ["string", "null"]},
        "serial": {"type": ["string", "null"]},
        "imei": {"type": ["string", "null"]},
        "iccid": {"type": ["string", "null"]},
        "customer": PARTNER_OUT,
        "owner": PARTNER_OUT,
        "company": {"type": "string"},
        "state": {"type": "string"},
        "base_status": {"enum": ["prospect", "active", "suspended", "cancelled"]},
        "activation_date": {"type": ["string", "null"], "format": "date"},
        "end_date": {"type": ["string", "null"], "format": "date"},
        "attributes": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "allowed_transitions": {"type": "array", "items": {"type": "string"}},
        "status": {"enum": ["created", "existing"]},
    },
}

BATCH_RESULT = {
    "type": "object",
    "properties": {
        "created": {"type": "integer"},
        "existing": {"type": "integer"},
        "rejected": {"type": "integer"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "status": {"enum": ["created", "existing", "rejected"]},
                    "id": {"type": "integer"},
                    "identifier": {"type": "string"},
                    "state": {"type": "string"},
                    "error": ERROR_SCHEMA["properties"]["error"],
                },
            },
        },
    },
}

EVENTS = {
    "type": "object",
    "properties": {
        "identifier": {"type": "string"},
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "date": {"type": "string", "format": "date-time"},
                    "type": {
                        "enum": ["create", "activation", "transition", "customer_change", "note"]
                    },
                    "origin": {"enum": ["ui", "http", "jsonrpc", "import", "cron"]},
                    "user": {"type": "string"},
                    "from_state": {"type": ["string", "null"]},
                    "to_state": {"type": ["string", "null"]},
                    "transition": {"type": ["string", "null"]},
                    "customer": PARTNER_OUT,
                    "reason": {"type": ["string", "null"]},
                    "payload": {"type": ["object", "null"]},
                    "charge": {"type": ["object", "null"]},
                },
            },
        },
    },
}

ACTIVATION = {
    "type": "object",
    "required": ["customer"],
    "additionalProperties": False,
    "properties": {
        "customer": PARTNER_REF,
        "date_start": {"type": "string", "format": "date"},
        "plan": {"type": "object", "description": "Plan data, used by the billing addon."},
        "contract": {"description": "Fleet contract, used by the billing addon."},
        "term_months": {"type": "integer"},
        "reason": {"type": "string"},
    },
}

TRANSITION = {
    "type": "object",
    "additionalProperties": False,
    "description": "Either transition (a transition code) or state (a target state code).",
    "properties": {
        "transition": {"type": "string", "example": "suspend"},
        "state": {"type": "string", "example": "suspended"},
        "reason": {"type": "string", "maxLength": 1024},
    },
}


def _json(schema_ref, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _errors(*statuses):
    texts = {
        400: "Malformed or invalid input (details name the field and list index)",
        401: "No or bad API key",
        403: "Not allowed, or another company's device",
        404: "Unknown device",
        409: "Not allowed from the device's current state",
        413: "List or body too large",
    }
    return {str(status): _json("Error", texts[status]) for status in statuses}


IDENTIFIER_PARAM = {
    "name": "identifier",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "example": "IOT_NS542",
}

FLEET_PATHS = {
    "/iot/api/v1/devices": {
        "post": {
            "summary": "Create one device or a list of up to 1,000, idempotent on identifier",
            "operationId": "createDevices",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/DeviceInput"},
                                {
                                    "type": "array",
                                    "maxItems": 1000,
                                    "items": {"$ref": "#/components/schemas/DeviceInput"},
                                },
                            ]
                        }
                    }
                },
            },
            "responses": {
                "201": _json("Device", "One device created"),
                "200": {
                    "description": "One existing device, or the per-item answer of a list",
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/Device"},
                                    {"$ref": "#/components/schemas/BatchResult"},
                                ]
                            }
                        }
                    },
                },
                **_errors(400, 401, 403, 409, 413),
            },
        }
    },
    "/iot/api/v1/devices/{identifier}": {
        "get": {
            "summary": "Read a device",
            "operationId": "getDevice",
            "parameters": [IDENTIFIER_PARAM],
            "responses": {"200": _json("Device", "The device"), **_errors(400, 401, 403, 404)},
        }
    },
    "/iot/api/v1/devices/{identifier}/events": {
        "get": {
            "summary": "A device's events, newest first",
            "operationId": "getDeviceEvents",
            "parameters": [
                IDENTIFIER_PARAM,
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                },
            ],
            "responses": {"200": _json("Events", "The events"), **_errors(400, 401, 403, 404)},
        }
    },
    "/iot/api/v1/devices/{identifier}/activate": {
        "post": {
            "summary": "Activate a device for a customer",
            "operationId": "activateDevice",
            "parameters": [IDENTIFIER_PARAM],
            "requestBody": {"required": True, **_json("Activation", "Customer, start, plan")},
            "responses": {
                "200": _json("Device", "The activated device"),
                **_errors(400, 401, 403, 404, 409),
            },
        }
    },
    "/iot/api/v1/devices/{identifier}/transition": {
        "post": {
            "summary": "Move a device through an allowed transition",
            "operationId": "transitionDevice",
            "parameters": [IDENTIFIER_PARAM],
            "requestBody": {"required": True, **_json("Transition", "Transition and reason")},
            "responses": {
                "200": _json("Device", "The device in its new state"),
                **_errors(400, 401, 403, 404, 409),
            },
        }
    },
    "/iot/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "getOpenApi",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI 3 document"}},
        }
    },
}

SCHEMAS = {
    "Error": ERROR_SCHEMA,
    "DeviceInput": DEVICE_INPUT,
    "Device": DEVICE,
    "BatchResult": BATCH_RESULT,
    "Events": EVENTS,
    "Activation": ACTIVATION,
    "Transition": TRANSITION,
}


def fleet_document(server_url=None):
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "IoT Fleet API",
            "version": "1.0.0",
            "description": "Connected objects, their life cycle and their usage. Authenticate "
            "with an Odoo API key of an integration user: 'Authorization: Bearer <key>'.",
        },
        "paths": copy.deepcopy(FLEET_PATHS),
        "components": {
            "schemas": copy.deepcopy(SCHEMAS),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def add_paths(document, paths, schemas=None):
    """Add another addon's paths and schemas to ``document`` (in place)."""
    document["paths"].update(copy.deepcopy(paths))
    document["components"]["schemas"].update(copy.deepcopy(schemas or {}))
    return document
