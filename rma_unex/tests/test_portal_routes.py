"""The routes of the addons rma_unex depends on that a portal user or a
visitor reaches (X2): each one audited in tests/README.md, the holes found
closed here."""

import re
from pathlib import Path

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase

from .common import RmaUnexCommon

# Modules whose portal and public routes were read for sudo() on ids taken
# from the request: rma_unex's dependencies that serve such routes.
AUDITED_MODULES = {
    "account",
    "account_payment",
    "helpdesk_mgmt",
    "payment",
    "portal",
    "repair",
    "report_xlsx",
    "rma_unex",
    "sale",
    "sale_management",
    "sale_stock",
    "stock",
}
README = Path(get_module_path("rma_unex")).parent / "tests" / "README.md"


class TestPortalRoutes(RmaUnexCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.ticket_a = cls._portal_ticket(cls.contact_a)
        cls.ticket_b = cls._portal_ticket(cls.contact_b)

    @classmethod
    def _portal_ticket(cls, contact):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": f"Ticket of {contact.name}",
                "description": "<p>x</p>",
                "partner_id": contact.id,
            }
        )

    def _close(self, ticket_id, stage_id):
        return self.url_open(
            f"/ticket/close?ticket_id={ticket_id}&stage_id={stage_id}",
            allow_redirects=False,
        )

    def test_x2_ticket_close_only_the_customers_own(self):
        """helpdesk_mgmt's /ticket/close read the ticket with sudo: a portal
        user closed any ticket by id. Now another customer's ticket, a wrong
        id or a stage the portal may not use change nothing."""
        self.authenticate(self.portal_a.login, self.portal_a.login)
        stage_b = self.ticket_b.stage_id
        response = self._close(self.ticket_b.id, self.done.id)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.ticket_b.name, response.text)
        self.assertEqual(self.ticket_b.stage_id, stage_b)
        for ticket_id, stage_id in (("x", self.done.id), ("²", "1"), ("", "")):
            with self.subTest(ticket_id=ticket_id):
                self.assertEqual(self._close(ticket_id, stage_id).status_code, 404)
        not_portal = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        self._close(self.ticket_a.id, not_portal.id)
        self.assertNotEqual(self.ticket_a.stage_id, not_portal)
        response = self._close(self.ticket_a.id, self.done.id)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.ticket_a.stage_id, self.done)

    def test_p1_2_generic_ticket_form_leads_to_the_support_request(self):
        """One way in for customers: helpdesk_mgmt's /new/ticket and its post
        /submitted/ticket create no ticket without the P1.2/P1.3 fields."""
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self.url_open("/new/ticket", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith("/my/support-requests/new")
        )
        tickets = self.env["helpdesk.ticket"].search_count([])
        page = self.url_open("/my/support-requests/new")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/submitted/ticket",
            data={"csrf_token": token, "subject": "Generic", "description": "x"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), tickets)
        listing = self.url_open("/my/tickets").text
        self.assertNotIn('action="/new/ticket"', listing)
        self.assertIn('action="/my/support-requests/new"', listing)

    def test_p1_2_a_request_lacking_its_fields_cannot_be_escalated(self):
        """A request whose P1.2 fields were emptied after submission (over RPC,
        or created before the form existed) is not escalated."""
        ticket = self.make_ticket()
        ticket.write({"steps_to_reproduce": False})
        err = self.assertRefused(
            UserError,
            ticket.with_user(self.fae).action_escalate,
            ticket,
            lambda t: (t.tsr_state, len(t.rma_case_ids)),
        )
        self.assertIn("steps to reproduce", str(err))

    def test_x2_delivery_slip_route_on_an_rma_transfer(self):
        """sale_stock's /my/picking/pdf on another customer's RMA receipt, with
        or without a token: refused, never a server error."""
        case = self.authorise(self.make_case(partner=self.customer_b))
        receipt = self.pickings(case, "incoming")
        self.authenticate(self.portal_a.login, self.portal_a.login)
        for query in ("", "?access_token=guess"):
            for route in ("/my/picking/pdf", "/my/picking/return/pdf"):
                with self.subTest(route=route, query=query):
                    response = self.url_open(f"{route}/{receipt.id}{query}")
                    self.assertEqual(response.status_code, 404)

    def test_p4_4_rma_quotation_lines_are_not_edited_on_the_portal(self):
        """sale_management's /update_line_dict and /add_option change a
        quotation on the portal: never an RMA quotation's lines."""
        case = self.receive_and_evaluate(self.make_case(contact_id=self.contact_a.id))
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        self.assertFalse(order._can_be_edited_on_portal())
        self.authenticate(self.portal_a.login, self.portal_a.login)
        line = order.order_line[0]
        self.make_jsonrpc_request(
            f"/my/orders/{order.id}/update_line_dict",
            {"line_id": line.id, "unlink": True, "access_token": order.access_token},
        )
        self.assertTrue(line.exists())

    def test_x2_every_portal_route_is_audited(self):
        """The routes a portal user or a visitor reaches in the audited modules
        are exactly those tests/README.md lists with a verdict."""
        self.assertTrue(README.exists(), f"{README} holds the audit")
        table = README.read_text(encoding="utf-8").split("## Portal routes audited")[1]
        audited = set(re.findall(r"^\| `([^`]+)` \|", table, flags=re.M))
        Http = self.env["ir.http"]
        rules = Http._generate_routing_rules(
            sorted(self.env.registry._init_modules), converters=Http._get_converters()
        )
        reachable = set()
        for url, endpoint in rules:
            module = endpoint.original_endpoint.__module__.split(".")
            if (
                endpoint.routing.get("auth") in ("public", "user", "none")
                and module[:2] == ["odoo", "addons"]
                and module[2] in AUDITED_MODULES
            ):
                reachable.add(url)
        self.assertEqual(reachable - audited, set(), "routes not audited")
        self.assertEqual(audited - reachable, set(), "audited routes that are gone")
