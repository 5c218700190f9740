from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_mail_default_field_value_from_template(
        self, mail_template, lang, move, field, **kwargs
    ):
        """An invoice of a brand is sent from the brand's address, when it has one."""
        brand = move.brand_id
        if field == "email_from" and brand.email:
            return brand.email_formatted
        return super()._get_mail_default_field_value_from_template(
            mail_template, lang, move, field, **kwargs
        )
