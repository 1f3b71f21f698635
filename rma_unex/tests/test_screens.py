"""Every role, every screen, every state (X2, X3): the product as its users
meet it in the web client, found from the database (menus, actions, views,
buttons), not from a list written here. See screens.py for the walk."""

import html
import json
import re
from collections import deque
from urllib.parse import parse_qsl, quote, urlsplit

from lxml import etree

from odoo import Command, fields
from odoo.tests import HttpCase

from .common import RmaUnexCommon, allow_chromium_more_time
from .screens import SUMMARY, ScreenWalker, possible_visibility


class ScreensCommon(RmaUnexCommon):
    """Records in every state of every stateful model, for every role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._user("t_accountant", "account.group_account_invoice")
        cls.roles = {
            "FAE": cls.fae,
            "sales": cls.sales,
            "quality": cls.quality,
            "RMA manager": cls.manager,
            "warehouse": cls.warehouse,
            "accounting": cls.accountant,
        }
        cls._quality_records()
        cls._jobs()

    def _in_scope(self):
        """After-Sales and its children, and every menu elsewhere whose
        action is the addon's."""
        data = self.env["ir.model.data"].search(
            [("module", "=", "rma_unex"), ("model", "like", "ir.actions.%")]
        )
        ours = {f"{d.model},{d.res_id}" for d in data}

        def in_scope(xmlid, action):
            return xmlid == "rma_unex.rma_unex_menu_root" or action in ours

        return in_scope

    @classmethod
    def _quality_records(cls):
        """NCR, CAPA, supplier claims, recalls and sample tests in the states
        the demo data leaves out, made through their actions."""
        env = cls.env
        unit = env["rma.unex.unit"].search([("case_state", "=", "evaluation")], limit=1)
        quality = env(user=cls.quality)
        ncr = quality["rma.unex.ncr"].create(
            {"description": "<p>Open NCR</p>", "unit_ids": [Command.set(unit.ids)]}
        )
        capa = quality["rma.unex.capa"].create(
            {
                "title": "Closed CAPA",
                "ncr_ids": [Command.link(ncr.id)],
                "why_1": "Cold joint",
                "action_ids": [
                    Command.create(
                        {
                            "description": "Reflow profile",
                            "user_id": cls.quality.id,
                            "date_due": fields.Date.today(),
                        }
                    )
                ],
            }
        )
        capa.action_ids.action_done()
        capa.action_request_verification()
        capa._verify_effectiveness("effective", "No failure in 3 months")
        capa.action_close()
        supplier = env["res.partner"].create({"name": "Original Factory"})
        claims = quality["rma.unex.supplier.claim"].create(
            [
                {
                    "supplier_id": supplier.id,
                    "supplier_rma_ref": ref,
                    "unit_ids": unit.ids,
                }
                for ref in ("F-DRAFT", "F-CLAIMED", "F-REJECTED", "F-RECOVERED")
            ]
        )
        claims[1:].action_claim()
        claims[2].action_reject()
        claims[3].credit_note_id = cls._vendor_credit_note(supplier)
        claims[3].action_register_credit()
        product = env.ref("rma_unex.product_router_wifi7", raise_if_not_found=False)
        product = product or unit.product_id
        recalls = quality["rma.unex.recall"].create(
            [
                {"name": name, "product_ids": product.ids, "reason": "<p>PSU</p>"}
                for name in ("Draft recall", "Done recall")
            ]
        )
        lab = env["res.partner"].create({"name": "Test Lab"})
        samples = quality["rma.unex.sample.test"].create(
            [{"unit_id": unit.id, "lab_id": lab.id} for _i in range(2)]
        )
        samples[1]._record_result("Cracked solder ball under U3")
        # a done recall, without launching it (that opens cases everywhere)
        recalls[1].sudo()._rma_service_write({"state": "done"})

    @classmethod
    def _vendor_credit_note(cls, supplier):
        credit = cls.env["account.move"].create(
            {
                "move_type": "in_refund",
                "partner_id": supplier.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create({"name": "Recovered repair", "price_unit": 80.0})
                ],
            }
        )
        credit.action_post()
        return credit

    @classmethod
    def _jobs(cls):
        """A background job in every state for every role (users see their own)."""
        case = cls.env["rma.unex.case"].search([], limit=1)
        Job = cls.env["rma.unex.job"]
        for user in cls.roles.values():
            for state, _label in Job._fields["state"].selection:
                job = Job.with_user(user).sudo()._rma_queue("register", case, state)
                job._rma_service_write({"state": state})


