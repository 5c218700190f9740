"""Concurrent senders of the same feed store each record exactly once.

These requests run against the real HTTP server of the test process with real, committed
transactions (not Odoo's single test cursor), so the database's unique index and
``INSERT ... ON CONFLICT DO NOTHING`` are what keep the doubles out. The data is committed
into the throwaway test database under identifiers no other test uses.
"""

import threading
import uuid

import pytest
import requests

odoo = pytest.importorskip("odoo")


@pytest.fixture(scope="module")
def gateway():
    from odoo.tests.common import get_db_name

    registry = odoo.modules.registry.Registry(get_db_name())
    tag = uuid.uuid4().hex[:8].upper()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "iot.usage.record" not in env:
            pytest.skip("iot_usage is not installed")
        user = env["res.users"]._iot_gateway_user(f"Concurrency {tag}")
        key = user._iot_new_api_key("concurrency test")
        devices = env["iot.device"].create([{"identifier": f"CONC_{tag}_{n}"} for n in range(5)])
        identifiers = devices.mapped("identifier")
    yield registry, key, identifiers
    with registry.cursor() as cr:
        cr.execute(
            "DELETE FROM iot_usage_record WHERE device_id IN "
            "(SELECT id FROM iot_device WHERE identifier = ANY(%s))",
            [identifiers],
        )


def test_concurrent_senders_store_each_record_once(gateway):
    registry, key, identifiers = gateway
    port = odoo.service.server.server.httpd.server_port
    feed = [
        {"device": identifier, "egroup": "WM", "eid": "Type-1", "ref": f"c{n}", "int_counter": n}
        for identifier in identifiers
        for n in range(200)
    ]
    answers, errors = [], []

    def send():
        try:
            response = requests.post(
                f"http://127.0.0.1:{port}/iot/api/v1/usage",
                json={"records": feed},
                headers={"Authorization": f"Bearer {key}"},
                timeout=120,
            )
            answers.append((response.status_code, response.json()))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [status for status, _body in answers] == [200] * 6, answers
    assert sum(body["accepted"] for _status, body in answers) == len(feed)
    assert sum(body["duplicates"] for _status, body in answers) == len(feed) * 5
    with registry.cursor() as cr:
        cr.execute(
            """SELECT count(*), count(DISTINCT (device_id, event_ref)) FROM iot_usage_record
                WHERE device_id IN (SELECT id FROM iot_device WHERE identifier = ANY(%s))""",
            [identifiers],
        )
        assert cr.fetchone() == (len(feed), len(feed))
