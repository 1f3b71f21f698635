"""The customer's pages can be used without seeing them (#15): every control
has a name a screen reader reads out, every image a text alternative, the
page a language, ids are unique, and what changes on its own (a recognised
device, the step shown) is announced. Checked on the HTML the customer gets,
page by page, as the visitor or the portal customer who sees it."""

from collections import Counter

from lxml import html

from odoo.tests import HttpCase

from .test_portal_case_page import CasePageCommon

CONTROLS = "//input[not(@type='hidden')] | //select | //textarea"


class TestPortalAccessibility(CasePageCommon, HttpCase):
    def page(self, url, login=None):
        if login:
            self.authenticate(login, login)
        else:
            self.authenticate(None, None)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.content)

    def control_name(self, doc, control):
        """The accessible name of a form control, as the accessibility tree
        computes it for these cases: aria-label, aria-labelledby, a <label>
        for its id or around it, else its title."""
        if (control.get("aria-label") or "").strip():
            return control.get("aria-label")
        for ref in (control.get("aria-labelledby") or "").split():
            named = doc.get_element_by_id(ref, None)
            if named is not None and named.text_content().strip():
                return named.text_content()
        ident = control.get("id")
        if ident:
            for label in doc.xpath("//label[@for=$id]", id=ident):
                if label.text_content().strip():
                    return label.text_content()
        for label in control.iterancestors("label"):
            if label.text_content().strip():
                return label.text_content()
        return (control.get("title") or "").strip()

    def assertAccessible(self, doc, url):
        root = doc.getroottree().getroot()
        self.assertTrue(root.get("lang"), f"{url}: the page has no language")
        for control in doc.xpath(CONTROLS):
            self.assertTrue(
                self.control_name(doc, control),
                f"{url}: {control.tag} {control.get('name')!r} has no label",
            )
        for image in doc.xpath("//img"):
            self.assertIsNotNone(
                image.get("alt"), f"{url}: image {image.get('src')} has no alt"
            )
        for button in doc.xpath("//button | //a[@role='button'] | //a[@href]"):
            name = (
                button.text_content().strip()
                or button.get("aria-label")
                or button.get("title")
                or "".join(img.get("alt") or "" for img in button.xpath(".//img"))
            )
            self.assertTrue(
                name,
                f"{url}: {button.tag} {button.get('href') or ''} has no text",
            )
        ids = Counter(doc.xpath("//@id"))
        duplicates = [ident for ident, count in ids.items() if count > 1]
        self.assertFalse(duplicates, f"{url}: ids used twice: {duplicates}")

    def test_process_page_for_a_visitor_and_a_customer(self):
        for login in (None, self.portal_a.login):
            doc = self.page("/rma", login)
            self.assertAccessible(doc, "/rma")
            tabs = doc.xpath("//*[@role='tab']")
            self.assertEqual(len(tabs), 7, "the seven steps are tabs")
            for tab in tabs:
                panel = doc.get_element_by_id(tab.get("aria-controls"), None)
                self.assertIsNotNone(panel, "each step opens its panel")
                self.assertEqual(panel.get("role"), "tabpanel")

    def test_status_lookup_and_home(self):
        self.assertAccessible(self.page("/rma/status"), "/rma/status")
        # the home is Odoo's, with the cards of every installed app: ours
        doc = self.page("/my", self.portal_a.login)
        self.assertEqual(doc.getroottree().getroot().get("lang"), "en-US")
        links = doc.xpath(
            "//a[starts-with(@href, '/my/rmas') or @href = '/rma'"
            " or @href = '/my/support-requests/new']"
        )
        self.assertGreaterEqual(len(links), 3)
        for link in links:
            self.assertTrue(link.text_content().strip(), link.get("href"))
        for image in doc.xpath("//img[starts-with(@src, '/rma_unex/')]"):
            self.assertIsNotNone(image.get("alt"), image.get("src"))

    def test_case_page_with_its_action_card(self):
        case = self.quoted_case()
        url = f"/my/rmas/{case.id}"
        doc = self.page(url, self.portal_a.login)
        self.assertAccessible(doc, url)
        card = doc.get_element_by_id("rma_next_action")
        title = doc.get_element_by_id(card.get("aria-labelledby"))
        self.assertIn("sign the quotation", title.text_content())
        current = doc.xpath("//*[@id='rma_steps']//*[@aria-current='step']")
        self.assertEqual(len(current), 1, "one current step, announced as such")

    def test_support_request_form_announces_the_recognised_device(self):
        url = "/my/support-requests/new"
        doc = self.page(url, self.portal_a.login)
        self.assertAccessible(doc, url)
        live = doc.xpath("//*[@aria-live]")
        self.assertTrue(live, "the recognition's answers are announced")
