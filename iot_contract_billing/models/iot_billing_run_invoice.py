import calendar
from collections import defaultdict, namedtuple
from decimal import Decimal

from odoo import _, fields, models
from odoo.tools.misc import format_date

from odoo.addons.iot_usage.core import units as units_core

from ..core import invoice as invoice_core
from .iot_billing_run import PRICE_LINE_FIELDS, _group_ids

# Canonical usage units (``iot_usage.core.units``) -> Odoo's unit of measure.
UOM_XMLIDS = {
    "m3": "uom.product_uom_cubic_meter",
    "L": "uom.product_uom_litre",
    "h": "uom.product_uom_hour",
    "min": "iot_contract_billing.uom_minute",
    "s": "iot_contract_billing.uom_second",
    "Wh": "iot_contract_billing.uom_wh",
    "kWh": "iot_contract_billing.uom_kwh",
    "MWh": "iot_contract_billing.uom_mwh",
    "B": "iot_contract_billing.uom_byte",
    "KB": "iot_contract_billing.uom_kb",
    "MB": "iot_contract_billing.uom_mb",
    "GB": "iot_contract_billing.uom_gb",
    "TB": "iot_contract_billing.uom_tb",
}
# Parts of a price measured in the calculator's unit (the others count blocks, fees
# or money).
MEASURED = ("unit", "band", "tier", "volume")
# The order of a calculator's lines on the invoice.
PART_ORDER = {"unit": 0, "band": 0, "tier": 1, "volume": 1, "package": 2, "fee": 3, "minimum": 4}

# One device's part of an invoice line: ``exact`` is its unrounded amount.
Share = namedtuple(
    "Share",
    "schedule_id usage_id device_id kind date_start date_end quantity unit price exact",
)


