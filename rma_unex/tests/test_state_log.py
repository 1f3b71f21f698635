"""The state log (X1): one row per state change, in state codes, written by
the lifecycle's one writer, and filled from the chatter's tracking on an
upgrade from a version without it."""

from .common import RmaUnexCommon


class TestStateLog(RmaUnexCommon):
    def _steps(self, case):
        log = self.env["rma.unex.state.log"]._of(case)
        return [(row.state_from, row.state_to) for row in log]

    def _flow_in_two_languages(self):
        self.env["res.lang"]._activate_lang("zh_TW")
        self.warehouse.lang = "zh_TW"
        case = self.make_case()
        self.flush_tracking()  # created in one request, authorised in another
        self.authorise(case)
        self.flush_tracking()
        self.validate(self.pickings(case, "incoming"))  # in Chinese
        self.flush_tracking()
        case.with_user(self.sales)._suspend("Waiting for the customer's photos")
        self.flush_tracking()
        case.with_user(self.sales).action_resume()
        self.flush_tracking()
        return case

    def test_x1_every_transition_is_logged_with_codes(self):
        case = self._flow_in_two_languages()
        log = self.env["rma.unex.state.log"]._of(case)
        self.assertEqual(
            [(row.transition, row.state_from, row.state_to) for row in log],
            [
                ("authorise", "sales_review", "authorised"),
                ("receive", "authorised", "received"),
                ("suspend", "received", "suspended"),
                ("resume", "suspended", "received"),
            ],
        )
        self.assertEqual(log[0].user_id, self.sales)
        self.assertEqual(log[1].user_id, self.warehouse)
        self.assertEqual(set(log.mapped("company_id")), {case.company_id})
        readable = self.env["rma.unex.state.log"].with_user(self.fae)._of(case)
        self.assertEqual(len(readable), 4, "RMA users read the log")

    def test_upgrade_backfills_the_log_from_the_tracking(self):
        """Without a log (an older version), the tracked labels, in English and
        in Chinese, give back the same steps as codes."""
        case = self._flow_in_two_languages()
        written = self._steps(case)
        Log = self.env["rma.unex.state.log"]
        Log.search([("res_model", "=", "rma.unex.case")]).unlink()
        Log._backfill_from_tracking()
        self.assertEqual(self._steps(case), written)
        backfilled = Log._of(case)
        self.assertEqual(set(backfilled.mapped("transition")), {"tracked"})
        self.assertEqual(backfilled[1].user_id, self.warehouse)
        # a second run finds the log there and adds nothing
        count = Log.search_count([])
        Log._backfill_from_tracking()
        self.assertEqual(Log.search_count([]), count)

    def test_portal_history_reads_codes_in_the_readers_language(self):
        case = self._flow_in_two_languages()
        english = [label for label, _date in case._portal_timeline()]
        self.assertEqual(
            english,
            ["Sales Review", "Authorised", "Received", "Suspended", "Received"],
        )
        chinese = case.with_context(lang="zh_TW")._portal_timeline()
        self.assertEqual(chinese[1][0], "已核准")
