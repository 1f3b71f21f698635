from odoo.tests import HttpCase

from .common import RmaUnexCommon, capture_writes


class TestPortalReadsWriteNothing(RmaUnexCommon, HttpCase):
    """A customer viewing their RMAs writes nothing: the portal links of the
    case, its quotation and its invoice exist from their creation, so many
    sessions reading at once never update the same rows."""

    def _case_with_quotation(self, lot):
        case = self.receive_and_evaluate(
            self.make_case(lots=lot, contact_id=self.contact_a.id)
        )
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        return case

    def _writes_of(self, *urls):
        with capture_writes() as writes:
            for url in urls:
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200, url)
        return writes

    def test_portal_pages_write_nothing_on_first_view(self):
        warm = self._case_with_quotation(self.lot_2)  # assets and templates built once
        case = self._case_with_quotation(self.lot)
        self.assertTrue(case.access_token, "the case's link is made with it")
        self.assertTrue(case.sale_order_ids.access_token, "so is the quotation's")
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self._writes_of("/my/rmas", f"/my/rmas/{warm.id}")
        writes = self._writes_of(
            "/my/rmas",
            f"/my/rmas/{case.id}",
            f"/my/orders/{case.sale_order_ids.id}",
        )
        self.assertEqual(writes, [], "a page view wrote to the database")
        # the check can fail: a document without its token is written on view
        case.sale_order_ids.access_token = False
        self.env.flush_all()
        writes = self._writes_of(f"/my/rmas/{case.id}")
        self.assertTrue(any("sale_order" in w for w in writes), writes)