class IotBillingRun(models.Model):
    """The invoices of a billing run: lines a customer can check, and their detail.

    A line is a quantity in its unit of measure times a unit price: the devices of a
    plan and price, the usage of a calculator (one line per tier, volume tier,
    time-of-day band, fee and minimum charge), the late usage of each earlier
    period, the one-time charges. Odoo rounds each line once; each device's share of
    it, written as the invoice's detail, is that amount split to the cent.
    """

    _inherit = "iot.billing.run"

    def _invoice_contract(self, contracts, schedules, charges):
        """One invoice for the contracts (one, or a customer's when consolidating), its
        lines grouped by the contract's keys: a few lines, not thousands."""
        vals, prepared = self._prepare_contract_invoice(contracts.sorted("id"), schedules, charges)
        return self._create_contract_invoice(vals, prepared, schedules)

    def _prepare_contract_invoice(self, contracts, schedules, charges):
        """The invoice's values (without lines) and its lines, ``[(line values,
        [Share])]``: nothing is created."""
        vals = self._prepare_invoice_values(contracts)
        group_of = _group_label(contracts[0].iot_invoice_grouping)
        label = {schedule.id: group_of(schedule.device_id) for schedule in schedules}
        prepared = self._prepare_invoice_lines(schedules, charges, label)
        return vals, prepared

    def _create_contract_invoice(self, vals, prepared, schedules):
        """Create the invoice of the prepared lines, mark its schedules invoiced and post
        it when the run posts. The hook where an addon may bill the lines otherwise
        (``iot_receivables`` holds small amounts on the customer's account)."""
        invoice = self.env["account.move"]
        invoice_lines = self.env["account.move.line"]
        if prepared:
            vals["invoice_line_ids"] = [fields.Command.create(line) for line, _shares in prepared]
            invoice = invoice.create(vals)
            invoice_lines = invoice.invoice_line_ids.sorted("id")
        self._link_invoice(
            invoice, invoice_lines, [shares for _line, shares in prepared], schedules
        )
        if invoice and self.post_invoices:
            invoice.action_post()
            file_format = self.company_id.iot_attach_detail
            if file_format:
                filename, mimetype, content = invoice._iot_detail_file(file_format)
                self.env["ir.attachment"].create(
                    {
                        "name": filename,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": "account.move",
                        "res_id": invoice.id,
                    }
                )
        return invoice

    def _prepare_invoice_values(self, contracts):
        """The invoice's values (without lines), from the first of its contracts."""
        vals = contracts[0]._prepare_invoice(self.invoice_date or self.date_to)
        if len(contracts) > 1:
            vals["invoice_origin"] = ", ".join(contracts.mapped("name"))
        return vals

    # ------------------------------------------------------------------
    # Lines: ``[(invoice line values, [Share])]``
    # ------------------------------------------------------------------

    def _prepare_invoice_lines(self, schedules, charges, label):
        """The invoice's lines, in order, each with its devices' shares: the plans, the
        usage, the one-time charges. A line without shares (a section, a note) has no
        detail."""
        return (
            self._prepare_recurring_lines(schedules, label)
            + self._prepare_usage_lines(schedules, label)
            + self._prepare_charge_lines(schedules, charges, label)
        )

    def _prepare_recurring_lines(self, schedules, label):
        """A line per plan, price and period: "Plan - 3 devices x 9.90". A price of 0
        (a plan billed on usage only) has no line; schedules opened only to carry late
        usage (ratio 0) neither."""
        billed = schedules.filtered(
            lambda schedule: schedule.ratio
            and not schedule.currency_id.is_zero(schedule.recurring_amount)
        )
        # A run over several periods of a device (catching up) names each period.
        several = len(billed) > len(billed.contract_line_id)
        groups = _group_ids(
            billed,
            lambda schedule: (
                schedule.contract_line_id.product_id,
                schedule.recurring_amount,
                label[schedule.id],
                (schedule.date_start, schedule.date_end) if several else None,
            ),
        )
        Schedule = self.env["iot.billing.schedule"]
        prepared = []
        for (product, amount, group, period), schedule_ids in groups.items():
            group_schedules = Schedule.browse(schedule_ids)
            values = {
                "product": product.name,
                "devices": _devices(self.env, len(group_schedules.device_id)),
                "amount": _amount(amount, group_schedules.currency_id),
            }
            if period:
                name = _(
                    "%(product)s - %(period)s - %(devices)s x %(amount)s",
                    period=self._period_label(*period),
                    **values,
                )
            else:
                name = _("%(product)s - %(devices)s x %(amount)s", **values)
            exact = Decimal(str(amount))
            prepared.append(
                (
                    {
                        "product_id": product.id,
                        "name": _suffix(name, group),
                        "quantity": len(schedule_ids),
                        "price_unit": amount,
                    },
                    [
                        Share(
                            schedule.id,
                            None,
                            schedule.device_id.id,
                            "recurring",
                            schedule.date_start,
                            schedule.date_end,
                            1.0,
                            product.uom_id.name,
                            amount,
                            exact,
                        )
                        for schedule in group_schedules
                    ],
                )
            )
        return prepared

    def _prepare_usage_lines(self, schedules, label):
        """A line per calculator and part of its price (each tier, band, fee, minimum
        charge), and for late usage per period it corrects: the quantity in the
        calculator's unit of measure x the part's unit price."""
        self.env["iot.billing.usage"].flush_model()
        self.env.cr.execute(
            """SELECT u.id, u.schedule_id, u.device_id, u.calculator_id, u.is_adjustment,
                      o.date_start, o.date_end, u.price_lines
                 FROM iot_billing_usage u
                 JOIN iot_billing_schedule o ON o.id = u.origin_schedule_id
                WHERE u.schedule_id = ANY(%s)
                ORDER BY u.id""",
            [schedules.ids],
        )
        groups = defaultdict(list)
        for (
            usage_id,
            schedule_id,
            device_id,
            calculator_id,
            late,
            start,
            end,
            parts,
        ) in self.env.cr.fetchall():
            for part in parts or []:
                key = (
                    (start, end) if late else None,
                    calculator_id,
                    label[schedule_id],
                    tuple(part[name] for name in PRICE_LINE_FIELDS),
                )
                groups[key].append((usage_id, schedule_id, device_id, start, end, part["quantity"]))
        Calculator = self.env["iot.usage.calculator"]
        calculators = Calculator.browse({key[1] for key in groups}).with_context(active_test=False)

        def order(key):
            late, calculator_id, group, (kind, lower, _upper, band, _size, _price) = key
            calculator = Calculator.browse(calculator_id)
            return (
                late or (),
                calculator.sequence,
                calculator_id,
                group,
                band or "",
                PART_ORDER.get(kind, 9),
                lower or 0.0,
            )

        uoms = {calculator.id: self._usage_uom(calculator) for calculator in calculators}
        digits = schedules.currency_id[:1].decimal_places or 2
        prepared = []
        for key in sorted(groups, key=order):
            late, calculator_id, group, part = key
            kind, _lower, _upper, _band, size, price = part
            calculator = Calculator.browse(calculator_id)
            rows = groups[key]
            quantities = [Decimal(str(quantity)) for *_row, quantity in rows]
            if kind == "minimum":  # the top-up is money: one line of its total
                exacts = quantities
                quantity, price_unit = 1.0, float(sum(quantities))
            else:
                exacts = [quantity * Decimal(str(price)) for quantity in quantities]
                quantity, price_unit = float(sum(quantities)), price
            if not round(sum(exacts), digits):
                continue
            line = {
                "product_id": calculator.product_id.id,
                "name": _suffix(self._usage_label(calculator, part, late), group),
                "quantity": quantity,
                "price_unit": price_unit,
            }
            unit = _share_unit(self.env, calculator, part)
            if kind in MEASURED:
                line["product_uom_id"] = uoms[calculator_id].id
            share_kind = "late" if late else "usage"
            prepared.append(
                (
                    line,
                    [
                        Share(
                            schedule_id,
                            usage_id,
                            device_id,
                            share_kind,
                            start,
                            end,
                            1.0 if kind == "minimum" else row_quantity,
                            unit,
                            row_quantity if kind == "minimum" else price,
                            exact,
                        )
                        for (usage_id, schedule_id, device_id, start, end, row_quantity), exact in (
                            zip(rows, exacts, strict=True)
                        )
                    ],
                )
            )
        return prepared

    def _prepare_charge_lines(self, schedules, charges, label):
        """A line per one-time charge product and amount: "Cancellation fee x 2"."""
        by_charge = defaultdict(list)
        for schedule in schedules:
            for event in charges.get(schedule.id, []):
                key = (event.charge_product_id, event.charge_amount, label[schedule.id])
                by_charge[key].append(schedule)
        prepared = []
        for (product, amount, group), charged in by_charge.items():
            prepared.append(
                (
                    {
                        "product_id": product.id,
                        "name": _suffix(
                            _("%(product)s x %(count)s", product=product.name, count=len(charged)),
                            group,
                        ),
                        "quantity": len(charged),
                        "price_unit": amount,
                    },
                    [
                        Share(
                            schedule.id,
                            None,
                            schedule.device_id.id,
                            "charge",
                            schedule.date_start,
                            schedule.date_end,
                            1.0,
                            product.uom_id.name,
                            amount,
                            Decimal(str(amount)),
                        )
                        for schedule in charged
                    ],
                )
            )
        return prepared

    # ------------------------------------------------------------------
    # After the invoice: links, and each device's share of each line
    # ------------------------------------------------------------------

    def _link_invoice(self, invoice, invoice_lines, shares, schedules):
        """Mark the schedules invoiced, link them and their usage to their lines, and
        write the invoice's detail: each line's untaxed amount and tax split over its
        devices to the cent. The billed usage and the schedules then carry the amounts
        the invoice shows (a line is rounded once, not device by device)."""
        digits = (invoice.currency_id or schedules.currency_id[:1]).decimal_places
        detail_rows, taxes = [], []
        usage_amounts = defaultdict(Decimal)
        schedule_amounts = defaultdict(lambda: {"usage": Decimal(0), "late": Decimal(0)})
        schedule_line, usage_line = {}, {}
        # Each share keeps its customer (a subsidiary, on a parent's consolidated invoice).
        customer_of = {
            schedule.id: schedule.partner_id.commercial_partner_id.id for schedule in schedules
        }
        for line, line_shares in zip(invoice_lines, shares, strict=True):
            exacts = [share.exact for share in line_shares]
            untaxed = invoice_core.allocate(_decimal(line.price_subtotal), exacts, digits)
            tax = invoice_core.allocate(
                _decimal(line.price_total) - _decimal(line.price_subtotal), exacts, digits
            )
            for share, amount, share_tax in zip(line_shares, untaxed, tax, strict=True):
                if share.kind == "recurring":
                    schedule_line[share.schedule_id] = line.id
                else:
                    schedule_line.setdefault(share.schedule_id, line.id)
                if share.usage_id:
                    usage_line.setdefault(share.usage_id, line.id)
                    usage_amounts[share.usage_id] += amount
                    schedule_amounts[share.schedule_id][share.kind] += amount
                taxes.append(share_tax)
                detail_rows.append(
                    [
                        invoice.id,
                        line.id,
                        share.schedule_id,
                        share.usage_id,
                        share.device_id,
                        share.kind,
                        share.date_start,
                        share.date_end,
                        share.quantity,
                        share.unit,
                        share.price,
                        invoice.currency_id.id,
                        amount,
                        share_tax,
                        customer_of.get(share.schedule_id),
                    ]
                )
        if detail_rows:
            # Taxes rounded on the invoice as a whole differ from the lines' by cents:
            # the largest share takes them.
            left = _decimal(invoice.amount_tax) - sum(taxes)
            if left:
                largest = max(range(len(taxes)), key=lambda index: abs(taxes[index]))
                detail_rows[largest][13] += left
        self.env["iot.billing.detail"]._insert_rows([tuple(row) for row in detail_rows])
        self._update_rows(
            "iot_billing_schedule",
            [
                ("invoice_line_id", "integer"),
                ("state", "varchar"),
                ("usage_amount", "numeric"),
                ("adjustment_amount", "numeric"),
            ],
            [
                (
                    schedule_id,
                    schedule_line.get(schedule_id),
                    "invoiced",
                    schedule_amounts[schedule_id]["usage"],
                    schedule_amounts[schedule_id]["late"],
                )
                for schedule_id in schedules.ids
            ],
        )
        self._update_rows(
            "iot_billing_usage",
            [("invoice_line_id", "integer"), ("amount", "numeric")],
            [
                (usage.id, usage_line.get(usage.id), usage_amounts[usage.id])
                for usage in schedules.usage_ids
            ],
        )
        self._count_late_usage_billed(schedules.ids)

    # ------------------------------------------------------------------
    # Labels and units
    # ------------------------------------------------------------------

    def _usage_uom(self, calculator):
        """The unit of measure of a calculator's usage on an invoice line: the one of its
        unit, when the product is counted in that kind of unit; else the product's."""
        product_uom = calculator.product_id.uom_id
        try:
            xmlid = UOM_XMLIDS.get(units_core.canonical(calculator.unit))
        except ValueError:
            xmlid = None
        uom = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
        if not uom:
            uom = self.env["uom.uom"].search([("name", "=ilike", calculator.unit)], limit=1)
        if uom and uom.category_id == product_uom.category_id:
            return uom
        return product_uom

    def _usage_label(self, calculator, part, late):
        """A usage line's label: "Water (m3)", "Water 0-100 m3", "Water - Night (kWh)",
        "Water (m3) - March 2026 (late usage)"..."""
        kind, lower, upper, band, size, _price = part
        name = f"{calculator.name} - {band}" if band else calculator.name
        unit = calculator.unit
        if kind in ("tier", "volume", "fee"):
            if upper is None:
                bounds = _("over %(lower)s %(unit)s", lower=_quantity(lower or 0), unit=unit)
            else:
                bounds = f"{_quantity(lower or 0)}-{_quantity(upper)} {unit}"
            name = f"{name} {bounds}"
            if kind == "fee":
                name = _("%(name)s - fee", name=name)
        elif kind == "package":
            name = _(
                "%(name)s - blocks of %(size)s %(unit)s",
                name=name,
                size=_quantity(size or 0),
                unit=unit,
            )
        elif kind == "minimum":
            name = _("%(name)s - minimum charge", name=name)
        else:
            name = f"{name} ({unit})"
        if late:
            name = _(
                "%(name)s - %(period)s (late usage)", name=name, period=self._period_label(*late)
            )
        return name

    def _period_label(self, start, end):
        """ "March 2026" for a calendar month, else the first and last day."""
        if start.day == 1 and (start.year, start.month) == (end.year, end.month):
            if end.day == calendar.monthrange(end.year, end.month)[1]:
                return format_date(self.env, start, date_format="MMMM y")
        return f"{format_date(self.env, start)} - {format_date(self.env, end)}"


def _share_unit(env, calculator, part):
    kind, _lower, _upper, _band, size, _price = part
    if kind in MEASURED:
        return calculator.unit
    if kind == "package":
        return env._("block of %(size)s %(unit)s", size=_quantity(size or 0), unit=calculator.unit)
    return ""


def _group_label(grouping):
    """What, beyond product, price and calculator, tells a device's invoice line apart."""
    if grouping == "device_type":
        return lambda device: device.type_id.name or ""
    if grouping == "site":
        return lambda device: str((device.attributes or {}).get("site") or "")
    return lambda device: ""


def _suffix(name, group):
    return f"{name} ({group})" if group else name


def _quantity(value):
    """1234567.5 -> '1,234,567.5': thousands separators, no needless decimals."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _devices(env, count):
    # Module-level: the translation's language comes from the caller's environment.
    if count == 1:
        return env._("1 device")
    return env._("%(count)s devices", count=format(count, ","))


def _amount(amount, currency):
    return f"{amount:,.{currency.decimal_places}f}"


def _decimal(value):
    return Decimal(str(value))
