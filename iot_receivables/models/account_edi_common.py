from odoo import models

from ..core import unece


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _get_uom_unece_code(self, uom):
        """The UN/ECE code of the units IoT usage is invoiced in (kWh, GB, minutes...),
        which Odoo's own table does not know and would send as "one" (C62)."""
        xmlid = uom.get_external_id().get(uom.id) if uom else None
        return unece.unece_code(xmlid) or super()._get_uom_unece_code(uom)
