"""The RMA application form (P7.2): an xlsx the customer downloads (or gets
from sales), fills in with one device per row and sends back."""

import logging
import re
import zipfile
import zlib
from datetime import date, datetime, time
from io import BytesIO
from typing import NamedTuple

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from odoo import _, api, fields, models
from odoo.tools import consteq
from odoo.tools.misc import hmac as db_hmac

from .rma_unex_device_rows import ROW_KEYS

_logger = logging.getLogger(__name__)

FORM_VERSION = "1"
HMAC_SCOPE = "rma_unex.application_form"
# The very hidden sheet: signature, layout and the drop-down lists.
DATA_SHEET = "rma_unex"
HEADER_ROW = 6  # the column headers, in Excel's numbering
FIRST_ROW = 7  # the first device row
# Columns (0-based) of the drop-down lists on the data sheet: text, then id.
LIST_COLUMNS = {"products": 11, "reasons": 13}
MAX_ROWS = 1000
MAX_CELL_CHARS = 10000
MAX_UNCOMPRESSED = 30 * 1024 * 1024
MAX_ZIP_PARTS = 500
MAX_MESSAGES = 20
MAX_LIST = 1000  # entries of a drop-down list
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN_WIDTHS = dict(zip(ROW_KEYS, (36, 18, 20, 16, 14, 14, 50, 26, 26), strict=True))
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: Office 97-2003 files
_MACRO_PARTS = ("vbaproject", "macrosheets/", "activex/")
# A cell formula <f>, with or without a namespace prefix; "xm:f" is the
# formula of an extension (a data validation list), not of a cell.
_FORMULA = re.compile(rb"<(?!xm:)(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_HTML = re.compile(r"<\s*[a-zA-Z!/?]")
_SHEET_TITLE = re.compile(r"[\[\]:*?/\\']")
SERVICEABLE = [("sale_ok", "=", True), ("type", "=", "consu")]
STYLES = {
    "title": {"bold": True, "font_size": 16},
    "label": {"bold": True},
    "value": {"bg_color": "#F2F2F2"},
    "date": {"bg_color": "#F2F2F2", "num_format": "yyyy-m-d"},
    "header": {"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True},
    "input": {"locked": False, "num_format": "@"},  # unlocked, text: 7.10 stays
    "wrap": {"text_wrap": True, "valign": "top"},
}


def column_letter(key):
    return get_column_letter(ROW_KEYS.index(key) + 1)


def cell_text(value):
    """A cell's value as the text a row takes: 7 not 7.0, a date in ISO."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime) and value.time() == time():
        value = value.date()
    if isinstance(value, date | time):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def formula_cells(data):
    """The references of the cells of a worksheet's XML that hold a formula."""
    cells = []
    for match in _FORMULA.finditer(data):
        start = max(data.rfind(b"<c ", 0, match.start()), 0)
        ref = _CELL_REF.search(data, start, match.start())
        cells.append(ref.group(1).decode() if ref else "?")
    return cells


class FormReading(NamedTuple):
    """An application form as read: what is wrong with the file, or its rows
    checked, and what its header says."""

    errors: list  # file-level messages; no rows when there is one
    rows: list  # [DeviceRow] labelled "Row <excel row number>"
    customer: object = None  # res.partner, the commercial partner signed for
    contact: object = None  # res.partner, the contact it was made for, if any
    form_date: object = None  # date the form was made
    version: str = ""


class RmaUnexApplicationForm(models.AbstractModel):
    """Builds a customer's RMA application form and reads a filled one back
    (P7.2, P1.2) for the portal, sales and e-mail; what a confirmed form
    creates is in rma_unex_application_form_upload.py."""

    _name = "rma.unex.application.form"
    _description = "RMA Application Form"

    @api.model
    def _headers(self):
        """{row key: column header}, in the language of the context."""
        return {
            "product": _("Product model"),
            "serial": _("Serial number"),
            "mac_address": _("MAC address"),
            "firmware_version": _("Firmware version"),
            "sdk_version": _("SDK version"),
            "driver_version": _("Driver version"),
            "symptom": _("Symptom"),
            "return_reason": _("Return reason"),
            "sales_document_ref": _("Sales invoice / packing list"),
        }

    @api.model
    def _signature(self, customer_id, version):
        # db_hmac reads database.secret, a system parameter: superuser env.
        return db_hmac(self.env(su=True), HMAC_SCOPE, (customer_id, version))

    # Building --------------------------------------------------------------

    @api.model
    def _build(self, partner):
        """The xlsx form of ``partner``'s customer (bytes), in the partner's
        language: header, devices sheet, instructions, signature."""
        lang = partner.lang or partner.commercial_partner_id.lang or self.env.lang
        form = self.with_context(lang=lang)
        return form._build_workbook(partner.with_env(form.env))

    @api.model
    def _build_workbook(self, partner):
        output = BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = {key: book.add_format(style) for key, style in STYLES.items()}
        devices = book.add_worksheet(_SHEET_TITLE.sub(" ", _("Devices"))[:31])
        instructions = book.add_worksheet(_SHEET_TITLE.sub(" ", _("Instructions"))[:31])
        data = book.add_worksheet(DATA_SHEET)
        products = self._form_products(partner.commercial_partner_id)
        reasons = self.env["rma.unex.return.reason"].search([], limit=MAX_LIST)
        self._write_data(data, partner, devices.name)
        for key, records in (("products", products), ("reasons", reasons)):
            col = LIST_COLUMNS[key]
            for row, record in enumerate(records):
                data.write_string(row, col, record.display_name)
                data.write_string(row, col + 1, str(record.id))
            cells = "${0}$1:${0}${1}".format(
                get_column_letter(col + 1), len(records) or 1
            )
            book.define_name(f"rma_unex_{key}", f"='{DATA_SHEET}'!{cells}")
        self._write_header(devices, styles, partner)
        self._write_device_table(devices, styles, bool(products), bool(reasons))
        self._write_instructions(instructions, styles)
        book.close()
        return output.getvalue()

    @api.model
    def _form_products(self, customer):
        """The serviceable products delivered to the customer; all serviceable
        serial-tracked products when none was."""
        Product = self.env["product.product"]
        delivered = [
            ("order_partner_id", "child_of", customer.id),
            ("qty_delivered", ">", 0),
        ] + [(f"product_id.{name}", op, value) for name, op, value in SERVICEABLE]
        # sudo: the customer's own purchases, whoever builds their form (a
        # salesperson reads only their own orders); only product names go out.
        lines = self.env["sale.order.line"].sudo()
        groups = lines._read_group(delivered, ["product_id"])
        products = Product.browse([product.id for (product,) in groups])
        if not products:
            products = Product.search(SERVICEABLE + [("tracking", "!=", "none")])
        return products.sorted("display_name")

    @api.model
    def _write_header(self, sheet, styles, partner):
        customer = partner.commercial_partner_id
        contact = partner if partner != customer else partner.browse()
        user = partner.user_id or customer.user_id
        today = fields.Date.context_today(self)
        sheet.write_string(0, 0, _("RMA application form"), styles["title"])
        lines = (
            (_("Customer"), [customer.name]),
            (_("Contact"), [contact.name, contact.email]),
            (_("Sales representative"), [user.name, user.email]),
        )
        for row, (label, values) in enumerate(lines, start=1):
            sheet.write_string(row, 0, label, styles["label"])
            sheet.write_string(row, 1, ", ".join(filter(None, values)), styles["value"])
        sheet.write_string(4, 0, _("Date"), styles["label"])
        sheet.write_datetime(4, 1, datetime.combine(today, time()), styles["date"])

    @api.model
    def _write_device_table(self, sheet, styles, has_products, has_reasons):
        headers = self._headers()
        first, last = FIRST_ROW - 1, FIRST_ROW + MAX_ROWS - 2  # 0-based
        for col, key in enumerate(ROW_KEYS):
            sheet.set_column(col, col, COLUMN_WIDTHS[key])
            sheet.write_string(HEADER_ROW - 1, col, headers[key], styles["header"])
            for row in range(first, last + 1):
                sheet.write_blank(row, col, None, styles["input"])
        mac = {
            "validate": "any",
            "input_title": headers["mac_address"][:32],
            "input_message": "00:01:A7:12:34:56, 0001.a712.3456, 0001A7123456",
        }
        validations = (
            ("product", has_products, {"source": "=rma_unex_products"}),
            ("return_reason", has_reasons, {"source": "=rma_unex_reasons"}),
            ("mac_address", True, mac),
        )
        for key, present, options in validations:
            col = ROW_KEYS.index(key)
            options = {"validate": "list", "error_type": "warning"} | options
            if present:
                sheet.data_validation(first, col, last, col, options)
        sheet.freeze_panes(HEADER_ROW, 0)
        sheet.protect("", {"format_columns": True, "format_rows": True})

    @api.model
    def _instructions(self):
        """The lines of the instructions sheet (one translatable text)."""
        text = _(
            "How to fill in this form\n"
            "One row per device on the sheet “Devices”, from row %(row)s, at most "
            "%(max)s devices.\n"
            "Product model: choose it from the list (the products you bought).\n"
            "Serial number or MAC address: at least one; a MAC as %(macs)s.\n"
            "Firmware, SDK or driver version: at least one, as in use.\n"
            "Symptom: what fails on the device, and how to make it happen.\n"
            "Return reason: choose it from the list (optional).\n"
            "Sales invoice / packing list: its number, to trace the goods.\n"
            "Type plain values: formulas, macros and HTML are refused.\n"
            "Keep the columns as they are: the form is signed for your company.\n"
            "Send it back on the portal (New support request) or by e-mail; you "
            "will see every row checked before anything is created.\n"
            "Back up the data and configuration of the devices you send: we are "
            "not liable for data loss during service.",
            row=FIRST_ROW,
            max=f"{MAX_ROWS:,}",
            macs="00:01:A7:12:34:56, 00-01-a7-12-34-56, 0001.a712.3456, 0001A7123456",
        )
        return text.split("\n")

    @api.model
    def _write_instructions(self, sheet, styles):
        sheet.set_column(0, 0, 110, styles["wrap"])
        for row, line in enumerate(self._instructions()):
            sheet.write_string(row, 0, line, styles["title"] if not row else None)
        sheet.protect()

    @api.model
    def _write_data(self, sheet, partner, devices_title):
        """Signature and layout; very hidden, read back by _parse."""
        customer = partner.commercial_partner_id
        contact = partner if partner != customer else partner.browse()
        meta = (
            ("form", FORM_VERSION),
            ("customer", str(customer.id)),
            ("contact", str(contact.id or "")),
            ("signature", self._signature(customer.id, FORM_VERSION)),
            ("lang", self.env.lang or ""),
            ("date", fields.Date.context_today(self).isoformat()),
            ("devices", devices_title),
        )
        for row, (key, value) in enumerate(meta):
            sheet.write_string(row, 0, key)
            sheet.write_string(row, 1, value)
        sheet.write_string(len(meta), 0, "columns")
        for col, header in enumerate(self._headers().values(), start=1):
            sheet.write_string(len(meta), col, header)
        sheet.protect()
        sheet.very_hidden()

    # Reading ---------------------------------------------------------------

    @api.model
    def _read(self, partner, filename, content):
        """FormReading of a form filled by or for ``partner``: the file first
        (size, type, macros, zip bomb, formulas, markup, this customer's
        signature), then every row by ``_check_rows``, in a fixed number of
        queries. Creates nothing."""
        errors = self._check_file(partner, filename or _("The file"), content)
        form = {}
        if not errors:
            try:
                form = self._parse(content)
            except Exception:  # noqa: BLE001 - whatever breaks, the file is bad
                _logger.info("Unreadable application form %s", filename, exc_info=True)
                errors = [self._not_xlsx(filename or _("The file"))]
        errors = errors or self._check_header(partner, form) or self._check_cells(form)
        if len(errors) > MAX_MESSAGES:
            more = _("… and %s more.", len(errors) - MAX_MESSAGES)
            errors = errors[:MAX_MESSAGES] + [more]
        if errors:
            return FormReading(errors, [])
        meta, customer = form["meta"], partner.commercial_partner_id
        contact = self.env["res.partner"]
        if meta.get("contact", "").isdigit():
            contact = contact.browse(int(meta["contact"])).exists()
            contact = contact.filtered(lambda c: c.commercial_partner_id == customer)
        try:
            form_date = date.fromisoformat(meta.get("date", ""))
        except ValueError:
            form_date = None
        rows = self.env["rma.unex.device.rows"]._check_rows(
            partner, self._form_rows(form), require_symptom=True
        )
        return FormReading([], rows, customer, contact, form_date, meta["form"])

    @api.model
    def _not_xlsx(self, name):
        return _("%s is not an Excel workbook (.xlsx): fill in the form as sent.", name)

    @api.model
    def _check_file(self, partner, name, content):
        """Messages on the file itself, before anything parses it."""
        limit = (partner.company_id or self.env.company).rma_portal_max_upload_mb or 10
        if not content:
            return [_("%s is empty.", name)]
        if len(content) > limit * 1024 * 1024:
            return [_("%(file)s is larger than %(mb)s MB.", file=name, mb=limit)]
        if name.lower().endswith((".xlsm", ".xltm", ".xlsb", ".xlam")):
            return [_("%s contains macros, which we do not accept.", name)]
        if content.startswith(_OLE2):
            return [_("%s is an old Excel file (.xls): fill in the .xlsx form.", name)]
        if not name.lower().endswith(".xlsx"):
            return [self._not_xlsx(name)]
        try:
            with zipfile.ZipFile(BytesIO(content)) as archive:
                return self._check_archive(name, archive)
        # not a zip, a damaged one, an unknown compression, an encrypted part
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ):
            return [self._not_xlsx(name)]

    @api.model
    def _check_archive(self, name, archive):
        """The xlsx zip: sizes from its directory before anything is unpacked
        (zip bombs), the parts of a workbook, no macros, no DTD, no formula."""
        parts = archive.infolist()
        unpacked = sum(part.file_size for part in parts)
        if len(parts) > MAX_ZIP_PARTS or unpacked > MAX_UNCOMPRESSED:
            mb = unpacked // 2**20
            return [_("%(file)s unpacks to %(mb)s MB: too big.", file=name, mb=mb)]
        names = {part.filename for part in parts}
        if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            return [self._not_xlsx(name)]
        if any(mark in part.lower() for part in names for mark in _MACRO_PARTS) or (
            b"macroEnabled" in archive.read("[Content_Types].xml")
        ):
            return [_("%s contains macros, which we do not accept.", name)]
        formulas = []
        for part in parts:
            if part.filename.endswith((".xml", ".rels", ".vml")):
                data = archive.read(part)  # checks the CRC: the size is real
                if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                    return [self._not_xlsx(name)]
                if part.filename.startswith("xl/worksheets/"):
                    formulas += formula_cells(data)
        if formulas:
            cells = ", ".join(formulas[:MAX_MESSAGES])
            return [_("Cells %s hold formulas: type plain values only.", cells)]
        return []

    @api.model
    def _parse(self, content):
        """The form as plain text: the data sheet's signature, layout and
        lists, the devices sheet's header and filled rows."""
        book = load_workbook(BytesIO(content), read_only=True, data_only=False)
        form = {"meta": {}, "columns": [], "header": None, "rows": [], "more": False}
        form["lists"] = {"products": {}, "reasons": {}}
        try:
            if DATA_SHEET in book.sheetnames:
                self._parse_data(book[DATA_SHEET], form)
            if form["meta"].get("devices") in book.sheetnames:
                self._parse_devices(book[form["meta"]["devices"]], form)
        finally:
            book.close()
        return form

    @api.model
    def _parse_data(self, sheet, form):
        sheet.reset_dimensions()  # a forged size must not make us iterate it
        width = max(LIST_COLUMNS.values()) + 2
        for values in sheet.iter_rows(max_col=width, values_only=True):
            texts = [cell_text(value) for value in values]
            if texts[0] == "columns":
                form["columns"] = texts[1 : len(ROW_KEYS) + 1]
            elif texts[0]:
                form["meta"].setdefault(texts[0], texts[1])
            for key, col in LIST_COLUMNS.items():
                if texts[col] and texts[col + 1].isdigit():
                    form["lists"][key].setdefault(texts[col], texts[col + 1])

    @api.model
    def _parse_devices(self, sheet, form):
        sheet.reset_dimensions()
        rows = sheet.iter_rows(
            min_row=HEADER_ROW, max_col=len(ROW_KEYS), values_only=True
        )
        for number, values in enumerate(rows, start=HEADER_ROW):
            texts = [cell_text(value) for value in values]
            if number == HEADER_ROW:
                form["header"] = texts
            elif any(texts) and len(form["rows"]) == MAX_ROWS:
                form["more"] = True
                break
            elif any(texts):
                form["rows"].append((number, texts))

    @api.model
    def _check_header(self, partner, form):
        """The signature says the form is ours and this customer's; the
        devices sheet has the columns it was made with."""
        meta = form["meta"]
        customer_id, version = meta.get("customer", ""), meta.get("form", "")
        if not customer_id.isdigit() or not consteq(
            meta.get("signature", ""), self._signature(int(customer_id), version)
        ):
            return [_("This is not our application form, or it was changed.")]
        if int(customer_id) != partner.commercial_partner_id.id:
            return [_("This form was made for another customer: use your own.")]
        if version != FORM_VERSION:
            return [_("This form is an old version: download a new one.")]
        if form["header"] is None or form["header"] != form["columns"]:
            return [_("The columns of the devices sheet were changed or removed.")]
        if not form["rows"]:
            return [_("The form lists no device: fill in one row per device.")]
        return []

    @api.model
    def _check_cells(self, form):
        """At most MAX_ROWS devices; no markup, no novel in a cell."""
        if form["more"]:
            return [_("The form lists more than %s devices.", f"{MAX_ROWS:,}")]
        errors = []
        for number, texts in form["rows"]:
            for col, text in enumerate(texts, start=1):
                cell = f"{get_column_letter(col)}{number}"
                if len(text) >= MAX_CELL_CHARS:
                    count = f"{len(text):,}"
                    errors.append(
                        _(
                            "Cell %(cell)s: %(count)s characters, too long.",
                            cell=cell,
                            count=count,
                        )
                    )
                elif _HTML.search(text):
                    errors.append(
                        _("Cell %s holds HTML markup: type plain text.", cell)
                    )
        return errors

    @api.model
    def _form_rows(self, form):
        """Rows for _check_rows; the lists' texts (in the form's language)
        become the ids they stand for."""
        lists = form["lists"]
        rows = []
        for number, texts in form["rows"]:
            row = dict(zip(ROW_KEYS, texts, strict=True), label=_("Row %s", number))
            for key, texts_ids in (
                ("product", "products"),
                ("return_reason", "reasons"),
            ):
                row[key] = lists[texts_ids].get(row[key], row[key])
            rows.append(row)
        return rows

    @api.model
    def _error_text(self, reading):
        """Every problem of a reading, one per line, rows named by row, column
        letter and header: "Row 7, column B (Serial number): why"."""
        headers = self._headers()
        lines = list(reading.errors)
        for row in reading.rows:
            for key, message in row.errors:
                lines.append(
                    _(
                        "%(row)s, column %(column)s (%(header)s): %(message)s",
                        row=row.label,
                        column=column_letter(key),
                        header=headers[key],
                        message=message,
                    )
                )
        return "\n".join(lines)
