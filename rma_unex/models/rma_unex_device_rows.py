import re
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .rma_unex_constants import OPEN_STATES
from .rma_unex_mac_mixin import normalize_mac

# The raw text keys of a device row, in the order of the form's columns.
ROW_KEYS = (
    "product",
    "serial",
    "mac_address",
    "firmware_version",
    "sdk_version",
    "driver_version",
    "symptom",
    "return_reason",
    "sales_document_ref",
)
# Longest text each key takes; a longer value is refused, never cut.
MAX_LENGTH = dict.fromkeys(ROW_KEYS, 64) | {"product": 256, "symptom": 5000}
_CODE = re.compile(r"^\[([^\]]+)\]")
# Control characters no text of ours keeps (NUL cannot even be stored);
# tabs and line breaks stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value):
    """``value`` as stripped text without control characters ("" for None)."""
    return "" if value is None else _CONTROL.sub("", str(value)).strip()


class DeviceRow(NamedTuple):
    """A checked row: the device line's values, or the reasons it is refused."""

    label: str
    values: dict
    errors: list  # [(row key, message)]
    warranty: tuple  # (status, end date) from the serial's delivery, or ()


class RmaUnexDeviceRows(models.AbstractModel):
    """Checks device rows from any way in (portal form, application form,
    e-mail, staff) the same way, in a fixed number of queries for the whole
    batch (P1.2, P1.4, M14)."""

    _name = "rma.unex.device.rows"
    _description = "Device rows check"

    @api.model
    def _check_rows(self, partner, rows, require_symptom=False):
        """[DeviceRow] of ``rows``: dicts of raw text under ROW_KEYS, with a
        ``label`` naming the row in messages ("Device 2", "Row 7")."""
        customer = partner.commercial_partner_id
        company = partner.company_id or self.env.company
        rows = [self._clean_row(row) for row in rows]
        products = self._find_products([row["product"] for row in rows])
        lots = self._find_lots(company, rows)
        reasons = self._find_reasons([row["return_reason"] for row in rows])
        deliveries = self.env["stock.move.line"]._rma_latest_customer_deliveries(
            lots["all"]
        )
        checked = []
        for row in rows:
            checked.append(
                self._check_row(row, products, lots, reasons, require_symptom)
            )
        checked = self._check_serials(customer, checked, deliveries)
        return self._check_duplicates(self._check_open_cases(customer, checked))

    @api.model
    def _row_error_text(self, checked, labels=None):
        """One line per refusal: "Device 2, serial: why"."""
        labels = labels or self._row_key_labels()
        return "\n".join(
            f"{row.label}, {labels[key]}: {message}"
            for row in checked
            for key, message in row.errors
        )

    @api.model
    def _row_key_labels(self):
        return {
            "product": _("product model"),
            "serial": _("serial number"),
            "mac_address": _("MAC address"),
            "firmware_version": _("firmware version"),
            "sdk_version": _("SDK version"),
            "driver_version": _("driver version"),
            "symptom": _("symptom"),
            "return_reason": _("return reason"),
            "sales_document_ref": _("sales invoice / packing list"),
        }

    # Reading -------------------------------------------------------------

    @api.model
    def _clean_row(self, row):
        clean = {"label": row.get("label") or ""}
        for key in ROW_KEYS:
            clean[key] = plain_text(row.get(key))
        return clean

    @api.model
    def _find_products(self, texts):
        """{text: product} of the serviceable products the texts name: a
        database id (the portal's list), an internal reference, a display
        name "[REF] Name" (the application form's list) or a name."""
        ids, names = set(), set()
        for text in filter(None, texts):
            if text.isascii() and text.isdigit() and int(text) < 2**31:
                ids.add(int(text))
            match = _CODE.match(text)
            names.add(match.group(1) if match else text)
        if not ids and not names:
            return {}
        Product = self.env["product.product"].with_context(active_test=True)
        found = Product.search(
            [
                ("sale_ok", "=", True),
                ("type", "=", "consu"),
                "|",
                "|",
                ("id", "in", list(ids)),
                ("default_code", "in", list(names)),
                ("name", "in", list(names)),
            ]
        )
        result = {}
        for product in found:
            for key in (str(product.id), product.default_code, product.name):
                if key:
                    result.setdefault(key, product)
            result[product.display_name] = product
        return result

    @api.model
    def _find_lots(self, company, rows):
        """The company's serials the rows name, by serial number and by MAC."""
        serials = {row["serial"] for row in rows if row["serial"]}
        macs = set()
        for row in rows:
            try:
                mac = normalize_mac(row["mac_address"])
            except ValidationError:
                continue
            row["mac"] = mac
            if mac:
                macs.add(mac)
        Lot = self.env["stock.lot"]
        if not serials and not macs:
            return {"by_name": {}, "by_mac": {}, "all": Lot}
        found = Lot.search(
            [
                ("company_id", "in", [company.id, False]),
                "|",
                ("name", "in", list(serials)),
                ("mac_address", "in", list(macs)),
            ]
        )
        by_name, by_mac = {}, {}
        for lot in found:
            by_name.setdefault(lot.name, Lot)
            by_name[lot.name] |= lot
            if lot.mac_address:
                by_mac[lot.mac_address] = lot
        return {"by_name": by_name, "by_mac": by_mac, "all": found}

    @api.model
    def _find_reasons(self, texts):
        if not any(texts):
            return {}
        ids = [int(text) for text in texts if text.isdigit() and len(text) < 10]
        names = [text for text in texts if text and not text.isdigit()]
        reasons = self.env["rma.unex.return.reason"].search(
            ["|", ("id", "in", ids), ("name", "in", names)]
        )
        result = {}
        for reason in reasons:
            result[str(reason.id)] = reason
            result[reason.name] = reason
        return result

    # Checking ------------------------------------------------------------

    @api.model
    def _check_row_texts(self, row, require_symptom):
        """(errors, MAC) of what the row's own texts say, before any lookup."""
        errors = [
            (
                key,
                _(
                    "%(count)s characters; at most %(max)s.",
                    count=len(row[key]),
                    max=MAX_LENGTH[key],
                ),
            )
            for key in ROW_KEYS
            if len(row[key]) > MAX_LENGTH[key]
        ]
        mac = False
        if row["mac_address"]:
            try:
                mac = normalize_mac(row["mac_address"])
            except ValidationError as error:
                errors.append(("mac_address", str(error.args[0])))
        if not row["mac_address"] and not row["serial"]:
            errors.append(("serial", _("give the serial number or the MAC address.")))
        if not any(
            row[k] for k in ("firmware_version", "sdk_version", "driver_version")
        ):
            errors.append(
                ("firmware_version", _("give the firmware, SDK or driver version."))
            )
        if require_symptom and not row["symptom"]:
            errors.append(("symptom", _("describe what fails.")))
        return errors, mac

    @api.model
    def _check_row(self, row, products, lots, reasons, require_symptom):
        errors, mac = self._check_row_texts(row, require_symptom)
        product = products.get(row["product"], self.env["product.product"])
        if not row["product"]:
            errors.insert(0, ("product", _("choose the product model.")))
        elif not product:
            errors.insert(
                0,
                ("product", _("“%s” is not one of our products.", row["product"][:64])),
            )
        reason = reasons.get(row["return_reason"], self.env["rma.unex.return.reason"])
        if row["return_reason"] and not reason:
            errors.append(
                (
                    "return_reason",
                    _(
                        "“%s” is not a return reason of the list.",
                        row["return_reason"][:64],
                    ),
                )
            )
        lot = self._row_lot(row, product, mac, lots, errors)
        values = {
            "product_id": product.id,
            "lot_id": lot.id,
            "serial": row["serial"] or lot.name or False,
            "mac_address": mac or lot.mac_address or False,
            "firmware_version": row["firmware_version"] or False,
            "sdk_version": row["sdk_version"] or False,
            "driver_version": row["driver_version"] or False,
            "symptom": row["symptom"] or False,
            "return_reason_id": reason.id,
            "sales_document_ref": row["sales_document_ref"] or False,
        }
        return DeviceRow(row["label"], values, errors, ())

    @api.model
    def _row_lot(self, row, product, mac, lots, errors):
        """The serial of ours the row names, checked against its product."""
        Lot = self.env["stock.lot"]
        named = lots["by_name"].get(row["serial"], Lot) if row["serial"] else Lot
        by_mac = lots["by_mac"].get(mac, Lot) if mac else Lot
        lot = named.filtered(lambda lot: lot.product_id == product)[:1] or named[:1]
        if lot and by_mac and lot != by_mac:
            errors.append(
                (
                    "mac_address",
                    _("this MAC belongs to another serial than %s.", lot.name),
                )
            )
        lot = lot or by_mac
        if lot and product and lot.product_id != product:
            errors.append(
                (
                    "serial",
                    _(
                        "serial %(serial)s is not a %(product)s.",
                        serial=lot.name,
                        product=product.display_name,
                    ),
                )
            )
        return lot

    @api.model
    def _check_serials(self, customer, checked, deliveries):
        """Refuse a serial delivered to another customer, revealing nothing of
        them (X2); give the warranty of the customer's own."""
        Lot = self.env["stock.lot"]
        result = []
        for row in checked:
            lot = Lot.browse(row.values["lot_id"])
            delivery = deliveries.get(lot) if lot else None
            warranty = row.warranty
            if delivery:
                partner = (
                    delivery.move_id.sale_line_id.order_id.partner_id
                    or delivery.picking_partner_id
                    or delivery.move_id.partner_id
                )
                if partner.commercial_partner_id != customer:
                    row.errors.append(
                        ("serial", _("serial %s was not delivered to you.", lot.name))
                    )
                    row.values["lot_id"] = False
                else:
                    warranty = self._warranty_of(lot, delivery)
            result.append(row._replace(warranty=warranty))
        return result

    @api.model
    def _warranty_of(self, lot, delivery):
        """(status, end date) of a serial from its delivery (P4.1, M1)."""
        company = delivery.company_id or self.env.company
        start = company._rma_local_date(delivery.date)
        days = lot.product_id.product_tmpl_id._rma_warranty_days(company)
        end = start + relativedelta(days=days)
        today = company._rma_local_date(fields.Datetime.now())
        if today <= start + relativedelta(days=company.rma_doa_days):
            return ("doa", end)
        return ("in_warranty" if today <= end else "expired", end)

    @api.model
    def _check_open_cases(self, customer, checked):
        """Refuse a device already in an open RMA case; the case is named only
        when it is the customer's own."""
        lot_ids = [row.values["lot_id"] for row in checked if row.values["lot_id"]]
        macs = [
            row.values["mac_address"] for row in checked if row.values["mac_address"]
        ]
        if not lot_ids and not macs:
            return checked
        # sudo: the open case may be another team's or another customer's; only
        # the customer's own case is named.
        units = (
            self.env["rma.unex.unit"]
            .sudo()
            .search(
                [
                    ("case_id.state", "in", list(OPEN_STATES)),
                    ("partner_id", "!=", False),
                    "|",
                    ("lot_id", "in", lot_ids),
                    ("mac_address", "in", macs),
                ]
            )
        )
        by_lot = {unit.lot_id.id: unit for unit in units if unit.lot_id}
        by_mac = {unit.mac_address: unit for unit in units if unit.mac_address}
        for row in checked:
            unit = by_lot.get(row.values["lot_id"]) or by_mac.get(
                row.values["mac_address"]
            )
            if unit and unit.partner_id == customer and unit.case_id.name:
                message = _(
                    "this device is already in open RMA case %s.", unit.case_id.name
                )
                row.errors.append(("serial", message))
            elif unit:
                message = _("this device is already in an open RMA case.")
                row.errors.append(("serial", message))
        return checked

    @api.model
    def _check_duplicates(self, checked):
        """Refuse a serial or MAC given twice in the same request."""
        seen = {}
        for row in checked:
            for key, value in (
                ("serial", row.values["serial"]),
                ("mac_address", row.values["mac_address"]),
            ):
                if not value:
                    continue
                first = seen.setdefault((key, value), row.label)
                if first != row.label:
                    row.errors.append(
                        (
                            key,
                            _(
                                "%(value)s is also given in %(row)s.",
                                value=value,
                                row=first,
                            ),
                        )
                    )
        return checked
