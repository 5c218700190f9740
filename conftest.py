"""pytest configuration shared by every addon's tests and the cross-addon tests.

pytest-odoo loads the registry but does not keep Odoo's HTTP server running, which
``HttpCase`` tests (real HTTP requests, JSON-RPC) need: start it once per session
in a thread of this process, on the port given with ``--odoo-extra http-port=``.
"""

import pytest

try:
    import odoo.tools

    # odoo.tests logs an error when imported outside of Odoo's own test mode; pytest-odoo
    # imports it before any test runs. Import it once here in test mode, then leave
    # test_enable off: with it on, loading a registry would run every module's tests.
    odoo.tools.config["test_enable"] = True
    import odoo.tests.common

    odoo.tools.config["test_enable"] = False
except ImportError:
    pass


@pytest.fixture(scope="session", autouse=True)
def odoo_http_server(request):
    try:
        import odoo
    except ImportError:  # plain pytest without Odoo: nothing to serve
        yield None
        return
    if not odoo.tools.config.get("db_name"):
        yield None
        return
    from odoo.service import server

    threaded = server.ThreadedServer(odoo.http.root)
    threaded.http_spawn()
    server.server = threaded  # where HttpCase looks for the port
    yield threaded
    if threaded.httpd:
        threaded.httpd.shutdown()
