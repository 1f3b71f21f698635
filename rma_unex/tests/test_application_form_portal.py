"""The RMA application form over HTTP (P7.2, X2): download, upload, preview
and confirm on the portal; the sales wizard; the customer's browser tour."""

import base64
import re
from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from ..models.rma_unex_application_form import DATA_SHEET, XLSX_MIMETYPE
from .common import allow_chromium_more_time
from .test_application_form import ApplicationFormCommon

BASE = "/my/support-requests/application-form"


class ApplicationFormHttpCommon(ApplicationFormCommon, HttpCase):
    def login(self, user):
        self.authenticate(user.login, user.login)
        page = self.url_open("/my/support-requests/new")
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def upload(self, token, content, filename="form.xlsx"):
        return self.url_open(
            f"{BASE}/upload",
            data={"csrf_token": token},
            files={"application_form": (filename, content, XLSX_MIMETYPE)},
        )

    def confirm(self, token, upload, disclaimer=True, access_token=None):
        data = {
            "csrf_token": token,
            "access_token": access_token or upload.access_token,
        }
        if disclaimer:
            data["disclaimer"] = "on"
        return self.url_open(f"{BASE}/{upload.id}/confirm", data=data)

    def held(self):
        return self.env["rma.unex.application.form.upload"].sudo().search([])


class TestApplicationFormPortal(ApplicationFormHttpCommon):
    def test_p7_2_portal_customer_downloads_their_own_form(self):
        token = self.login(self.portal_a)
        page = self.url_open("/my/support-requests/new").text
        self.assertIn(f'href="{BASE}"', page, "the link on the request page")
        self.assertTrue(token)
        response = self.url_open(BASE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        data = self.book(response.content)[DATA_SHEET]
        self.assertEqual(data["B2"].value, str(self.customer_a.id))
        self.assertEqual(data["B3"].value, str(self.contact_a.id))
        filled = self.fill(response.content, [self.row()])
        self.assertEqual(self.read_form(filled).errors, [])
        self.assertTrue(self.read_form(filled, partner=self.contact_b).errors)

    def test_x2_visitor_gets_the_login_not_a_form(self):
        response = self.url_open(BASE, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_p7_2_upload_preview_confirm(self):
        """A form with an error is shown with it (row, column, why) and kept
        nowhere; fixed, it is held, previewed and, once the disclaimer is
        accepted, makes one submitted request with one device per row."""
        self.deliver(self.lot, date=date.today() - timedelta(days=60))
        token = self.login(self.portal_a)
        before = self.counts()
        rows = [self.row(), self.row(self.lot_2, mac_address="00:01:A7:ZZ")]
        response = self.upload(token, self.filled(rows))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Row 8", response.text)
        self.assertIn("column C (MAC address)", response.text)
        self.assertIn("In warranty until", response.text, "row 7's warranty")
        self.assertNotIn("rma_unex_application_form_confirm", response.text)
        self.assertEqual(self.counts(), before, "a form with errors is kept nowhere")

        rows[1] = self.row(self.lot_2)
        response = self.upload(token, self.filled(rows))
        upload = self.held()
        self.assertEqual(len(upload), 1)
        self.assertEqual(upload.partner_id, self.contact_a)
        self.assertIn(f"{BASE}/{upload.id}?access_token=", response.url)
        self.assertIn("rma_unex_application_form_confirm", response.text)
        self.assertIn(self.lot_2.name, response.text)

        response = self.confirm(token, upload, disclaimer=False)
        self.assertIn("Accept the data disclaimer", response.text)
        self.assertEqual(self.counts()[:2], before[:2], "nothing created")
        self.assertTrue(upload.exists())

        access_token = upload.access_token
        response = self.confirm(token, upload)
        ticket = self.env["helpdesk.ticket"].search(
            [("partner_id", "=", self.contact_a.id)]
        )
        self.assertEqual(len(ticket), 1)
        self.assertIn(f"/my/ticket/{ticket.id}", response.url)
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.disclaimer_partner_id, self.contact_a)
        self.assertEqual(ticket.device_ids.lot_id, self.lot | self.lot_2)
        self.assertFalse(upload.exists(), "confirmed once")
        again = self.confirm(token, upload, access_token=access_token)
        self.assertEqual(again.status_code, 404)

    def test_x2_another_customers_form_is_refused(self):
        token = self.login(self.portal_a)
        before = self.counts()
        other = self.filled([self.row()], partner=self.contact_b)
        response = self.upload(token, other)
        self.assertIn("made for another customer", response.text)
        self.assertNotIn(self.customer_b.name, response.text)
        self.assertEqual(self.counts(), before)

    def test_x3_bad_files_refused_over_http(self):
        token = self.login(self.portal_a)
        before = self.counts()
        for content, filename, phrase in (
            (b"a,b\n1,2\n", "form.xlsx", "is not an Excel workbook"),
            (b"", "form.xlsx", "is empty"),
            (self.filled([self.row()]), "form.xlsm", "contains macros"),
        ):
            with self.subTest(phrase=phrase):
                response = self.upload(token, content, filename)
                self.assertEqual(response.status_code, 200)
                self.assertIn(phrase, response.text)
        self.assertEqual(self.counts(), before)

    def test_x2_another_customer_cannot_see_or_confirm_the_upload(self):
        token = self.login(self.portal_a)
        self.upload(token, self.filled([self.row()]))
        upload = self.held()
        self.assertEqual(len(upload), 1)
        token_b = self.login(self.portal_b)
        for url in (
            f"{BASE}/{upload.id}?access_token={upload.access_token}",
            f"{BASE}/{upload.id}",
        ):
            page = self.url_open(url)
            self.assertEqual(page.status_code, 404, url)
            self.assertNotIn(self.lot.name, page.text)
        response = self.confirm(token_b, upload)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("partner_id", "in", (self.contact_a | self.contact_b).ids)]
            ),
            0,
        )
        self.assertTrue(upload.exists())
        # and the owner, without the token, neither
        token = self.login(self.portal_a)
        response = self.confirm(token, upload, access_token="guess")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(upload.exists())

    def test_x3_a_crafted_post_cannot_confirm_a_form_with_errors(self):
        """The held file is read again at confirmation: a form that has
        errors by then (here held with them) is refused whatever is posted."""
        content = self.filled([self.row(), self.row(product="No Such Router")])
        upload = self.env["rma.unex.application.form.upload"]._hold(
            self.contact_a, "form.xlsx", content
        )
        token = self.login(self.portal_a)
        response = self.confirm(token, upload)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Row 8, column A (Product model)", response.text)
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("partner_id", "=", self.contact_a.id)]
            ),
            0,
        )
        self.assertTrue(upload.exists())