class TestScreensByRole(ScreensCommon):
    def test_records_in_every_state(self):
        """The walk below meets every state of every stateful model: the models
        with the guarded mixin, whose state field is named on the model."""
        mixin = self.env.registry["rma.unex.guarded.mixin"]
        stateful = [
            Model
            for Model in self.env.registry.values()
            if not Model._abstract and issubclass(Model, mixin)
        ]
        self.assertGreaterEqual(len(stateful), 9)
        for Model in stateful:
            records = self.env[Model._name]
            field = Model._fields[Model._rma_state_field]
            for state, _label in field._description_selection(self.env):
                with self.subTest(model=Model._name, state=state):
                    self.assertTrue(records.search_count([(field.name, "=", state)]))

    def _transitions(self):
        """{model: (button, record values, in header) -> allowed?} for every
        model with a lifecycle: a header button of a transition, or any button
        of an action, is allowed in the states of its table."""
        mixin = self.env.registry["rma.unex.guarded.mixin"]
        checks = {}
        for name, Model in self.env.registry.items():
            if Model._abstract or not issubclass(Model, mixin):
                continue
            checks[name] = self._allows(self.env[name])
        return checks

    def _allows(self, Model):
        def allows(button, values, in_header):
            state = values.get(Model._rma_state_field)
            transition = in_header and Model._button_transition(button)
            if transition:
                return state in Model._TRANSITIONS[transition].sources
            action = Model._button_action(button)
            if action:
                return state in Model._ACTIONS[action].states
            return None

        return allows

    def _walk(self, role):
        walker = ScreenWalker(
            self.env(user=self.roles[role]), role, transitions=self._transitions()
        )
        menus = walker.walk(self._in_scope())
        SUMMARY.append(
            f"{role:<12} {len(menus):>3} menus {len(walker.screens):>4} screens "
            f"{len(walker.records):>4} records {walker.buttons:>5} buttons "
            f"{walker.reports:>4} prints {len(walker.failures):>3} failures"
        )
        self.assertTrue(menus, f"{role} sees no After-Sales menu")
        self.assertFalse(walker.failures, "\n\n".join(walker.failures))

    def test_screens_fae(self):
        self._walk("FAE")

    def test_screens_sales(self):
        self._walk("sales")

    def test_screens_quality(self):
        self._walk("quality")

    def test_screens_manager(self):
        self._walk("RMA manager")

    def test_screens_warehouse(self):
        self._walk("warehouse")

    def test_screens_accounting(self):
        self._walk("accounting")


