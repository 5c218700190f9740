"""The usage paths of the OpenAPI document (added to the fleet's)."""

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses):
    texts = {
        400: "Malformed or invalid input (details name the field and index)",
        401: "No or bad API key",
        403: "Not allowed",
        404: "Unknown device, calculator or upload",
        413: "Too many records, or the file is too large",
    }
    return {str(status): _json(ERROR, texts[status]) for status in statuses}


USAGE_RECORD = {
    "type": "object",
    "required": ["device", "egroup", "eid"],
    "additionalProperties": False,
    "properties": {
        "device": {"type": "string", "description": "DeviceId", "example": "IOT_NS542"},
        "egroup": {"type": "string", "pattern": "^[A-Za-z]", "example": "WM-ACME5"},
        "eid": {"type": "string", "example": "Type-1"},
        "ref": {
            "type": "string",
            "maxLength": 128,
            "description": "Sender's reference: idempotency",
        },
        "dtu": {"type": "string", "format": "date-time", "description": "UTC; default now"},
        "dt": {"type": "string", "format": "date-time", "description": "Device local time"},
        **{
            name: {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
            for name in (
                "int_counter",
                "int_counter2",
                "int_counter3",
                "int_counter4",
                "int_counter5",
            )
        },
        "temperature": {"type": "number"},
        "data": {"type": "object"},
        "src_ip": {"type": "string"},
    },
}

INGEST_RESULT = {
    "type": "object",
    "properties": {
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "excluded": {"type": "integer"},
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "code": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

UPLOAD = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "state": {"enum": ["queued", "processing", "done", "failed"]},
        "rows": {"type": "integer"},
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "excluded": {"type": "integer"},
        "rejected": {"type": "integer"},
        "unknown_columns": {"type": "array", "items": {"type": "string"}},
        "error_report": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"], "description": "Why the upload failed"},
    },
}

PREVIEW = {
    "type": "object",
    "properties": {
        "calculator": {"type": "string"},
        "device": {"type": "string"},
        "month": {"type": "string"},
        "quantity": {"type": "number"},
        "billable_quantity": {"type": "number"},
        "unit": {"type": "string"},
        "amount": {"type": "number"},
        "currency": {"type": "string"},
        "explanation": {"type": "string"},
        "records": {"type": "integer"},
    },
}

REQUEST_ID = {
    "name": "X-Request-Id",
    "in": "header",
    "description": "The sender's reference of the request, kept on each record it stores",
    "schema": {"type": "string", "maxLength": 128},
}

QUICK_FORM_PARAMETERS = [
    REQUEST_ID,
    {"name": "egroup", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "eid", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "device", "in": "path", "required": True, "schema": {"type": "string"}},
] + [
    {"name": name, "in": "query", "schema": {"type": kind}}
    for name, kind in (
        ("ref", "string"),
        ("intcounter", "integer"),
        ("intcounter2", "integer"),
        ("intcounter3", "integer"),
        ("intcounter4", "integer"),
        ("intcounter5", "integer"),
        ("temperature", "number"),
        ("dtu", "string"),
        ("dt", "string"),
    )
]

_QUICK_FORM = {
    "summary": "Post one reading from the URL alone (same URL again: success, nothing stored)",
    "parameters": QUICK_FORM_PARAMETERS,
    "responses": {
        "200": _json({"$ref": "#/components/schemas/IngestResult"}, "Stored or duplicate"),
        **_errors(400, 401, 403),
    },
}

USAGE_PATHS = {
    "/iot/usage/{egroup}/{eid}/{device}": {
        method: dict(_QUICK_FORM, operationId=f"quickForm{method.title()}")
        for method in ("get", "put", "post")
    },
    "/iot/api/v1/usage": {
        "post": {
            "summary": "Post up to 10,000 usage records",
            "operationId": "postUsage",
            "parameters": [REQUEST_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["records"],
                            "properties": {
                                "records": {
                                    "type": "array",
                                    "maxItems": 10000,
                                    "items": {"$ref": "#/components/schemas/UsageRecord"},
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json({"$ref": "#/components/schemas/IngestResult"}, "Per-record outcome"),
                **_errors(400, 401, 403, 413),
            },
        }
    },
    "/iot/api/v1/usage/upload": {
        "post": {
            "summary": "Upload an Excel (.xlsx) or CSV file of usage records",
            "operationId": "uploadUsage",
            "parameters": [REQUEST_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
            "responses": {
                "202": _json({"$ref": "#/components/schemas/Upload"}, "Processed or queued"),
                **_errors(400, 401, 403, 413),
            },
        }
    },
    "/iot/api/v1/usage/uploads/{upload_id}": {
        "get": {
            "summary": "An upload's progress and summary",
            "operationId": "getUpload",
            "parameters": [
                {"name": "upload_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/Upload"}, "The upload"),
                **_errors(401, 403, 404),
            },
        }
    },
    "/iot/api/v1/usage/preview": {
        "get": {
            "summary": "What a device's usage in a month costs under a calculator",
            "operationId": "previewUsage",
            "parameters": [
                {
                    "name": "calculator",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                },
                {"name": "device", "in": "query", "required": True, "schema": {"type": "string"}},
                {
                    "name": "month",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                },
            ],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/Preview"}, "The preview"),
                **_errors(400, 401, 403, 404),
            },
        }
    },
}

USAGE_SCHEMAS = {
    "UsageRecord": USAGE_RECORD,
    "IngestResult": INGEST_RESULT,
    "Upload": UPLOAD,
    "Preview": PREVIEW,
}
