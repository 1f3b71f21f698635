"""The RMA application form (P7.2): built for one customer, in their
language, read back with every refusal of a bad file and every row checked."""

import io
import zipfile
from datetime import date, timedelta

from openpyxl import load_workbook

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError

from ..models.rma_unex_application_form import (
    DATA_SHEET,
    FIRST_ROW,
    HEADER_ROW,
    MAX_ROWS,
)
from ..models.rma_unex_device_rows import ROW_KEYS
from .common import RmaUnexCommon


class ApplicationFormCommon(RmaUnexCommon):
    """A customer with a delivered serial; forms built and filled in as a
    customer would in Excel (openpyxl keeps the signature, lists and
    protection of the form)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Form = cls.env["rma.unex.application.form"]
        cls.reason = cls.env["rma.unex.return.reason"].search([], limit=1)

    def book(self, content):
        return load_workbook(io.BytesIO(content))

    def fill(self, content, rows, first=FIRST_ROW, edit=None):
        """The form ``content`` with ``rows`` (dicts of ROW_KEYS) typed in
        from row ``first``; ``edit(book)`` changes it further."""
        book = self.book(content)
        sheet = book.worksheets[0]
        for number, row in enumerate(rows, start=first):
            for col, key in enumerate(ROW_KEYS, start=1):
                if row.get(key) is not None:
                    sheet.cell(row=number, column=col, value=row[key])
        if edit:
            edit(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def row(self, lot=None, **values):
        """A valid row of ``lot`` (by default self.lot)."""
        lot = lot or self.lot
        row = {
            "product": lot.product_id.display_name,
            "serial": lot.name,
            "firmware_version": "7.1.3",
            "symptom": "The 6 GHz radio stopped",
        }
        row.update(values)
        return {k: v for k, v in row.items() if v is not False}

    def filled(self, rows, partner=None, **kw):
        return self.fill(self.Form._build(partner or self.contact_a), rows, **kw)

    def read_form(self, content, partner=None, filename="form.xlsx"):
        return self.Form._read(partner or self.contact_a, filename, content)

    def counts(self):
        self.env.invalidate_all()
        return (
            self.env["helpdesk.ticket"].search_count([]),
            self.env["rma.unex.ticket.device"].search_count([]),
            self.env["rma.unex.application.form.upload"].sudo().search_count([]),
        )


class TestApplicationForm(ApplicationFormCommon):
    def test_p7_2_built_for_the_customer_with_lists_and_protection(self):
        """P7.2: the header names customer, contact, sales representative and
        date; the product list is what the customer bought; the cells to fill
        are the only unlocked ones; the signature sheet is very hidden."""
        self.deliver(self.lot)
        not_bought = self.product.copy({"name": "Unsold Switch"})
        book = self.book(self.Form._build(self.contact_a))
        devices, instructions, data = book.worksheets
        self.assertEqual(data.title, DATA_SHEET)
        self.assertEqual(data.sheet_state, "veryHidden")
        header = " ".join(
            str(cell.value) for row in devices["A1:B5"] for cell in row if cell.value
        )
        for text in (
            "Customer A",
            self.contact_a.name,
            self.contact_a.email,
            self.sales.name,
        ):
            self.assertIn(text, header)
        self.assertEqual(devices["B5"].value.date(), fields.Date.today())
        self.assertEqual(devices.cell(HEADER_ROW, 2).value, "Serial number")
        self.assertTrue(devices.protection.sheet)
        self.assertTrue(instructions.protection.sheet)
        self.assertFalse(devices.cell(FIRST_ROW, 1).protection.locked)
        last = FIRST_ROW + MAX_ROWS - 1
        self.assertFalse(devices.cell(last, 9).protection.locked)
        self.assertTrue(devices.cell(last + 1, 1).protection.locked)
        self.assertTrue(devices["B2"].protection.locked)
        listed = [c.value for (c,) in data.iter_rows(min_col=12, max_col=12) if c.value]
        self.assertEqual(listed, [self.product.display_name])
        self.assertNotIn(not_bought.display_name, listed)
        sources = {
            str(v.sqref): v.formula1 for v in devices.data_validations.dataValidation
        }
        self.assertEqual(sources[f"A{FIRST_ROW}:A{last}"], "rma_unex_products")
        self.assertEqual(sources[f"H{FIRST_ROW}:H{last}"], "rma_unex_reasons")
        reasons = [
            c.value for (c,) in data.iter_rows(min_col=14, max_col=14) if c.value
        ]
        self.assertIn(self.reason.name, reasons)

    def test_p7_2_no_purchase_lists_every_serviceable_serial_product(self):
        untracked = self.env["product.product"].create(
            {"name": "Cable", "type": "consu", "tracking": "none"}
        )
        data = self.book(self.Form._build(self.contact_b))[DATA_SHEET]
        listed = [c.value for (c,) in data.iter_rows(min_col=12, max_col=12) if c.value]
        self.assertIn(self.product.display_name, listed)
        self.assertNotIn(untracked.display_name, listed)

    def test_p7_2_round_trip_in_english(self):
        """P1.2, P4.1, M14: the rows come back as device lines with their
        warranty; the header says whose form it is."""
        self.deliver(self.lot, date=date.today() - timedelta(days=60))
        content = self.filled(
            [
                self.row(return_reason=self.reason.name, sales_document_ref="INV/7"),
                self.row(serial=False, mac_address="0001.a700.0002", sdk_version="5.2"),
            ]
        )
        reading = self.read_form(content)
        self.assertEqual(reading.errors, [])
        self.assertEqual(self.Form._error_text(reading), "")
        first, second = reading.rows
        self.assertEqual((first.label, second.label), ("Row 7", "Row 8"))
        self.assertEqual(first.values["lot_id"], self.lot.id)
        self.assertEqual(first.values["product_id"], self.product.id)
        self.assertEqual(first.values["return_reason_id"], self.reason.id)
        self.assertEqual(first.values["sales_document_ref"], "INV/7")
        self.assertEqual(first.warranty[0], "in_warranty")
        self.assertEqual(second.values["lot_id"], self.lot_2.id, "found by MAC")
        self.assertEqual(second.values["mac_address"], "00:01:A7:00:00:02")
        self.assertEqual(second.warranty, (), "never delivered: unknown")
        self.assertEqual(reading.customer, self.customer_a)
        self.assertEqual(reading.contact, self.contact_a)
        self.assertEqual(reading.form_date, fields.Date.today())

    def test_p7_2_round_trip_in_traditional_chinese(self):
        """The form is in the customer's language (product and return reason
        lists in zh_TW) and reads back whoever reads it."""
        self.env["res.lang"]._activate_lang("zh_TW")
        self.contact_a.lang = "zh_TW"
        self.product.with_context(lang="zh_TW").name = "測試路由器"
        self.reason.with_context(lang="zh_TW").name = "故障品"
        content = self.Form._build(self.contact_a)
        data = self.book(content)[DATA_SHEET]
        self.assertEqual(data["B5"].value, "zh_TW")
        listed = [c.value for (c,) in data.iter_rows(min_col=12, max_col=12) if c.value]
        self.assertIn("[T-RTR] 測試路由器", listed)
        reasons = [
            c.value for (c,) in data.iter_rows(min_col=14, max_col=14) if c.value
        ]
        self.assertIn("故障品", reasons)
        english = self.book(self.Form._build(self.contact_b))[DATA_SHEET]
        self.assertNotIn("故障品", [c.value for c in english["N"]])
        filled = self.fill(
            content,
            [self.row(product="[T-RTR] 測試路由器", return_reason="故障品")],
        )
        # read by English-speaking sales, or by the customer
        for reader in (self.Form.with_user(self.sales), self.Form):
            reading = reader._read(self.contact_a, "表格.xlsx", filled)
            self.assertEqual(reading.errors, [])
            self.assertEqual(reading.rows[0].errors, [])
            self.assertEqual(reading.rows[0].values["product_id"], self.product.id)
            self.assertEqual(reading.rows[0].values["return_reason_id"], self.reason.id)

    def test_p7_2_every_row_checked_and_named_by_row_and_column(self):
        """P1.2, P1.4, X2: each problem names its row, column letter and
        header; nothing of another customer is told."""
        self.deliver(self.lot_2, partner=self.customer_b)
        other = self.env["stock.lot"].create(
            {"name": "TRTR0003", "product_id": self.product.id}
        )
        content = self.filled(
            [
                self.row(),
                self.row(self.lot_2),
                self.row(serial="TRTR0009", mac_address="00:01:A7:ZZ"),
                self.row(product="No Such Router", serial=other.name),
                self.row(),  # the first row again
                {"symptom": "dead"},
                self.row(serial="TRTR0010", symptom=False, firmware_version=False),
            ]
        )
        reading = self.read_form(content)
        self.assertEqual(reading.errors, [])
        text = self.Form._error_text(reading)
        self.assertIn(
            "Row 8, column B (Serial number): serial TRTR0002 was not delivered "
            "to you.",
            text,
        )
        self.assertNotIn("Customer B", text)
        self.assertIn("Row 9, column C (MAC address):", text)
        self.assertIn("Row 10, column A (Product model): “No Such Router”", text)
        self.assertIn(
            "Row 11, column B (Serial number): TRTR0001 is also given in Row 7", text
        )
        self.assertIn(
            "Row 12, column A (Product model): choose the product model.", text
        )
        self.assertIn("Row 12, column B (Serial number): give the serial number", text)
        self.assertIn("Row 12, column D (Firmware version): give the firmware", text)
        self.assertIn("Row 13, column G (Symptom): describe what fails.", text)
        self.assertNotIn("Row 7,", text)
        lines = self.Form._preview_lines(reading)
        self.assertEqual(
            [bool(line["problems"]) for line in lines], [False] + [True] * 6
        )
        self.assertIn("column B (Serial number)", lines[1]["problems"][0])

    def test_p7_2_text_cells_keep_versions_and_numbers(self):
        """Versions and numeric serials come back as typed: 7.10 stays 7.10
        in a text cell; a number typed anyway is 1234, not 1234.0."""
        content = self.filled(
            [
                self.row(
                    serial=False,
                    mac_address="00:01:A7:00:00:55",
                    firmware_version="7.10",
                    sales_document_ref=1234,
                )
            ]
        )
        values = self.read_form(content).rows[0].values
        self.assertEqual(values["firmware_version"], "7.10")
        self.assertEqual(values["sales_document_ref"], "1234")

    def test_p7_2_fixed_queries_for_100_and_1000_rows(self):
        """A 1,000-row form is checked in the queries of a 100-row one."""
        self.deliver(self.lot)

        def rows(n):
            return [self.row()] + [
                self.row(
                    serial=False,
                    mac_address=f"00:01:A7:10:{i // 256:02X}:{i % 256:02X}",
                )
                for i in range(n - 1)
            ]

        queries = {}
        for n in (100, MAX_ROWS):
            content = self.filled(rows(n))
            reading = None

            def run(content=content):
                nonlocal reading
                reading = self.read_form(content)

            queries[n] = self.count_queries(run, cold=True)
            self.assertEqual(len(reading.rows), n)
            self.assertFalse(self.Form._error_text(reading))
        self.assertEqual(queries[100], queries[MAX_ROWS], queries)


class TestApplicationFormRefusals(ApplicationFormCommon):
    """Bad files are refused with a clear message and create nothing (X3)."""

    def assertRefusedFile(self, content, phrase, filename="form.xlsx", partner=None):
        before = self.counts()
        reading = self.read_form(content, partner=partner, filename=filename)
        self.assertTrue(reading.errors, phrase)
        self.assertEqual(reading.rows, [])
        self.assertIn(phrase, self.Form._error_text(reading))
        self.assertEqual(self.counts(), before, "a refused form created something")
        return reading

    def zipped(self, parts):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
        return out.getvalue()

    def test_not_an_xlsx(self):
        self.assertRefusedFile(
            b"product,serial\nT-RTR,TRTR0001\n", "is not an Excel workbook"
        )
        self.assertRefusedFile(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old Excel file (.xls)"
        )
        self.assertRefusedFile(
            self.zipped({"notes.txt": b"hello"}), "is not an Excel workbook"
        )
        self.assertRefusedFile(
            self.filled([self.row()]), "is not an Excel workbook", filename="form.csv"
        )

    def test_empty_and_oversized(self):
        self.assertRefusedFile(b"", "form.xlsx is empty.")
        self.company.rma_portal_max_upload_mb = 1
        self.assertRefusedFile(b"PK" + b"\0" * 2**20, "is larger than 1 MB")

    def test_zip_bomb_refused_from_the_zip_directory(self):
        form = zipfile.ZipFile(io.BytesIO(self.filled([self.row()])))
        parts = {info.filename: form.read(info) for info in form.infolist()}
        parts["xl/media/bomb.bin"] = b"\0" * (40 * 2**20)
        bomb = self.zipped(parts)
        self.assertLess(len(bomb), 2**20)
        self.assertRefusedFile(bomb, "unpacks to 40 MB")

    def test_macros(self):
        content = self.filled([self.row()])
        self.assertRefusedFile(content, "contains macros", filename="form.xlsm")
        form = zipfile.ZipFile(io.BytesIO(content))
        parts = {info.filename: form.read(info) for info in form.infolist()}
        parts["xl/vbaProject.bin"] = b"\0" * 64
        self.assertRefusedFile(self.zipped(parts), "contains macros")

    def test_formulas(self):
        content = self.filled(
            [self.row(), self.row(self.lot_2, symptom='=HYPERLINK("http://x")')]
        )
        self.assertRefusedFile(content, "Cells G8 hold formulas")

    def test_markup_and_long_cells(self):
        self.assertRefusedFile(
            self.filled([self.row(symptom="<img src=x onerror=alert(1)>")]),
            "Cell G7 holds HTML markup",
        )
        self.assertRefusedFile(
            self.filled([self.row(symptom="x" * 10000)]),
            "Cell G7: 10,000 characters, too long.",
        )

    def test_more_than_1000_rows(self):
        rows = [self.row(serial=f"S{i}") for i in range(MAX_ROWS + 1)]
        self.assertRefusedFile(self.filled(rows), "more than 1,000 devices")

    def test_another_customers_form(self):
        """X2: a form made for customer B is refused to customer A."""
        content = self.filled([self.row()], partner=self.contact_b)
        self.assertRefusedFile(content, "made for another customer")
        self.assertEqual(self.read_form(content, partner=self.contact_b).errors, [])

    def test_no_or_forged_signature(self):
        def drop(book):
            del book[DATA_SHEET]

        self.assertRefusedFile(
            self.filled([self.row()], edit=drop), "not our application form"
        )

        def forge(book):  # B's form relabelled as A's, signature kept
            book[DATA_SHEET]["B2"] = str(self.customer_a.id)

        content = self.filled([self.row()], partner=self.contact_b, edit=forge)
        self.assertRefusedFile(content, "not our application form")

        def resign(book):
            book[DATA_SHEET]["B4"] = "0" * 64

        self.assertRefusedFile(
            self.filled([self.row()], edit=resign), "not our application form"
        )

    def test_changed_columns_and_empty_form(self):
        def swap(book):
            sheet = book.worksheets[0]
            sheet["B6"], sheet["C6"] = sheet["C6"].value, sheet["B6"].value

        self.assertRefusedFile(
            self.filled([self.row()], edit=swap), "columns of the devices sheet"
        )
        self.assertRefusedFile(self.filled([]), "lists no device")


class TestApplicationFormRequests(ApplicationFormCommon):
    """What a confirmed form creates, and who may do what."""

    def test_p7_2_confirmed_form_makes_one_submitted_request(self):
        self.deliver(self.lot)
        rows = [
            self.row(sales_document_ref="INV/9"),
            self.row(self.lot_2, symptom="Reboots hourly", sales_document_ref="INV/9"),
        ]
        reading = self.read_form(self.filled(rows))
        ticket = self.Form.sudo()._create_request(
            self.contact_a, reading, "f.xlsx", b"x"
        )
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.partner_id, self.contact_a)
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_a)
        self.assertEqual(ticket.device_ids.lot_id, self.lot | self.lot_2)
        self.assertEqual(ticket.sales_document_ref, "INV/9")
        self.assertIn("Row 8: Reboots hourly", ticket.steps_to_reproduce)
        self.assertTrue(ticket.name.startswith("RMA application form"))
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.name, "f.xlsx")

    def test_x3_a_form_with_errors_creates_nothing(self):
        reading = self.read_form(self.filled([self.row(), self.row(product="Nope")]))
        before = self.counts()
        with self.assertRaisesRegex(ValidationError, "Row 8, column A"):
            self.Form.sudo()._create_request(self.contact_a, reading, "f.xlsx", b"x")
        self.assertEqual(self.counts(), before)

    def test_p7_2_add_to_a_request_refuses_its_own_devices(self):
        ticket = self.make_ticket(submit=False)  # has self.lot
        reading = self.read_form(self.filled([self.row(), self.row(self.lot_2)]))
        with self.assertRaisesRegex(
            ValidationError, "Row 7, column B .*TRTR0001 is already"
        ):
            self.Form.with_user(self.sales)._add_to_ticket(
                ticket, reading, "f.xlsx", b"x"
            )
        self.assertEqual(len(ticket.device_ids), 1)
        reading = self.read_form(self.filled([self.row(self.lot_2)]))
        self.Form.with_user(self.sales)._add_to_ticket(ticket, reading, "f.xlsx", b"x")
        self.assertEqual(ticket.device_ids.lot_id, self.lot | self.lot_2)
        self.assertEqual(ticket.device_ids.mapped("sequence")[-1], 11)

    def test_x3_no_devices_added_to_an_escalated_request(self):
        ticket = self.make_ticket()
        ticket.with_user(self.fae).action_escalate()
        reading = self.read_form(self.filled([self.row(self.lot_2)]))
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.Form.with_user(self.sales)._add_to_ticket(
                ticket, reading, "f.xlsx", b"x"
            )
        self.assertEqual(len(ticket.device_ids), 1)

    def test_x2_uploads_closed_to_portal_users_and_to_other_partners(self):
        upload = self.env["rma.unex.application.form.upload"]._hold(
            self.contact_a, "f.xlsx", self.filled([self.row()])
        )
        Upload = self.env["rma.unex.application.form.upload"]
        for user in (self.portal_a, self.portal_b, self.fae):
            with self.assertRaises(AccessError):
                upload.with_user(user).read(["filename"])
            with self.assertRaises(AccessError):
                Upload.with_user(user).create({"partner_id": user.partner_id.id})
        token = upload.access_token
        self.assertEqual(Upload._portal_find(upload.id, self.contact_a, token), upload)
        self.assertFalse(Upload._portal_find(upload.id, self.contact_b, token))
        self.assertFalse(Upload._portal_find(upload.id, self.contact_a, "guess"))
        self.assertFalse(Upload._portal_find(upload.id, self.contact_a, None))
        # the wizard is for sales only
        for user in (self.portal_a, self.fae):
            with self.assertRaises(AccessError):
                self.env["rma.unex.application.form.wizard"].with_user(user).create(
                    {"partner_id": self.customer_a.id}
                )

    def _send(self, record, user):
        """Open the composer of ``record``'s button as ``user``; check the
        attached form is A's; send."""
        action = record.with_user(user).action_send_application_form()
        composer = self.env["mail.compose.message"].browse(action["res_id"])
        self.assertEqual(composer.partner_ids, self.contact_a)
        self.assertIn("application form", composer.subject)
        attachment = composer.attachment_ids
        self.assertTrue(attachment.name.endswith(".xlsx"))
        reading = self.read_form(self.fill(attachment.raw, [self.row()]))
        self.assertEqual(reading.errors, [], "the attached form is A's")
        composer.with_user(user)._action_send_mail()
        return attachment

    def test_p7_2_sales_send_the_form_from_request_and_case(self):
        """One button on the request and the case: an e-mail to the contact
        with their form attached, posted there."""
        ticket = self.make_ticket(submit=False)
        case = self.make_case(contact_id=self.contact_a.id)
        for record in (ticket, case):
            attachment = self._send(record, self.sales)
            message = record.message_ids[:1]
            self.assertEqual(message.partner_ids, self.contact_a)
            self.assertEqual(message.attachment_ids.name, attachment.name)
            self.assertEqual(message.attachment_ids.res_id, record.id)
        with self.assertRaisesRegex(UserError, "Set the customer"):
            ticket = self.make_ticket(
                submit=False, partner_id=False, disclaimer_accepted=False
            )
            ticket.with_user(self.sales).action_send_application_form()

    def test_p7_2_sales_send_the_form_from_the_customer(self):
        """On the contact: posted by who may edit the contact (the manager);
        sent as an e-mail by sales, who may only read it, and on the
        contact's history all the same."""
        for user in (self.manager, self.sales):
            attachment = self._send(self.contact_a, user)
            message = self.contact_a.message_ids[:1]
            self.assertEqual(message.author_id, user.partner_id)
            self.assertEqual(message.attachment_ids.name, attachment.name)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.contact_a)

    def test_old_uploads_are_cleared(self):
        Upload = self.env["rma.unex.application.form.upload"]
        upload = Upload._hold(self.contact_a, "f.xlsx", b"x")
        self.env.cr.execute(
            "UPDATE rma_unex_application_form_upload SET create_date = now() - "
            "interval '2 days' WHERE id = %s",
            [upload.id],
        )
        recent = Upload._hold(self.contact_a, "g.xlsx", b"x")
        self.env.invalidate_all()
        Upload._gc_unconfirmed()
        self.assertFalse(upload.exists())
        self.assertTrue(recent.exists())