class TestTransitionButtons(RmaUnexCommon):
    """The buttons follow the lifecycle tables: each button of a transition
    or of an action is visible in exactly the states its table allows (the
    views' ``invisible`` evaluated for every state, whatever the other
    fields say)."""

    def _visible_states(self, Model, buttons, states):
        """{table entry: states where one of its buttons can be visible}"""
        visible = {}
        for node, entry in buttons:
            expr = node.get("invisible") or "False"
            for state in states:
                if possible_visibility(expr, Model._rma_state_field, state, {}):
                    visible.setdefault(entry, set()).add(state)
        return visible

    def _arch(self, model, view_type):
        views = self.env[model].with_user(self.manager).get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_case_buttons_follow_the_table(self):
        Case = self.env["rma.unex.case"]
        states = [s for s, _label in Case._fields["state"].selection]
        header = self._arch("rma.unex.case", "form").xpath(
            "//header/button[@type='object']"
        )
        transitions = [
            (node, Case._button_transition(node.get("name"))) for node in header
        ]
        transitions = [(node, t) for node, t in transitions if t]
        visible = self._visible_states(Case, transitions, states)
        for transition, step in Case._TRANSITIONS.items():
            if transition not in visible:
                continue  # taken by documents (quotation, repairs), not a button
            with self.subTest(transition=transition):
                self.assertEqual(visible[transition], set(step.sources))
        self.assertGreaterEqual(len(visible), 12, "most transitions have a button")
        actions = [(node, Case._button_action(node.get("name"))) for node in header]
        visible = self._visible_states(Case, [(n, a) for n, a in actions if a], states)
        self.assertEqual(set(visible), set(Case._ACTIONS), "every action has a button")
        for action, step in Case._ACTIONS.items():
            with self.subTest(action=action):
                self.assertEqual(visible[action], set(step.states))

    def test_every_lifecycle_button_follows_its_table(self):
        """The header buttons of the form of every model with a lifecycle
        (support request, NCR, CAPA, claim, recall, sample test, job)."""
        mixin = self.env.registry["rma.unex.guarded.mixin"]
        checked = 0
        for name, Model in self.env.registry.items():
            if (
                Model._abstract
                or not issubclass(Model, mixin)
                or not Model._TRANSITIONS
            ):
                continue
            records = self.env[name]
            field = records._fields[records._rma_state_field]
            states = [s for s, _label in field._description_selection(self.env)]
            header = self._arch(name, "form").xpath("//header/button[@type='object']")
            steps = [(n, records._button_transition(n.get("name"))) for n in header]
            visible = self._visible_states(
                records, [(n, t) for n, t in steps if t], states
            )
            for transition, states_shown in visible.items():
                with self.subTest(model=name, transition=transition):
                    sources = set(records._TRANSITIONS[transition].sources)
                    self.assertEqual(states_shown, sources)
                    checked += 1
        self.assertGreaterEqual(checked, 20)

    def test_unit_buttons_follow_the_table(self):
        """The unit buttons of the case form's unit list and of the unit views,
        against the unit's table of actions by the state of its case."""
        Unit = self.env["rma.unex.unit"]
        states = [
            s for s, _label in self.env["rma.unex.case"]._fields["state"].selection
        ]
        nodes = self._arch("rma.unex.case", "form").xpath(
            "//field[@name='unit_ids']/list/button[@type='object']"
        )
        for view_type in ("list", "form"):
            nodes += self._arch("rma.unex.unit", view_type).xpath(
                "//button[@type='object']"
            )
        buttons = [(node, Unit._button_action(node.get("name"))) for node in nodes]
        unmapped = {node.get("name") for node, action in buttons if not action}
        self.assertFalse(unmapped, "unit buttons outside the table of actions")
        visible = self._visible_states(Unit, buttons, states)
        for action, step in Unit._ACTIONS.items():
            if action not in visible:
                continue  # done through another model's form (NTF waiver)
            with self.subTest(action=action):
                self.assertEqual(visible[action], set(step.states))
        self.assertGreaterEqual(len(visible), 6)


class TestPortalScreens(RmaUnexCommon, HttpCase):
    """The customer's side: from the portal home, every link of the portal
    followed (breadth first, bounded), as a portal customer with cases in
    every state, support requests in every state and RMA quotations."""

    PREFIXES = ("/my", "/rma", "/report/")
    SKIP = ("/my/deactivate_account", "/web/session/logout", "/mail/")
    LIMIT = 400

    def _customer_records(self):
        Case = self.env["rma.unex.case"]
        lots = self.env["stock.lot"].create(
            [
                {"name": f"TPORTAL{i:03}", "product_id": self.product.id}
                for i in range(len(Case._fields["state"].selection))
            ]
        )
        for (state, _label), lot in zip(
            Case._fields["state"].selection, lots, strict=True
        ):
            case = self.make_case(lots=lot, contact_id=self.contact_a.id)
            self.put_in_state(case, state)
        quoted = self.receive_and_evaluate(self.make_case(contact_id=self.contact_a.id))
        self.analyse(quoted.unit_ids)
        self.decide(quoted.unit_ids, "paid_repair")
        quoted.with_user(self.sales).action_send_quotation()
        tickets = self.env["helpdesk.ticket"]
        for _state in range(3):
            tickets |= self.make_ticket(partner_id=self.contact_a.id)
        tickets[1].with_user(self.fae).write({"remote_fix_type": "software_update"})
        tickets[1].with_user(self.fae).action_resolve_remotely()
        tickets[2].with_user(self.fae).action_escalate()
        self.make_ticket(submit=False, partner_id=self.contact_a.id)
        # what the customer must never see: another customer's RMA
        self.authorise(self.make_case(partner=self.customer_b, lots=self.lot_2))

    def _links(self, text):
        for link in re.findall(r'href="([^"#]+)"', text):
            link = html.unescape(link)
            path = urlsplit(link)
            if path.netloc and path.netloc != urlsplit(self.base_url()).netloc:
                continue
            url = path.path + (f"?{path.query}" if path.query else "")
            if not url.startswith(self.PREFIXES) or url.startswith(self.SKIP):
                continue
            # documents as HTML: the same controller and rules, no PDF engine
            yield url.replace("report_type=pdf", "report_type=html")

    def _walk_portal(self, login, customer, forbidden):
        """Follow every link from the portal home as ``login``; every page
        answers 200, none shows ``forbidden``; every case of ``customer``
        was met. Returns the summary line."""
        self.authenticate(login, login)
        queue, seen, failures = deque(["/my", "/my/home", "/rma/status"]), set(), []
        forbidden = (*forbidden, "Traceback")
        while queue and len(seen) < self.LIMIT:
            url = queue.popleft()
            # a page once per set of parameters: sorting, filtering and
            # grouping a list are screens, each of their values is not
            parts = urlsplit(url)
            key = (parts.path, frozenset(k for k, _v in parse_qsl(parts.query)))
            if key in seen:
                continue
            seen.add(key)
            response = self.url_open(url, timeout=60)
            if response.status_code != 200:
                failures.append(f"{url}: HTTP {response.status_code}")
                continue
            if "html" not in response.headers.get("Content-Type", ""):
                continue
            failures += [f"{url}: shows “{s}”" for s in forbidden if s in response.text]
            queue.extend(self._links(response.text))
        self.assertLess(len(seen), self.LIMIT, "the walk did not end: raise LIMIT")
        cases = self.env["rma.unex.case"].search([("partner_id", "=", customer.id)])
        paths = {path for path, _params in seen}
        for case in cases:
            self.assertIn(f"/my/rmas/{case.id}", paths, f"{case.display_name} not met")
        SUMMARY.append(
            f"{login:<12} {len(seen):>4} pages walked, {len(cases)} cases "
            f"{len(failures):>3} failures"
        )
        self.assertFalse(failures, "\n".join(failures))

    def test_portal_customer_walks_every_page(self):
        self._customer_records()
        self._walk_portal(
            self.portal_a.login,
            self.customer_a,
            (self.customer_b.name, self.contact_b.name),
        )

    def test_portal_demo_customers_walk_every_page(self):
        """The demo's customers, whose cases went the whole real way (repairs,
        invoices, replacements), in English and in Traditional Chinese."""
        customers = {
            "lumen": self.env.ref("rma_unex.demo_partner_lumen"),
            "formosa": self.env.ref("rma_unex.demo_partner_formosa"),
        }
        others = self.env.ref("rma_unex.demo_partner_harbor")
        for login, customer in customers.items():
            foreign = others | (customers["lumen"] | customers["formosa"]) - customer
            with self.subTest(login=login):
                self._walk_portal(login, customer, tuple(foreign.mapped("name")))


