from odoo.tests import HttpCase

from .common import RmaUnexCommon


class TestRmaPortal(RmaUnexCommon, HttpCase):
    """X2 on the portal: a customer sees their own RMAs, nobody else's."""

    def test_x2_portal_lists_and_shows_own_rmas_only(self):
        own = self.authorise(self.make_case(contact_id=self.contact_a.id))
        other = self.authorise(self.make_case(partner=self.customer_b))
        self.authenticate(self.portal_a.login, self.portal_a.login)
        home = self.url_open("/my/home")
        self.assertEqual(home.status_code, 200)
        listing = self.url_open("/my/rmas")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(own.name, listing.text)
        self.assertNotIn(other.name, listing.text)
        page = self.url_open(f"/my/rmas/{own.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(own.name, page.text)
        self.assertIn("rma_timeline", page.text)
        self.assertIn("Authorised", page.text)
        self.assertIn(own.unit_ids.display_name, page.text)
        # another customer's RMA by id: back to /my, without its data
        guessed = self.url_open(f"/my/rmas/{other.id}")
        self.assertNotIn(other.name, guessed.text)
        self.assertTrue(guessed.url.endswith("/my"), guessed.url)

    def test_x2_shared_link_with_token_works_without_login(self):
        case = self.authorise(self.make_case())
        anonymous = self.url_open(f"/my/rmas/{case.id}")
        self.assertNotIn(case.name, anonymous.text)
        shared = self.url_open(case.get_portal_url())
        self.assertEqual(shared.status_code, 200)
        self.assertIn(case.name, shared.text)
        wrong = self.url_open(f"/my/rmas/{case.id}?access_token=nope")
        self.assertNotIn(case.name, wrong.text)

    def test_portal_filters_and_pager(self):
        cases = [self.authorise(self.make_case()) for _i in range(3)]
        cases[0].with_user(self.sales).action_cancel()
        self.authenticate(self.portal_a.login, self.portal_a.login)
        closed = self.url_open("/my/rmas?filterby=closed").text
        self.assertIn(cases[0].name, closed)
        self.assertNotIn(cases[1].name, closed)
        opened = self.url_open("/my/rmas?filterby=open").text
        self.assertNotIn(cases[0].name, opened)
        self.assertIn(cases[2].name, opened)
