from lxml import html

from odoo.tests import HttpCase, new_test_user, tagged

from .common import RmaUnexCommon, allow_chromium_more_time, capture_writes

STEP_TEXTS = {
    1: "Device identity",
    2: "field application engineers",
    3: "RMA marking",
    4: "Quotation validity",
    5: "No trouble found",
    6: "Burn-in",
    7: "Repair warranty",
}


class ProcessPageCommon(RmaUnexCommon, HttpCase):
    def page(self, url="/rma"):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response, html.fromstring(response.text)

    def figures(self, tree):
        """{name: text} of the figures the page shows."""
        return {
            node.get("data-figure"): node.text_content().strip()
            for node in tree.xpath("//*[@data-figure]")
        }


class TestProcessPage(ProcessPageCommon):
    """The public RMA process page (/rma): the seven steps of P1-P6 with the
    company's figures (P1.5, P4.1, P4.5, P6.1, M1, M2, M3, M5, M6), for a
    visitor and for a logged-in customer."""

    def test_p1_p6_visitor_sees_seven_steps_and_the_configured_figures(self):
        response, tree = self.page()
        tabs = tree.xpath("//ol[@id='rma_process_steps']//button[@role='tab']")
        self.assertEqual(len(tabs), 7)
        for number, text in STEP_TEXTS.items():
            panel = tree.xpath(f"//section[@id='rma_step_{number}']")
            self.assertEqual(len(panel), 1, number)
            self.assertEqual(panel[0].get("role"), "tabpanel")
            self.assertEqual(panel[0].get("aria-labelledby"), f"rma_step_{number}_tab")
            self.assertIn(text, panel[0].text_content(), number)
        self.assertEqual(
            tree.xpath("//button[@aria-selected='true']/@id"), ["rma_step_1_tab"]
        )
        company = self.env.company
        self.assertEqual(
            self.figures(tree),
            {
                "response_hours": str(company.rma_response_hours),
                "upload_types": ", ".join(
                    t.strip() for t in company.rma_portal_file_types.split(",")
                ),
                "upload_max_mb": str(company.rma_portal_max_upload_mb),
                "authorisation_days": str(company.rma_authorisation_days),
                "warranty_days": str(company.rma_warranty_days),
                "doa_days": str(company.rma_doa_days),
                "quotation_validity_days": str(company.rma_quotation_validity_days),
                "burn_in_hours": str(int(company.rma_burn_in_hours)),
                "repair_warranty_days": str(company.rma_repair_warranty_days),
                "advance_return_days": str(company.rma_advance_return_days),
                "custody_days": str(company.rma_custody_days),
            },
        )
        self.assertIn(company.name, response.text, "the company names itself")
        self.assertNotIn("Unex is not liable", response.text, "no vendor's name")
        # where to start: the support request form; the status lookup and the
        # login for a visitor, who has no RMAs to list and no sales contact
        links = tree.xpath("//div[@id='rma_process_actions']//a/@href")
        self.assertIn("/my/support-requests/new", links)
        self.assertIn("/rma/status", links)
        self.assertIn("/web/login?redirect=/rma", links)
        self.assertNotIn("/my/rmas", links)
        self.assertFalse(tree.xpath("//*[@id='rma_process_sales_contact']"))

    def test_p4_5_figures_follow_the_configuration_at_render_time(self):
        """P4.5, P4.1, P6.1, M2, M5: changed settings show at the next view."""
        self.page()
        self.env.company.write(
            {
                "rma_quotation_validity_days": 45,
                "rma_warranty_days": 365,
                "rma_burn_in_hours": 36.5,
                "rma_authorisation_days": 21,
                "rma_custody_days": 60,
                "rma_response_basis": "calendar",
                "rma_shipping_instructions": "<p>Ship to dock 4 only.</p>",
            }
        )
        _response, tree = self.page()
        figures = self.figures(tree)
        self.assertEqual(figures["quotation_validity_days"], "45")
        self.assertEqual(figures["warranty_days"], "365")
        self.assertEqual(figures["burn_in_hours"], "36.5")
        self.assertEqual(figures["authorisation_days"], "21")
        self.assertEqual(figures["custody_days"], "60")
        self.assertIn(
            "working hours", tree.xpath("//*[@id='rma_step_1']")[0].text_content()
        )
        instructions = tree.xpath("//*[@id='rma_process_shipping_instructions']")
        self.assertIn("Ship to dock 4 only.", instructions[0].text_content())

    def test_p2_3_customer_sees_their_own_sales_representative_only(self):
        """P2.3, X2: the logged-in customer is sent to their RMAs and to their
        own sales representative (their company's salesperson), never to
        another customer's."""
        self.sales.partner_id.phone = "+886 2 1234 5678"
        other_sales = new_test_user(
            self.env,
            "t_sales_b",
            groups="rma_unex.rma_unex_group_sales",
            email="sales.b@x.example",
        )
        self.customer_b.user_id = other_sales
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response, tree = self.page()
        contact = tree.xpath("//*[@id='rma_process_sales_contact']")[0].text_content()
        self.assertIn(self.sales.name, contact)
        self.assertIn("t_sales@x.example", contact)
        self.assertIn("+886 2 1234 5678", contact)
        self.assertNotIn(other_sales.name, response.text)
        self.assertNotIn("sales.b@x.example", response.text)
        links = tree.xpath("//div[@id='rma_process_actions']//a/@href")
        self.assertIn("/my/rmas", links)
        self.assertNotIn("/web/login?redirect=/rma", links)
        # and the other customer sees theirs
        self.authenticate(self.portal_b.login, self.portal_b.login)
        response, _tree = self.page()
        self.assertIn("sales.b@x.example", response.text)
        self.assertNotIn("t_sales@x.example", response.text)

    def test_customer_without_salesperson_is_given_the_company_contact(self):
        self.customer_a.user_id = False
        self.contact_a.user_id = False
        self.env.company.write({"email": "rma@company.example"})
        self.authenticate(self.portal_a.login, self.portal_a.login)
        _response, tree = self.page()
        self.assertFalse(tree.xpath("//*[@id='rma_process_sales_contact']"))
        contact = tree.xpath("//*[@id='rma_process_company_contact']")[0]
        self.assertIn("rma@company.example", contact.text_content())

    def test_process_page_is_linked_from_the_status_lookup(self):
        _response, tree = self.page("/rma/status")
        self.assertEqual(
            tree.xpath("//*[@id='rma_status_process_link']/a/@href"), ["/rma"]
        )

    def test_process_page_writes_nothing_on_get(self):
        self.page()  # assets and templates built once
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.page()
        with capture_writes() as writes:
            self.page()
            self.authenticate(None, None)
            self.page()
        self.assertEqual(writes, [], "the process page wrote to the database")

    def test_process_page_queries_do_not_grow_with_cases(self):
        """A visitor's and a customer's view cost a fixed number of queries,
        whatever the number of RMAs."""

        def queries():
            self.page()  # warm the caches
            return self.count_queries(self.page)

        visitor = queries()
        self.authenticate(self.portal_a.login, self.portal_a.login)
        customer = queries()
        for _i in range(5):
            self.authorise(self.make_case())
        self.authenticate(None, None)
        self.assertEqual(queries(), visitor)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.assertEqual(queries(), customer)
        self.assertLessEqual(visitor, 15, "a visitor's view stays cheap")


@tagged("post_install", "-at_install")
class TestProcessPageTours(ProcessPageCommon):
    """The diagram in Chromium: each step opens its own text (Bootstrap tabs)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def test_tour_visitor_clicks_every_step(self):
        self.start_tour("/rma", "rma_unex_process_page")

    def test_tour_customer_clicks_every_step(self):
        self.start_tour("/rma", "rma_unex_process_page", login=self.portal_a.login)

    def test_tour_p4_5_changed_figures_are_shown(self):
        self.env.company.write(
            {
                "rma_quotation_validity_days": 45,
                "rma_warranty_days": 365,
                "rma_burn_in_hours": 48,
            }
        )
        self.start_tour("/rma", "rma_unex_process_page_figures")


@tagged("post_install", "-at_install")
class TestProcessPageOnPhone(ProcessPageCommon):
    """The page at 375 px, the width of a small phone."""

    browser_size = "375x812"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def test_tour_phone_width_stacks_steps_without_overflow(self):
        self.start_tour("/rma", "rma_unex_process_page_phone")