class TestApplicationFormWizard(ApplicationFormCommon):
    """Sales upload a customer's form: previewed, then added or created."""

    def wizard(self, content, **defaults):
        """The wizard as the buttons open it (their context), file chosen."""
        context = {f"default_{k}": v.id for k, v in defaults.items()}
        Wizard = self.env["rma.unex.application.form.wizard"].with_user(self.sales)
        return Wizard.with_context(**context).create(
            {"form_file": base64.b64encode(content), "form_filename": "form.xlsx"}
        )

    def test_p7_2_wizard_adds_the_rows_to_the_request(self):
        ticket = self.make_ticket()
        wizard = self.wizard(self.filled([self.row(self.lot_2)]), ticket_id=ticket)
        self.assertEqual(wizard.partner_id, self.contact_a)
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        self.assertFalse(wizard.has_errors)
        self.assertIn(self.lot_2.name, wizard.preview_html)
        self.assertEqual(len(ticket.device_ids), 1, "nothing before confirming")
        action = wizard.action_confirm()
        self.assertEqual(action["res_id"], ticket.id)
        self.assertEqual(ticket.device_ids.lot_id, self.lot | self.lot_2)

    def test_p7_2_wizard_on_a_customer_creates_a_request(self):
        wizard = self.wizard(self.filled([self.row()]), partner_id=self.customer_a)
        wizard.action_preview()
        before = self.counts()
        with self.assertRaisesRegex(UserError, "data disclaimer"):
            wizard.action_confirm()
        self.assertEqual(self.counts(), before)
        wizard.disclaimer_accepted = True
        action = wizard.action_confirm()
        ticket = self.env["helpdesk.ticket"].browse(action["res_id"])
        self.assertEqual(ticket.partner_id, self.contact_a, "the form's contact")
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.device_ids.lot_id, self.lot)

    def test_x2_wizard_refuses_errors_and_another_customers_form(self):
        ticket = self.make_ticket()
        other = self.filled([self.row(self.lot_2)], partner=self.contact_b)
        wizard = self.wizard(other, ticket_id=ticket)
        wizard.action_preview()
        self.assertTrue(wizard.has_errors)
        self.assertIn("made for another customer", wizard.preview_html)
        with self.assertRaisesRegex(UserError, "made for another customer"):
            wizard.action_confirm()
        wrong = self.filled([self.row()])  # TRTR0001 is on the request already
        wizard = self.wizard(wrong, ticket_id=ticket)
        wizard.action_preview()
        self.assertIn("column B (Serial number)", wizard.preview_html)
        with self.assertRaisesRegex(UserError, "already on this request"):
            wizard.action_confirm()
        self.assertEqual(len(ticket.device_ids), 1)


@tagged("post_install", "-at_install")
class TestApplicationFormTour(ApplicationFormHttpCommon):
    """The customer's way in the browser (headless Chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def publish(self, name, content):
        """The filled form at /web/content/__rma_unex_tour__.<name>, for the
        tour to put in the upload field (test data only)."""
        attachment = self.env["ir.attachment"].create(
            {"name": f"{name}.xlsx", "raw": content, "public": True}
        )
        self.env["ir.model.data"].create(
            {
                "module": "__rma_unex_tour__",
                "name": name,
                "model": "ir.attachment",
                "res_id": attachment.id,
            }
        )

    def test_tour_application_form(self):
        """P7.2: download the form, upload it with an error, see it on its
        row, upload it fixed, confirm: one request with three devices."""
        self.deliver(self.lot)
        third = self.env["stock.lot"].create(
            {"name": "TRTR0003", "product_id": self.product.id}
        )
        form = self.Form._build(self.contact_a)
        rows = [self.row(), self.row(self.lot_2), self.row(third)]
        self.publish("form_fixed", self.fill(form, rows))
        rows[1] = self.row(self.lot_2, mac_address="00:01:A7:ZZ")
        self.publish("form_with_error", self.fill(form, rows))
        self.start_tour(
            "/my/support-requests/new",
            "rma_unex_application_form",
            login=self.portal_a.login,
        )
        ticket = self.env["helpdesk.ticket"].search(
            [("partner_id", "=", self.contact_a.id)]
        )
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.tsr_state, "submitted")
        self.assertEqual(ticket.device_ids.lot_id, self.lot | self.lot_2 | third)
        self.assertFalse(self.held())
