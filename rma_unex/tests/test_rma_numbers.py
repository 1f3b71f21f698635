from datetime import date

from freezegun import freeze_time

from odoo import Command

from .common import RmaUnexCommon


class TestRmaNumbers(RmaUnexCommon):
    """P3.1: unique, increasing, never reused; one yearly sequence per company,
    a standard (PostgreSQL) sequence that no authorisation waits on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Vendor Asia"})
        cls.company_b.partner_id.tz = "Asia/Taipei"
        cls.Sequence = cls.env["ir.sequence"]

    def numbers(self, company, count, day):
        sequence = self.Sequence._rma_case_sequence(company)
        return sequence._rma_next_batch(count, day)

    def test_p3_1_a_new_company_gets_its_yearly_sequence(self):
        sequence = self.Sequence.search(
            [("code", "=", "rma.unex.case"), ("company_id", "=", self.company_b.id)]
        )
        self.assertEqual(len(sequence), 1)
        self.assertEqual(sequence.implementation, "standard")
        self.assertTrue(sequence.use_date_range)
        self.assertEqual(sequence.prefix, "RMA%(range_y)s-")
        own = self.Sequence.search(
            [("code", "=", "rma.unex.case"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(own), 1, "the installed company has its own too")
        self.assertFalse(
            self.Sequence.search(
                [("code", "=", "rma.unex.case"), ("company_id", "=", False)]
            ),
            "no sequence shared by the companies",
        )

    def test_p3_1_each_company_counts_on_its_own_and_restarts_each_year(self):
        self.assertEqual(
            self.numbers(self.company_b, 2, date(2026, 12, 31)),
            ["RMA26-00001", "RMA26-00002"],
        )
        ours = self.numbers(self.company, 1, date(2026, 12, 31))
        self.assertNotIn(ours[0], ("RMA26-00003",), "company B's count is its own")
        self.assertEqual(
            self.numbers(self.company_b, 2, date(2027, 1, 1)),
            ["RMA27-00001", "RMA27-00002"],
        )
        self.assertEqual(
            self.numbers(self.company_b, 1, date(2026, 12, 31)),
            ["RMA26-00003"],
            "a late number of the old year continues the old year",
        )
        ranges = self.Sequence._rma_case_sequence(self.company_b).date_range_ids
        self.assertEqual(
            sorted((r.date_from, r.date_to) for r in ranges),
            [
                (date(2026, 1, 1), date(2026, 12, 31)),
                (date(2027, 1, 1), date(2027, 12, 31)),
            ],
        )

    def test_p3_1_the_year_is_the_company_s_at_authorisation(self):
        """Past midnight of 31 December in Taipei the number is of the new
        year, though it is still the old one in UTC."""
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_b.id)], limit=1
        )
        self.assertTrue(warehouse.rma_unex_in_type_id, "company B can receive RMAs")
        customer = self.env["res.partner"].create(
            {"name": "Taipei customer", "company_id": self.company_b.id}
        )
        sales = self.sales
        sales.company_ids |= self.company_b
        case = (
            self.env["rma.unex.case"]
            .with_company(self.company_b)
            .create(
                {
                    "partner_id": customer.id,
                    "company_id": self.company_b.id,
                    "unit_ids": [Command.create({"product_id": self.product.id})],
                }
            )
        )
        case._record_charge_agreement(customer, "phone")
        with freeze_time("2026-12-31 16:30:00"):
            case.with_user(sales).with_company(self.company_b).action_authorise()
        self.assertEqual(case.name, "RMA27-00001")
        self.assertEqual(case.state, "authorised")
