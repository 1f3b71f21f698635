import contextlib
import re
import unittest
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.sql_db import Cursor
from odoo.tests import TransactionCase, common, new_test_user

WRITE = re.compile(r"^\s*(UPDATE|INSERT|DELETE)\b", re.IGNORECASE)


@contextlib.contextmanager
def capture_writes():
    """The first line of every UPDATE, INSERT or DELETE run inside the block,
    by any cursor: a portal page must write nothing on GET."""
    writes = []
    execute = Cursor.execute

    def logged(cursor, query, params=None, log_exceptions=True):
        text = query.code if hasattr(query, "code") else str(query)
        if WRITE.match(text):
            writes.append(text.split("\n")[0][:120])
        return execute(cursor, query, params, log_exceptions)

    with patch.object(Cursor, "execute", logged):
        yield writes


class RmaUnexCommon(TransactionCase):
    """Users for each role, two customers, serial-tracked devices with MACs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.fae = cls._user("t_fae", "rma_unex.rma_unex_group_user")
        cls.sales = cls._user("t_sales", "rma_unex.rma_unex_group_sales")
        cls.quality = cls._user("t_quality", "rma_unex.rma_unex_group_quality")
        cls.manager = cls._user("t_manager", "rma_unex.rma_unex_group_manager")
        cls.stranger = cls._user("t_stranger", "base.group_user")
        cls.warehouse = cls._user("t_warehouse", "stock.group_stock_user")

        Partner = cls.env["res.partner"]
        cls.customer_a = Partner.create(
            {"name": "Customer A", "is_company": True, "user_id": cls.sales.id}
        )
        cls.contact_a = Partner.create(
            {
                "name": "Alice A",
                "parent_id": cls.customer_a.id,
                "email": "alice@a.example",
            }
        )
        cls.customer_b = Partner.create({"name": "Customer B", "is_company": True})
        cls.contact_b = Partner.create(
            {"name": "Bob B", "parent_id": cls.customer_b.id, "email": "bob@b.example"}
        )
        cls.portal_a = new_test_user(
            cls.env,
            "t_portal_a",
            groups="base.group_portal",
            partner_id=cls.contact_a.id,
        )
        cls.portal_b = new_test_user(
            cls.env,
            "t_portal_b",
            groups="base.group_portal",
            partner_id=cls.contact_b.id,
        )

        cls.product = cls.env["product.product"].create(
            {
                "name": "Test Router",
                "default_code": "T-RTR",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 500.0,
            }
        )
        cls.lot = cls.env["stock.lot"].create(
            {
                "name": "TRTR0001",
                "product_id": cls.product.id,
                "mac_address": "00:01:A7:00:00:01",
            }
        )
        cls.lot_2 = cls.env["stock.lot"].create(
            {
                "name": "TRTR0002",
                "product_id": cls.product.id,
                "mac_address": "00:01:A7:00:00:02",
            }
        )

    @classmethod
    def _user(cls, login, groups):
        return new_test_user(cls.env, login, groups=groups, email=f"{login}@x.example")

    # Builders -----------------------------------------------------------

    def make_ticket(self, submit=True, device=None, **vals):
        """A support request with one device line; ``device`` overrides the
        line's values, ``device_ids`` in ``vals`` replaces the lines."""
        line = {
            "product_id": self.product.id,
            "lot_id": self.lot.id,
            "firmware_version": "7.1.3",
        }
        line.update(device or {})
        values = {
            "name": "Radio dead",
            "description": "<p>The 6 GHz radio stopped.</p>",
            "partner_id": self.contact_a.id,
            "device_ids": [Command.create(line)],
            "steps_to_reproduce": "Enable the 6 GHz SSID; nothing transmits.",
            "disclaimer_accepted": True,
        }
        values.update(vals)
        ticket = self.env["helpdesk.ticket"].create(values)
        if submit:
            ticket.with_user(self.fae).action_submit_tsr()
        return ticket

    def make_case(self, partner=None, lots=None, **vals):
        lots = lots if lots is not None else self.lot
        values = {
            "partner_id": (partner or self.customer_a).id,
            "unit_ids": [
                Command.create({"product_id": lot.product_id.id, "lot_id": lot.id})
                for lot in lots
            ],
        }
        values.update(vals)
        return self.env["rma.unex.case"].create(values)

    def put_in_state(self, case, state):
        """Set the scene for a test: place a case in a state directly."""
        vals = {"state": state}
        if state not in ("sales_review", "cancelled") and not case.name:
            vals["name"] = self.env["ir.sequence"].next_by_code("rma.unex.case")
        if state == "suspended":
            vals["suspended_from_state"] = "repair"
        case._rma_service_write(vals)
        return case

    def deliver(self, lot, partner=None, date=None):
        """Sell and deliver one serial to a customer; backdate the delivery."""
        partner = partner or self.customer_a
        stock = self.env.ref("stock.stock_location_stock")
        self.env["stock.quant"]._update_available_quantity(
            lot.product_id, stock, 1, lot_id=lot
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": lot.product_id.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.move_line_ids.unlink()
        picking.move_ids.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1,
                            "location_id": picking.location_id.id,
                            "location_dest_id": picking.location_dest_id.id,
                        }
                    )
                ],
                "picked": True,
            }
        )
        picking.button_validate()
        if date:
            when = datetime.combine(date, datetime.min.time())
            picking.move_ids.move_line_ids.write({"date": when})
            picking.move_ids.write({"date": when})
            picking.write({"date_done": when})
            order.write({"date_order": when})
        return order

    def authorise(self, case):
        """Record the customer's agreement where needed and authorise."""
        if case.needs_charge_agreement:
            case.with_user(self.sales)._record_charge_agreement(
                case.contact_id or case.partner_id, "email"
            )
        case.with_user(self.sales).action_authorise()
        return case

    def send_authorisation_mails(self):
        """Run the background job that sends the queued authorisation e-mails
        (the cron, batch after batch) until none is left."""
        Case = self.env["rma.unex.case"]
        while Case._cron_send_authorisation_mails():
            pass

    def pickings(self, case, code):
        return case.picking_ids.filtered(lambda p: p.picking_type_code == code)

    def validate(self, picking, lots_by_unit=None, user=None, units=None):
        """Validate an RMA transfer as the warehouse would: optionally only some
        units (a partial receipt) and with the serials actually found."""
        picking = picking.with_user(user or self.warehouse)
        for move in picking.move_ids:
            unit = move.rma_unit_id
            if units is not None and unit not in units:
                move.move_line_ids.unlink()
                move.quantity = 0
                continue
            if lots_by_unit and unit in lots_by_unit:
                move.move_line_ids.lot_id = lots_by_unit[unit]
            move.picked = True
        return picking.with_context(skip_backorder=True).button_validate()

    def receive_and_evaluate(self, case):
        """Authorise, receive as announced and start the evaluation."""
        self.authorise(case)
        self.validate(self.pickings(case, "incoming"))
        case.with_user(self.quality).action_start_evaluation()
        return case

    def analyse(self, units, category=None, findings="Shorted DC-DC converter"):
        category = category or self.env.ref("rma_unex.failure_category_component")
        units.with_user(self.quality)._record_fa(findings, "U12 failed", category)

    def decide(self, units, disposition, user=None):
        units.with_user(user or self.sales)._decide(disposition, "after FA")

    def qc(self, units, result, hours=24.0):
        units.with_user(self.quality)._record_qc(result, hours, "RF ok, throughput ok")

    def finish_repairs(self, case):
        repairs = case.unit_ids.repair_id.filtered(
            lambda r: r.state not in ("done", "cancel")
        )
        repairs = repairs.with_user(self.quality)
        repairs.action_repair_start()
        repairs.action_repair_end()
        return repairs

    def flush_tracking(self):
        """Write the pending chatter tracking, as the end of a request would."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def count_queries(self, func, cold=False, precommit=True):
        """SQL queries ``func`` issues, with the writes it leaves flushed and,
        with ``precommit``, its chatter tracking written, as the end of a
        request would; ``cold``: from an empty record cache, as a new request
        starts."""
        flush = self.flush_tracking if precommit else self.env.flush_all
        flush()
        if cold:
            self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        flush()
        return self.env.cr.sql_log_count - before

    # Assertions ---------------------------------------------------------

    def snapshot(self, case):
        case.invalidate_recordset()
        return (
            case.state,
            case.name,
            len(case.message_ids),
            case.first_response_date,
            [(u.is_rejected, u.reject_reason_id.id) for u in case.unit_ids],
        )

    def assertRefused(self, exception, func, record, snapshot=None):
        """The call raises ``exception`` and ``record`` is left exactly as it was.

        Uses unittest's assertRaises rather than Odoo's, which would roll back
        a savepoint and hide writes made before the refusal (X3).
        """
        snapshot = snapshot or self.snapshot
        self.flush_tracking()
        before = snapshot(record)
        with unittest.TestCase.assertRaises(self, exception) as caught:
            func()
        self.flush_tracking()
        self.env.invalidate_all()
        self.assertEqual(snapshot(record), before, "a refused action changed data")
        return caught.exception


class WorkshopCommon(RmaUnexCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._user("t_accountant", "account.group_account_invoice")
        cls.component = cls.env["product.product"].create(
            {"name": "DC-DC converter", "type": "consu", "is_storable": True}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.component, cls.env.ref("stock.stock_location_stock"), 10
        )

    def evaluated_case(self, lots=None, covered=False):
        lots = lots if lots is not None else self.lot
        if covered:
            for lot in lots:
                self.deliver(lot, date=date.today() - timedelta(days=60))
        return self.receive_and_evaluate(self.make_case(lots=lots))


def allow_chromium_more_time(test_class):
    """Odoo gives Chromium 10 s to open its devtools port and *skips* the tour
    otherwise; a cold start on a busy 2-core CI machine has been seen to need
    more. 30 s, for the tours of ``test_class`` (call in setUpClass)."""
    iterations = patch.object(common, "CHECK_BROWSER_ITERATIONS", 300)
    iterations.start()
    test_class.addClassCleanup(iterations.stop)
