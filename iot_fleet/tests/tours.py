"""What every tour of our addons needs: Odoo's tours served, the bundles built once."""

from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user
from odoo.tools import config


class IotTourCase(HttpCase):
    """A user flow driven in headless Chromium by an Odoo tour, as the user of that flow.

    Odoo serves its test bundle (``web.assets_tests``, where tours are registered) only in
    test mode, which our pytest run keeps off while the registry loads (it would run
    every module's tests): it is turned on for the tours' requests only.
    """

    # The least-privileged user of each flow, by role.
    ROLES = {
        "back_office": "base.group_user,iot_fleet.group_iot_manager",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.dict(config.options, {"test_enable": True}))
        # Built in a test, a bundle would be rolled back with it and built again by the
        # next one (some 15 s each time).
        for name in ("web.assets_web", "web.assets_tests"):
            bundle = cls.env["ir.qweb"]._get_asset_bundle(name)
            bundle.js()
            if name == "web.assets_web":
                bundle.css()
        cls.tour_users = {
            role: new_test_user(cls.env, login=f"iot_tour_{role}", groups=groups)
            for role, groups in cls.ROLES.items()
        }

    def tour(self, url, name, role, **kwargs):
        """Run tour ``name`` from ``url`` as the user of ``role``."""
        self.start_tour(url, name, login=self.tour_users[role].login, timeout=120, **kwargs)
