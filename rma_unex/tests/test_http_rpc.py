import json

from odoo.tests import HttpCase

from .common import RmaUnexCommon


class TestRpc(RmaUnexCommon, HttpCase):
    """The rules hold over JSON-RPC too, where the client controls the context."""

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _call_error(self, model, method, args, kwargs=None):
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json().get("error", {}).get("data", {})

    def test_x3_protected_fields_cannot_be_forged_over_rpc(self):
        case = self.make_case()
        self.authenticate(self.sales.login, self.sales.login)
        error = self._call_error(
            "rma.unex.case",
            "write",
            [case.ids, {"state": "closed", "name": "RMA-FAKE"}],
            {"context": {"rma_unex_service": True}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
        case.invalidate_recordset()
        self.assertEqual(case.state, "sales_review")
        self.assertFalse(case.name)

    def test_authorise_over_rpc_issues_the_number(self):
        case = self.make_case()
        case._record_charge_agreement(self.contact_a, "email")
        self.authenticate(self.sales.login, self.sales.login)
        self._call("rma.unex.case", "action_authorise", [case.ids])
        case.invalidate_recordset()
        self.assertEqual(case.state, "authorised")
        self.assertTrue(case.name)

    def test_x2_portal_user_cannot_read_other_customers_case_over_rpc(self):
        case_b = self.make_case(partner=self.customer_b)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        error = self._call_error("rma.unex.case", "read", [case_b.ids, ["name"]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        error = self._call_error("rma.unex.case", "action_authorise", [case_b.ids])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
