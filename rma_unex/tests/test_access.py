from odoo import Command
from odoo.exceptions import AccessError

from .common import RmaUnexCommon


class TestAccess(RmaUnexCommon):
    """X2: portal customers see only their own company's records; staff by role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls.env["helpdesk.ticket"].create(
            {"name": "A's ticket", "description": "a", "partner_id": cls.contact_a.id}
        )
        cls.ticket_b = cls.env["helpdesk.ticket"].create(
            {"name": "B's ticket", "description": "b", "partner_id": cls.contact_b.id}
        )
        Case = cls.env["rma.unex.case"]
        cls.case_a = Case.create(
            {
                "partner_id": cls.customer_a.id,
                "unit_ids": [Command.create({"product_id": cls.product.id})],
            }
        )
        cls.case_b = Case.create(
            {
                "partner_id": cls.customer_b.id,
                "unit_ids": [Command.create({"product_id": cls.product.id})],
            }
        )

    def test_x2_portal_user_reads_own_tickets_and_cases_only(self):
        Ticket = self.env["helpdesk.ticket"].with_user(self.portal_a)
        Case = self.env["rma.unex.case"].with_user(self.portal_a)
        Unit = self.env["rma.unex.unit"].with_user(self.portal_a)
        self.assertEqual(Ticket.search([]), self.ticket_a)
        self.assertEqual(Case.search([]), self.case_a)
        self.assertEqual(Unit.search([]), self.case_a.unit_ids)
        self.ticket_a.with_user(self.portal_a).read(["name"])
        self.case_a.with_user(self.portal_a).read(["name", "state"])
        for record in (self.ticket_b, self.case_b, self.case_b.unit_ids):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.portal_a).read(["display_name"])

    def test_x2_portal_user_cannot_write_or_create(self):
        with self.assertRaises(AccessError):
            self.case_a.with_user(self.portal_a).write({"description": "hack"})
        with self.assertRaises(AccessError):
            self.case_b.with_user(self.portal_a).write({"description": "hack"})
        with self.assertRaises(AccessError):
            self.env["rma.unex.case"].with_user(self.portal_a).create(
                {"partner_id": self.customer_a.id}
            )
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.portal_a).write({"name": "hack"})
        self.assertEqual(self.ticket_b.name, "B's ticket")

    def test_x2_following_another_customers_ticket_grants_nothing(self):
        self.ticket_b.message_subscribe(partner_ids=self.contact_a.ids)
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.portal_a).read(["name"])

    def test_x2_internal_user_without_rma_group_sees_no_case(self):
        with self.assertRaises(AccessError):
            self.env["rma.unex.case"].with_user(self.stranger).search([])
        with self.assertRaises(AccessError):
            self.case_a.with_user(self.stranger).read(["name"])
        with self.assertRaises(AccessError):
            self.env["rma.unex.unit"].with_user(self.stranger).search([])

    def test_roles_read_cases_only_managers_configure(self):
        for user in (self.fae, self.sales, self.quality, self.manager):
            with self.subTest(user=user.login):
                self.assertIn(
                    self.case_a, self.env["rma.unex.case"].with_user(user).search([])
                )
        reason = self.env.ref("rma_unex.return_reason_defective")
        with self.assertRaises(AccessError):
            reason.with_user(self.sales).write({"name": "x"})
        reason.with_user(self.manager).write({"name": "Faulty"})
        self.assertEqual(reason.name, "Faulty")

    def test_multi_company_isolation(self):
        company_2 = self.env["res.company"].create({"name": "Unex Europe"})
        customer = self.env["res.partner"].create(
            {"name": "EU Customer", "is_company": True, "company_id": company_2.id}
        )
        case_2 = (
            self.env["rma.unex.case"]
            .with_company(company_2)
            .create(
                {
                    "partner_id": customer.id,
                    "company_id": company_2.id,
                    "unit_ids": [Command.create({"product_id": self.product.id})],
                }
            )
        )
        self.assertEqual(case_2.unit_ids.company_id, company_2)
        Case = self.env["rma.unex.case"].with_user(self.manager)
        self.assertNotIn(case_2, Case.search([]))
        with self.assertRaises(AccessError):
            case_2.with_user(self.manager).read(["name"])
        with self.assertRaises(AccessError):
            case_2.unit_ids.with_user(self.manager).read(["product_id"])
        # A user of both companies sees each company's cases in its context.
        self.manager.write({"company_ids": [Command.link(company_2.id)]})
        both = Case.with_context(allowed_company_ids=[self.company.id, company_2.id])
        self.assertIn(case_2, both.search([]))
        self.assertIn(self.case_a, both.search([]))
