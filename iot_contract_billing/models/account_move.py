import os
import tempfile

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..core import detail

IOT_DETAIL_GROUPS = (
    "iot_fleet.group_iot_user,account.group_account_invoice,account.group_account_readonly"
)


class AccountMove(models.Model):
    _inherit = "account.move"

    # The fleet detail of an invoice: read by accountants (the invoiced schedules and
    # usage, see security.xml) and IoT users; the groups keep the invoice form open to
    # anyone else who may read invoices.
    iot_schedule_count = fields.Integer(
        compute="_compute_iot_schedule_count", groups=IOT_DETAIL_GROUPS
    )
    iot_detail_ids = fields.One2many(
        "iot.billing.detail", "move_id", string="Fleet Detail", groups=IOT_DETAIL_GROUPS
    )
    iot_usage_ids = fields.Many2many(
        "iot.billing.usage",
        compute="_compute_iot_usage_ids",
        string="Usage Billed",
        groups=IOT_DETAIL_GROUPS,
    )
    # The other side of the runs' invoices (same table).
    iot_billing_run_ids = fields.Many2many(
        "iot.billing.run",
        "account_move_iot_billing_run_rel",
        "account_move_id",
        "iot_billing_run_id",
        string="Billing Runs",
        readonly=True,
        copy=False,
        groups="iot_fleet.group_iot_user",
    )
    iot_billing_run_count = fields.Integer(
        compute="_compute_iot_billing_run_count", groups="iot_fleet.group_iot_user"
    )

    def _compute_iot_schedule_count(self):
        counts = dict(
            self.env["iot.billing.schedule"]._read_group(
                [("invoice_line_id.move_id", "in", self.ids)], ["invoice_line_id"], ["__count"]
            )
        )
        for move in self:
            move.iot_schedule_count = sum(
                count for line, count in counts.items() if line.move_id == move
            )

    def _compute_iot_usage_ids(self):
        usage = self.env["iot.billing.usage"].search([("invoice_line_id.move_id", "in", self.ids)])
        for move in self:
            move.iot_usage_ids = usage.filtered(
                lambda row, move=move: row.invoice_line_id.move_id == move
            )

    @api.depends("iot_billing_run_ids")
    def _compute_iot_billing_run_count(self):
        for move in self:
            move.iot_billing_run_count = len(move.iot_billing_run_ids)

    def action_view_iot_billing_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_contract_billing.iot_billing_run_action"
        )
        runs = self.iot_billing_run_ids
        if len(runs) == 1:
            action.update({"res_id": runs.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", runs.ids)]
        return action

    def action_view_iot_schedules(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "iot_contract_billing.iot_billing_schedule_action"
        )
        action["domain"] = [("invoice_line_id.move_id", "=", self.id)]
        action["context"] = {}
        return action

    def _iot_schedules(self):
        self.ensure_one()
        return self.env["iot.billing.schedule"].search(
            [("invoice_line_id.move_id", "=", self.id)], order="device_id, date_start"
        )

    def _iot_detail_rows(self, level="device"):
        """The invoice's detail: each device's share of each line (``detail.COLUMNS``),
        or the usage records of its periods (``detail.RECORD_COLUMNS``).

        Read in SQL once the invoice is known readable: the detail belongs to the
        invoice, so whoever may read the invoice (an accountant without IoT rights)
        reads it, and nothing else of the fleet."""
        self.ensure_one()
        self.check_access("read")
        self.env["iot.billing.detail"].flush_model()
        self.env.cr.execute(
            "SELECT 1 FROM iot_billing_detail WHERE move_id = %s LIMIT 1", [self.id]
        )
        if not self.env.cr.fetchone():
            raise UserError(_("The invoice %(name)s has no fleet detail.", name=self.name))
        if level == "record":
            return self._iot_record_rows()
        return self._iot_share_rows()

    def _iot_share_rows(self):
        self.env["account.move.line"].flush_model(["name"])
        kinds = dict(
            self.env["iot.billing.detail"]._fields["kind"]._description_selection(self.env)
        )
        self.env.cr.execute(
            """SELECT c.name, p.name, dev.identifier, dev.name, d.date_start, d.date_end,
                      d.kind, l.name, d.quantity, d.unit, d.price_unit, d.amount_untaxed,
                      d.amount_tax
                 FROM iot_billing_detail d
                 JOIN iot_device dev ON dev.id = d.device_id
                 JOIN account_move_line l ON l.id = d.move_line_id
                 LEFT JOIN iot_billing_schedule s ON s.id = d.schedule_id
                 LEFT JOIN contract_contract c ON c.id = s.contract_id
                 -- Rows written before the customer was kept: the schedule's.
                 LEFT JOIN res_partner p ON p.id = COALESCE(d.partner_id, s.partner_id)
                WHERE d.move_id = %s
                ORDER BY p.name, dev.identifier, d.date_start, l.sequence, l.id, d.id""",
            [self.id],
        )
        name = self.name
        for (
            contract,
            customer,
            identifier,
            device_name,
            date_start,
            date_end,
            kind,
            label,
            quantity,
            unit,
            price_unit,
            untaxed,
            tax,
        ) in self.env.cr.fetchall():
            untaxed, tax = untaxed or 0, tax or 0
            yield (
                name,
                contract or "",
                customer or "",
                identifier,
                device_name or "",
                date_start,
                date_end,
                kinds.get(kind, kind),
                label or "",
                quantity,
                unit or "",
                price_unit,
                untaxed,
                tax,
                untaxed + tax,
            )

    def _iot_record_rows(self):
        """The usage records of the invoice's periods, in one query read in batches
        through a server-side cursor (an invoice's detail can run to millions). A
        late-only schedule (ratio 0) has no period of its own to list."""
        self.env["iot.usage.record"].flush_model()
        self.env["iot.billing.schedule"].flush_model()
        name = self.name
        with self.env.cr._cnx.cursor(f"iot_detail_{self.id}") as cursor:
            cursor.itersize = 10000
            cursor.execute(
                """SELECT d.identifier, r.dtu, r.egroup, r.eid, r.event_ref, r.quantity
                     FROM iot_billing_schedule s
                     JOIN iot_device d ON d.id = s.device_id
                     JOIN iot_usage_record r
                       ON r.device_id = s.device_id AND r.dtu >= s.date_start
                      AND r.dtu < s.date_end + 1 AND r.state <> 'excluded'
                    WHERE s.id IN (SELECT schedule_id FROM iot_billing_detail
                                    WHERE move_id = %s)
                      AND s.ratio > 0
                    ORDER BY s.device_id, s.date_start, r.dtu, r.id""",
                [self.id],
            )
            for identifier, dtu, egroup, eid, ref, quantity in cursor:
                yield (name, identifier, dtu, egroup, eid, ref or "", quantity or 0.0)

    def _iot_detail_file(self, file_format="csv", level="device"):
        """``(filename, mimetype, content bytes)`` of the detail export."""
        self.ensure_one()
        if file_format not in ("csv", "xlsx"):
            raise UserError(_("The detail is exported as csv or xlsx."))
        if level not in ("device", "record"):
            raise UserError(_("The detail level is device or record."))
        columns = detail.RECORD_COLUMNS if level == "record" else detail.COLUMNS
        rows = self._iot_detail_rows(level)
        options = {"digits": self.currency_id.decimal_places, "totals": level == "device"}
        filename = f"{(self.name or 'invoice').replace('/', '-')}-{level}.{file_format}"
        if file_format == "csv":
            content = "".join(detail.write_csv(columns, rows, **options)).encode()
            return filename, "text/csv", content
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
            path = handle.name
        try:
            detail.write_xlsx(columns, rows, path, **options)
            with open(path, "rb") as stream:
                content = stream.read()
        finally:
            os.unlink(path)
        return (
            filename,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            content,
        )

    def action_iot_export_detail(self):
        """Download the detail (the invoice's own route: nothing is stored)."""
        self.ensure_one()
        self.check_access("read")
        file_format = self.env.context.get("iot_detail_format", "csv")
        return {
            "type": "ir.actions.act_url",
            "url": f"/iot/invoices/{self.id}/detail?format={file_format}",
            "target": "download",
        }
