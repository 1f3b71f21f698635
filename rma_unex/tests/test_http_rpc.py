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

    def _guarded_records(self):
        """One record of every model with guarded fields, and who may write it."""
        case = self.make_case()
        unit = case.unit_ids
        Quality = self.env(user=self.quality)
        lab = self.env["res.partner"].create({"name": "Lab"})
        job = (
            self.env["rma.unex.job"]
            .with_user(self.manager)
            ._rma_queue("register", case, "Register")
        )
        return {
            "rma.unex.case": (case, self.sales),
            "rma.unex.unit": (unit, self.sales),
            "helpdesk.ticket": (self.make_ticket(), self.fae),
            "rma.unex.ncr": (
                Quality["rma.unex.ncr"].create({"description": "<p>x</p>"}),
                self.quality,
            ),
            "rma.unex.capa": (
                Quality["rma.unex.capa"].create({"title": "x"}),
                self.quality,
            ),
            "rma.unex.supplier.claim": (
                Quality["rma.unex.supplier.claim"].create({"supplier_id": lab.id}),
                self.quality,
            ),
            "rma.unex.recall": (
                Quality["rma.unex.recall"].create(
                    {"name": "x", "product_ids": self.product.ids, "reason": "<p>x</p>"}
                ),
                self.quality,
            ),
            "rma.unex.sample.test": (
                Quality["rma.unex.sample.test"].create(
                    {"unit_id": unit.id, "lab_id": lab.id}
                ),
                self.quality,
            ),
            "rma.unex.job": (job.sudo(), self.manager),
        }

    def test_x3_no_state_is_written_directly_over_rpc(self):
        """On every model with a lifecycle, a user allowed to edit the record
        cannot write its state directly over JSON-RPC, nor with a forged
        context, nor create a record in another state: the state changes
        through the model's actions only (X1, X3)."""
        records = self._guarded_records()
        mixin = self.env.registry["rma.unex.guarded.mixin"]
        guarded = {
            name
            for name, Model in self.env.registry.items()
            if not Model._abstract and issubclass(Model, mixin)
        }
        self.assertEqual(set(records), guarded, "a guarded model has no check here")
        for model, (record, user) in records.items():
            Model = self.env[model]
            field = Model._fields[Model._rma_state_field]
            if field.related:
                field = Model._fields["is_rejected"]  # a unit's own guarded field
                other = True
            else:
                states = [s for s, _label in field._description_selection(self.env)]
                other = next(s for s in reversed(states) if s != record[field.name])
            before = record[field.name]
            self.assertTrue(record.with_user(user).has_access("write"), model)
            self.authenticate(user.login, user.login)
            for context in ({}, {"rma_unex_service": True}):
                with self.subTest(model=model, context=context):
                    error = self._call_error(
                        model,
                        "write",
                        [record.ids, {field.name: other}],
                        {"context": context},
                    )
                    self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
                    record.invalidate_recordset()
                    self.assertEqual(record[field.name], before)

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