class TestScreensInChromium(ScreensCommon, HttpCase):
    """The same walk in the real web client, as each role: every action of
    the menus the user sees, each of its view types and its first record,
    and the forms of cases and support requests in every state. What Python
    cannot see fails here: an error of the web client itself, a widget that
    reads a field the role cannot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_chromium_more_time(cls)

    def _plan(self, user):
        walker = ScreenWalker(self.env(user=user), "plan")
        actions = {}
        for _label, reference in walker.menus(self._in_scope()):
            model, action_id = reference.split(",")
            if model == "ir.actions.act_window":
                # sudo: the action's view modes, as /web/action/load reads them
                modes = self.env[model].sudo().browse(int(action_id)).view_mode
                modes = modes.split(",")
                actions[int(action_id)] = [
                    [m for m in modes if m != "form"],
                    "form" in modes,
                ]
        records = []
        for model in ("rma.unex.case", "helpdesk.ticket"):
            Model = self.env[model].with_user(user)
            if Model.has_access("read"):
                records.append([model, walker.sample_records(Model, []).ids])
        return {
            "actions": [[key, *value] for key, value in sorted(actions.items())],
            "records": records,
        }

    def _walk(self, role):
        user = self.roles[role]
        plan = self._plan(user)
        self.assertTrue(plan["actions"], f"{role} sees no After-Sales action")
        self.start_tour(
            "/odoo",
            "rma_unex_walk_screens",
            login=user.login,
            timeout=600,
            cookies={"rma_unex_walk": quote(json.dumps(plan))},
        )
        forms = sum(len(ids) for _model, ids in plan["records"])
        SUMMARY.append(
            f"{role:<12} {len(plan['actions']):>3} actions and {forms:>3} forms "
            "opened in Chromium"
        )

    def test_chromium_fae(self):
        self._walk("FAE")

    def test_chromium_sales(self):
        self._walk("sales")

    def test_chromium_quality(self):
        self._walk("quality")

    def test_chromium_manager(self):
        self._walk("RMA manager")

    def test_chromium_warehouse(self):
        self._walk("warehouse")

    def test_chromium_accounting(self):
        self._walk("accounting")
