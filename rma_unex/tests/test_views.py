from .common import RmaUnexCommon


class TestViews(RmaUnexCommon):
    """Every role can open the After-Sales views it has a menu for."""

    def test_views_load_for_every_role(self):
        views = [(False, "form"), (False, "list"), (False, "kanban"), (False, "search")]
        for user in (self.fae, self.sales, self.quality, self.manager):
            for model in ("rma.unex.case", "helpdesk.ticket"):
                with self.subTest(user=user.login, model=model):
                    result = self.env[model].with_user(user).get_views(views)
                    self.assertIn("form", result["views"])
        result = (
            self.env["rma.unex.unit"]
            .with_user(self.sales)
            .get_views([(False, "list"), (False, "form"), (False, "search")])
        )
        self.assertIn("list", result["views"])

    def test_buttons_follow_groups(self):
        def buttons(user):
            arch = (
                self.env["rma.unex.case"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            return {name for name in self._BUTTONS if f'name="{name}"' in arch}

        self.assertEqual(
            buttons(self.fae), {"action_view_receipts", "action_view_returns"}
        )
        self.assertIn("action_authorise", buttons(self.sales))
        self.assertNotIn("action_start_repair", buttons(self.sales))
        self.assertIn("action_start_repair", buttons(self.quality))
        self.assertNotIn("action_authorise", buttons(self.quality))
        self.assertEqual(buttons(self.manager), self._BUTTONS)

    _BUTTONS = {
        "action_authorise",
        "action_view_receipts",
        "action_start_evaluation",
        "action_send_quotation",
        "action_confirm_quotation",
        "action_start_repair",
        "action_start_qc",
        "action_pass_qc",
        "action_fail_qc",
        "action_view_returns",
        "action_close",
        "action_resume",
        "action_cancel",
    }

    def test_menus_by_role(self):
        root = self.env.ref("rma_unex.rma_unex_menu_root")
        config = self.env.ref("rma_unex.rma_unex_menu_config")
        for user in (self.fae, self.sales, self.quality, self.manager):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(root.id, visible, user.login)
            self.assertEqual(config.id in visible, user == self.manager, user.login)
        visible = self.env["ir.ui.menu"].with_user(self.stranger)._visible_menu_ids()
        self.assertNotIn(root.id, visible)

    def test_partner_smart_button_counts_the_customers_cases(self):
        self.make_case()
        self.make_case(partner=self.customer_b)
        contact = self.contact_a.with_user(self.sales)
        self.assertEqual(
            contact.rma_case_count, 1, "a contact shows its company's cases"
        )
        action = contact.action_view_rma_cases()
        cases = self.env["rma.unex.case"].search(action["domain"])
        self.assertEqual(cases.partner_id, self.customer_a)

    def test_quality_and_report_views_load(self):
        checks = {
            "rma.unex.unit.report": [
                (False, "graph"),
                (False, "pivot"),
                (False, "search"),
            ],
            "rma.unex.return.rate.report": [(False, "list"), (False, "search")],
            "rma.unex.sla.report": [(False, "pivot"), (False, "search")],
            "rma.unex.ncr": [
                (False, "form"),
                (False, "list"),
                (False, "pivot"),
                (False, "kanban"),
            ],
            "rma.unex.capa": [(False, "form"), (False, "list")],
            "rma.unex.sample.test": [(False, "form"), (False, "list")],
            "rma.unex.recall": [(False, "form"), (False, "list")],
            "rma.unex.supplier.claim": [
                (False, "form"),
                (False, "list"),
                (False, "search"),
            ],
            "rma.unex.service.bulletin": [(False, "form"), (False, "list")],
        }
        for model, views in checks.items():
            for user in (self.fae, self.quality):
                with self.subTest(model=model, user=user.login):
                    result = self.env[model].with_user(user).get_views(views)
                    self.assertEqual(set(result["views"]), {v for _id, v in views})
