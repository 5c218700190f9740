import base64

from odoo import _, fields, models
from odoo.exceptions import UserError


class IotUsageUploadWizard(models.TransientModel):
    _name = "iot.usage.upload.wizard"
    _description = "Upload Usage Records"

    file = fields.Binary(required=True, string="Excel or CSV File")
    filename = fields.Char()

    def action_upload(self):
        self.ensure_one()
        if not self.file:
            raise UserError(_("Choose a file to upload."))
        upload = self.env["iot.usage.upload"]._create_from_file(
            self.filename or "upload.csv", base64.b64decode(self.file)
        )
        upload._schedule()
        return {
            "type": "ir.actions.act_window",
            "res_model": "iot.usage.upload",
            "res_id": upload.id,
            "view_mode": "form",
            "target": "current",
        }
