from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

CREATION_CHANNELS = [("manual", "Created by hand"), ("api", "Created through the API")]


class IotDeviceTransition(models.Model):
    """An allowed move between two states.

    A transition without a from-state is a "New" transition: it gives the
    state a device starts in, per creation channel (by hand or through the
    API) and optionally per company.
    """

    _name = "iot.device.transition"
    _description = "Connected Object Transition"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="What the API uses to ask for the move, e.g. suspend. Several transitions "
        "may share a code when they leave from different states.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    from_state_id = fields.Many2one(
        "iot.device.state",
        string="From",
        ondelete="cascade",
        help="Leave empty for a New transition: the initial state of created devices.",
    )
    to_state_id = fields.Many2one(
        "iot.device.state", string="To", required=True, ondelete="cascade"
    )
    creation_channel = fields.Selection(
        CREATION_CHANNELS, help="For a New transition: which devices start in its target state."
    )
    company_id = fields.Many2one(
        "res.company", help="Leave empty for a transition every company may use."
    )
    reason_required = fields.Boolean(help="The user must say why the move is made.")
    charge_product_id = fields.Many2one(
        "product.product",
        string="One-time Charge",
        help="A charge billing picks up when the move is made, e.g. a cancellation fee.",
    )
    charge_amount = fields.Float(digits="Product Price")
    button_style = fields.Selection(
        [("primary", "Primary"), ("secondary", "Secondary")], default="secondary"
    )

    @api.constrains("from_state_id", "creation_channel", "to_state_id")
    def _check_shape(self):
        for transition in self:
            if not transition.from_state_id and not transition.creation_channel:
                raise ValidationError(
                    _(
                        "The New transition %(name)s must say which devices it applies to "
                        "(created by hand or through the API).",
                        name=transition.name,
                    )
                )
            if transition.from_state_id == transition.to_state_id:
                raise ValidationError(
                    _("The transition %(name)s must lead to another state.", name=transition.name)
                )

    @api.constrains("charge_amount", "charge_product_id")
    def _check_charge(self):
        for transition in self:
            if transition.charge_amount < 0:
                raise ValidationError(_("A one-time charge cannot be negative."))
            if transition.charge_amount and not transition.charge_product_id:
                raise ValidationError(
                    _("The charge of %(name)s needs a product.", name=transition.name)
                )

    def _company_domain(self, company):
        return [("company_id", "in", [company.id, False])]

    @api.model
    def _initial_state(self, company, channel):
        """The state a device created through ``channel`` starts in."""
        candidates = self.search(
            [("from_state_id", "=", False), ("creation_channel", "=", channel)]
            + self._company_domain(company)
        )
        # A company's own New transition wins over a shared one.
        candidates = candidates.sorted(lambda t: (not t.company_id, t.sequence, t.id))
        return candidates[:1].to_state_id

    @api.model
    def _allowed_by_state(self, states, companies):
        """Allowed transitions leaving each of ``states``: ``{state: transitions}``."""
        transitions = self.search(
            [("from_state_id", "in", states.ids), ("company_id", "in", companies.ids + [False])]
        )
        allowed = {state: self.browse() for state in states}
        for transition in transitions:
            allowed[transition.from_state_id] |= transition
        return allowed
