from datetime import date, datetime, timedelta

from freezegun import freeze_time

from .common import RmaUnexCommon


class TestServiceLevel(RmaUnexCommon):
    """P1.5 / P7.3: deadlines in plain or working hours, met / missed, warnings."""

    def test_p1_5_deadline_in_plain_and_working_hours(self):
        # Friday 2026-03-06 16:00 UTC; the default schedule is Mon-Fri 8-17 (UTC here).
        self.company.resource_calendar_id.tz = "UTC"
        with freeze_time("2026-03-06 16:00:00"):
            plain = self.make_ticket()
        self.assertEqual(plain.response_deadline, datetime(2026, 3, 7, 16, 0))
        self.company.rma_response_basis = "calendar"
        self.company.rma_response_hours = 8
        with freeze_time("2026-03-06 16:00:00"):
            working = self.make_ticket()
            case = self.make_case()
        # 1 h on Friday (16-17), then 7 working hours from Monday 8:00
        # (with the lunch break of the default schedule: 8-12, 13-16).
        self.assertEqual(working.response_deadline, datetime(2026, 3, 9, 16, 0))
        self.assertEqual(case.response_deadline, working.response_deadline)

    def test_p1_5_first_response_met_or_missed(self):
        with freeze_time("2026-03-02 09:00:00"):
            on_time = self.make_ticket()
            late = self.make_ticket()
        with freeze_time("2026-03-02 20:00:00"):
            on_time.with_user(self.fae).message_post(
                body="Please send logs",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        with freeze_time("2026-03-03 10:00:00"):
            self.assertEqual(late.response_status, "overdue")
            late.with_user(self.fae).message_post(
                body="Sorry for the wait",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(on_time.response_result, "met")
        self.assertEqual(late.response_result, "missed")
        self.assertEqual(late.response_status, "missed")

    def test_p1_5_warning_cron_before_the_deadline(self):
        with freeze_time("2026-03-02 09:00:00"):
            ticket = self.make_ticket(user_id=self.fae.id)
        Ticket = self.env["helpdesk.ticket"]
        with freeze_time("2026-03-03 04:00:00"):
            Ticket._cron_response_warnings()
        self.assertFalse(ticket.response_warning_sent, "5 hours left: no warning yet")
        with freeze_time("2026-03-03 05:30:00"):
            Ticket._cron_response_warnings()
        self.assertTrue(ticket.response_warning_sent)
        activity = ticket.activity_ids.filtered(
            lambda a: "First response due" in a.summary
        )
        self.assertEqual(activity.user_id, self.fae)
        with freeze_time("2026-03-03 06:30:00"):
            Ticket._cron_response_warnings()
        self.assertEqual(
            len(
                ticket.activity_ids.filtered(
                    lambda a: "First response due" in a.summary
                )
            ),
            1,
            "warned once",
        )

    def test_p7_3_hit_rate_per_team_and_month(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "EMEA support"})
        with freeze_time("2026-03-02 09:00:00"):
            tickets = [self.make_ticket(team_id=team.id) for _i in range(4)]
        with freeze_time("2026-03-02 12:00:00"):
            for ticket in tickets[:3]:
                ticket.with_user(self.fae).message_post(
                    body="On it",
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
        with freeze_time("2026-03-04 12:00:00"):
            tickets[3].with_user(self.fae).message_post(
                body="Late", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self.env.flush_all()
            groups = self.env["rma.unex.sla.report"]._read_group(
                [("team_id", "=", team.id)],
                ["date_submitted:month"],
                ["hit_rate:avg", "__count"],
            )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0][1], 75.0)
        self.assertEqual(groups[0][2], 4)


class TestDashboards(RmaUnexCommon):
    """M13: figures of a small known data set."""

    def test_m13_return_rate_ntf_rate_and_turnaround(self):
        lots = self.env["stock.lot"].create(
            [{"name": f"DR{i}", "product_id": self.product.id} for i in range(4)]
        )
        for lot in lots:
            self.deliver(lot, date=date.today() - timedelta(days=200))
        with freeze_time(datetime.now() - timedelta(days=10)):
            case = self.authorise(self.make_case(lots=lots[:2]))
            self.validate(self.pickings(case, "incoming"))
        case.with_user(self.quality).action_start_evaluation()
        ntf, paid = case.unit_ids
        self.analyse(case.unit_ids)
        self.decide(ntf, "ntf")
        self.decide(paid, "return_unrepaired")
        lots[:2].firmware_version = "7.1.3"
        lots[2:].firmware_version = "7.2.0"
        self.env.flush_all()
        Rate = self.env["rma.unex.return.rate.report"]
        product_row = Rate.search(
            [("product_id", "=", self.product.id), ("level", "=", "product")]
        )
        self.assertEqual(product_row.delivered_qty, 4)
        self.assertEqual(product_row.returned_qty, 2)
        self.assertEqual(product_row.return_rate, 50.0)
        lot_row = Rate.search([("lot_id", "=", lots[0].id)])
        self.assertEqual(
            (lot_row.delivered_qty, lot_row.returned_qty, lot_row.return_rate),
            (1, 1, 100.0),
        )
        firmware_rows = Rate.search(
            [("product_id", "=", self.product.id), ("level", "=", "firmware")]
        )
        rates = {
            r.firmware_version: (r.delivered_qty, r.returned_qty, r.return_rate)
            for r in firmware_rows
        }
        self.assertEqual(rates, {"7.1.3": (2, 2, 100.0), "7.2.0": (2, 0, 0.0)})
        Units = self.env["rma.unex.unit.report"]
        [(count, ntf_rate, evaluation_days)] = Units._read_group(
            [("case_id", "=", case.id)],
            [],
            ["unit_count:sum", "ntf_rate:avg", "evaluation_days:avg"],
        )
        self.assertEqual(count, 2)
        self.assertEqual(ntf_rate, 50.0)
        self.assertAlmostEqual(evaluation_days, 0, places=1)
        by_category = Units._read_group(
            [("case_id", "=", case.id)], ["fa_category_id"], ["__count"]
        )
        self.assertEqual(by_category[0][1], 2)
        # dashboards read aggregated rows: grouping needs no per-record query
        self.assertTrue(
            self.env["rma.unex.unit.report"].with_user(self.fae).search_count([])
        )


class TestTurnaroundPerState(RmaUnexCommon):
    def test_m13_days_in_each_state_from_the_state_log(self):
        with freeze_time("2026-03-01 09:00:00"):
            case = self.make_case()
            self.flush_tracking()
        with freeze_time("2026-03-02 09:00:00"):
            self.authorise(case)
            self.flush_tracking()
        with freeze_time("2026-03-05 09:00:00"):
            self.validate(self.pickings(case, "incoming"))
            self.flush_tracking()
        rows = self.env["rma.unex.state.duration.report"].search(
            [("case_id", "=", case.id)]
        )
        days = {row.state: round(row.days, 2) for row in rows}
        self.assertEqual(days, {"sales_review": 1.0, "authorised": 3.0})

    def test_m13_one_row_per_state_whatever_the_users_language(self):
        """A team working in English and Traditional Chinese: the turnaround
        report groups by state code, so each state is one row for everyone
        (it grouped by the label tracked in the language of whoever acted)."""
        self.env["res.lang"]._activate_lang("zh_TW")
        cases = self.env["rma.unex.case"]
        for lot, lang in ((self.lot, "en_US"), (self.lot_2, "zh_TW")):
            # the same steps, by the same people, once in each language
            (self.sales | self.warehouse | self.quality).write({"lang": lang})
            case = self.make_case(lots=lot)
            self.authorise(case)
            self.flush_tracking()
            self.validate(self.pickings(case, "incoming"))
            self.flush_tracking()
            case.with_user(self.quality).action_start_evaluation()
            self.flush_tracking()
            cases |= case
        self.sales.lang = "en_US"
        Report = self.env["rma.unex.state.duration.report"]
        domain = [("case_id", "in", cases.ids)]
        groups = {}
        for user in (self.sales, self.quality):
            rows = Report.with_user(user)._read_group(domain, ["state"], ["__count"])
            groups[user.lang or "en_US"] = dict(rows)
        self.assertEqual(groups["zh_TW"], groups["en_US"])
        self.assertEqual(
            groups["en_US"], {"sales_review": 2, "authorised": 2, "received": 2}
        )
