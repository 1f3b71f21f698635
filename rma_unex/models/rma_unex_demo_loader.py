"""Demo data that runs the real process: called from demo/*.xml only.

States, RMA numbers and audit fields are protected, so every demo case is
pushed through the same service methods the buttons call, as the user whose
role presses them (the chatter then tells who did what). Only the sales
history is backdated: a delivery's date is what the warranty is judged on.
"""

import random

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_mac_mixin import parse_oui_blocks

# Generated serials per product: (serial prefix, MAC byte after the OUI,
# OUI block index: 0 = routers, 1 = modules, firmware versions shipped).
_SERIAL_PLANS = {
    "rma_unex.demo_product_router": ("R7K", 0x71, 0, ("7.0.8", "7.1.3")),
    "rma_unex.demo_product_router_5g": ("R5G", 0x51, 0, ("3.2.0", "3.3.1")),
    "rma_unex.demo_product_v2x": ("V2X", 0x21, 1, ("2.4.1", "2.5.0")),
    "rma_unex.demo_product_wifi_module": ("WM6E", 0x61, 1, ("1.8.0", "1.9.2")),
    "rma_unex.demo_product_wifi7_module": ("WM7", 0x62, 1, ("1.0.4",)),
}
# Which customers buy what, and how many a month (min, max).
_BUYERS = {
    "rma_unex.demo_partner_lumen": {
        "rma_unex.demo_product_router": (1, 2),
        "rma_unex.demo_product_wifi_module": (1, 3),
        "rma_unex.demo_product_router_5g": (0, 2),
    },
    "rma_unex.demo_partner_harbor": {
        "rma_unex.demo_product_v2x": (2, 4),
        "rma_unex.demo_product_router_5g": (0, 2),
    },
    "rma_unex.demo_partner_formosa": {
        "rma_unex.demo_product_v2x": (1, 3),
        "rma_unex.demo_product_wifi7_module": (1, 2),
        "rma_unex.demo_product_router": (0, 1),
    },
}
_SPARES_PER_PRODUCT = 3  # in stock for replacements


class RmaUnexDemoLoader(models.AbstractModel):
    _name = "rma.unex.demo.loader"
    _description = "RMA demo data loader"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _user(self, login):
        return {
            "fae": self.env.ref("rma_unex.demo_user_fae"),
            "sales": self.env.ref("rma_unex.demo_user_sales"),
            "quality": self.env.ref("rma_unex.demo_user_quality"),
            "manager": self.env.ref("rma_unex.demo_user_manager"),
            "warehouse": self.env.ref("rma_unex.demo_user_warehouse"),
            "accounting": self.env.ref("rma_unex.demo_user_accounting"),
        }[login]

    def _as(self, records, login):
        return records.with_user(self._user(login))

    def _stock_location(self):
        return (
            self.env["stock.warehouse"]
            .search([("company_id", "=", self.env.company.id)], limit=1)
            .lot_stock_id
        )

    def _put_in_stock(self, lots):
        """One quant per new serial, in one create (as the stock update of a
        receipt would leave it; the lots have no stock anywhere yet)."""
        location = self._stock_location()
        # sudo: the demo stocks its serials as a validated receipt would
        self.env["stock.quant"].sudo().create(
            [
                {
                    "product_id": lot.product_id.id,
                    "location_id": location.id,
                    "lot_id": lot.id,
                    "quantity": 1.0,
                }
                for lot in lots
            ]
        )

    # ------------------------------------------------------------------
    # Sales history: a year of delivered sale orders
    # ------------------------------------------------------------------

    @api.model
    def _demo_deliver(self, deliveries):
        """Sell and deliver serials: ``deliveries`` is a list of
        (lot id, customer id, days ago). One order per customer and day."""
        today = fields.Date.context_today(self)
        grouped = {}
        for lot_id, partner_id, days_ago in deliveries:
            key = (partner_id, today - relativedelta(days=days_ago))
            grouped.setdefault(key, self.env["stock.lot"])
            grouped[key] |= self.env["stock.lot"].browse(lot_id)
        self._sell_and_deliver(
            [
                (self.env["res.partner"].browse(p), day, lots)
                for (p, day), lots in grouped.items()
            ]
        )

    @api.model
    def _demo_sales_history(self, months=12, seed=2026):
        """Monthly orders of each demo customer over ``months`` months, with
        serials and MACs in the company's OUI blocks, plus spare stock."""
        rng = random.Random(seed)
        today = fields.Date.context_today(self)
        blocks = sorted(parse_oui_blocks(self.env.company.rma_oui_blocks)) or ["0001A7"]
        counters = {}
        lot_vals = []
        plan = []  # (customer, day, [index in lot_vals])

        def new_serial(product_xmlid, day):
            prefix, mac_byte, block, firmwares = _SERIAL_PLANS[product_xmlid]
            product = self.env.ref(product_xmlid)
            seq = counters[product_xmlid] = counters.get(product_xmlid, 0x100) + 1
            oui = blocks[min(block, len(blocks) - 1)]
            mac = ":".join(
                [
                    oui[0:2],
                    oui[2:4],
                    oui[4:6],
                    f"{mac_byte:02X}",
                    f"{seq >> 8:02X}",
                    f"{seq & 0xFF:02X}",
                ]
            )
            lot_vals.append(
                {
                    "name": f"{prefix}{day:%y}{chr(ord('A') + day.month - 1)}{seq:05d}",
                    "product_id": product.id,
                    "mac_address": mac,
                    "firmware_version": firmwares[seq % len(firmwares)],
                    "company_id": self.env.company.id,
                }
            )
            return len(lot_vals) - 1

        for months_ago in range(months, 0, -1):
            for partner_xmlid, products in _BUYERS.items():
                day = today - relativedelta(months=months_ago, days=rng.randint(0, 20))
                indexes = [
                    new_serial(product_xmlid, day)
                    for product_xmlid, (low, high) in products.items()
                    for _i in range(rng.randint(low, high))
                ]
                if indexes:
                    plan.append((self.env.ref(partner_xmlid), day, indexes))
        spares = [
            new_serial(product_xmlid, today)
            for product_xmlid in _SERIAL_PLANS
            for _i in range(_SPARES_PER_PRODUCT)
        ]
        lots = self.env["stock.lot"].create(lot_vals)
        self._sell_and_deliver(
            [
                (partner, day, lots.browse([lots[i].id for i in indexes]))
                for partner, day, indexes in plan
            ]
        )
        self._put_in_stock(lots.browse([lots[i].id for i in spares]))

    def _sell_and_deliver(self, orders):
        """Confirm one sale order per (customer, day, lots), deliver exactly
        those serials and backdate order and delivery to the day."""
        orders = sorted(orders, key=lambda o: o[1])
        sale_orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": self._user("sales").id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": len(group)}
                        )
                        for product, group in lots.grouped("product_id").items()
                    ],
                }
                for partner, _day, lots in orders
            ]
        )
        sale_orders.action_confirm()
        # In stock only now, so that confirming reserved nothing: each
        # delivery gets exactly its serials below.
        self._put_in_stock(
            self.env["stock.lot"].union(*(lots for _p, _d, lots in orders))
        )
        pickings = self.env["stock.picking"]
        for order, (_partner, _day, lots) in zip(sale_orders, orders, strict=True):
            picking = order.picking_ids
            for move in picking.move_ids:
                move.write(
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
                            for lot in lots.filtered(
                                lambda serial, m=move: serial.product_id == m.product_id
                            )
                        ],
                        "picked": True,
                    }
                )
            pickings |= picking
        pickings.with_context(skip_backorder=True).button_validate()
        for order, (_partner, day, _lots) in zip(sale_orders, orders, strict=True):
            when = fields.Datetime.to_datetime(day) + relativedelta(hours=9)
            order.picking_ids.move_ids.move_line_ids.write({"date": when})
            order.picking_ids.move_ids.write({"date": when})
            order.picking_ids.write({"date_done": when})
            order.write({"date_order": when})
        return sale_orders

    # ------------------------------------------------------------------
    # Cases: the demo XML gives each case's units and the steps it went
    # through; each step is the button its role presses.
    # ------------------------------------------------------------------

    @api.model
    def _demo_case(self, values, steps):
        """Create a case (``values`` as for create; ``lot_ids`` become units)
        and play ``steps`` on it: a list of [step, *arguments]."""
        values = dict(values)
        unit_defaults = values.pop("unit_values", {})
        lots = self.env["stock.lot"].browse(values.pop("lot_ids", []))
        values.setdefault(
            "unit_ids",
            [
                Command.create(
                    dict(unit_defaults, product_id=lot.product_id.id, lot_id=lot.id)
                )
                for lot in lots
            ],
        )
        case = self._as(self.env["rma.unex.case"], "sales").create(values)
        return self._play(case, steps)

    @api.model
    def _demo_ticket_case(self, ticket_id, steps):
        """Play ``steps`` on the case an escalated support request opened."""
        case = self.env["rma.unex.case"].search(
            [("ticket_id", "=", ticket_id)], limit=1
        )
        return self._play(case, steps)

    @api.model
    def _demo_steps(self, case_id, steps):
        """Play ``steps`` on a case of the demo XML."""
        return self._play(self.env["rma.unex.case"].browse(case_id), steps)

    def _play(self, case, steps):
        for step, *args in steps:
            getattr(self, f"_step_{step}")(case, *args)
            # Each step is a request of its own in real life: write its
            # chatter tracking now, or the install's single transaction
            # would merge the states a case went through (status history,
            # turnaround per state).
            self.env.flush_all()
            self.env.cr.precommit.run()
        return case.id

    def _step_agree(self, case, method, note):
        wizard = self._as(self.env["rma.unex.charge.agreement.wizard"], "sales").create(
            {"case_id": case.id, "method": method, "note": note}
        )
        wizard.action_confirm()

    def _step_authorise(self, case):
        self._as(case, "sales").action_authorise()
        # the e-mail the background job sends a moment later
        self.env["rma.unex.case"]._cron_send_authorisation_mails()

    def _step_receive(self, case):
        self._as(case, "warehouse").action_receive_as_announced()

    def _step_evaluate(self, case):
        self._as(case, "quality").action_start_evaluation()

    def _step_cid(self, case, cid_type, note):
        self._as(case._active_units(), "quality")._record_cid(cid_type, note)

    def _step_fa(self, case, category_xmlid, findings, root_cause):
        self._as(case._active_units(), "quality")._record_fa(
            findings, root_cause, self.env.ref(category_xmlid)
        )

    def _step_decide(self, case, disposition, reason):
        self._as(case._active_units(), "sales")._decide(disposition, reason)

    def _step_waive(self, case, reason):
        self._as(case._active_units(), "manager")._waive_ntf_fees(reason)

    def _step_quote(self, case):
        self._as(case, "sales").action_send_quotation()

    def _step_accept(self, case, purchase_order):
        """The customer's PO arrives: sales confirms the quotation with it."""
        self._as(case._current_quotation(), "sales").client_order_ref = purchase_order
        self._as(case, "sales").action_confirm_quotation()

    def _step_repair(self, case):
        self._as(case, "quality").action_start_repair()

    def _step_finish_repairs(self, case):
        repairs = self._as(case.unit_ids.repair_id, "quality").filtered(
            lambda r: r.state not in ("done", "cancel")
        )
        repairs.action_repair_start()
        repairs.action_repair_end()

    def _step_qc(self, case, result, hours, checklist):
        units = case._active_units().filtered(lambda u: u._needs_qc())
        self._as(units, "quality")._record_qc(result, hours, checklist)

    def _step_pass_qc(self, case):
        self._as(case, "quality").action_pass_qc()

    def _step_release(self, case):
        self._as(case, "quality").action_release()

    def _step_ship(self, case):
        self._as(case, "warehouse").action_ship_as_announced()

    def _step_close(self, case):
        self._as(case, "sales").action_close()

    def _step_suspend(self, case, reason):
        self._as(case, "quality")._suspend(reason)

    def _step_invoice(self, case):
        """Accounting invoices the confirmed orders of the case and posts them."""
        self._as(case, "accounting").action_create_invoices()
        invoices = case.sale_order_ids.invoice_ids.filtered(
            lambda m: m.state == "draft"
        )
        self._as(invoices, "accounting").action_post()

    def _step_advance(self, case):
        """An advance replacement leaves before the faulty unit is back (M6)."""
        self._as(case, "sales").action_advance_replacement()
        self._as(case, "warehouse").action_ship_as_announced()
        self.env["rma.unex.case"]._cron_advance_replacements()

    # ------------------------------------------------------------------
    # Quality: recall campaign, NCR and CAPA
    # ------------------------------------------------------------------

    @api.model
    def _demo_recall(self, values, first_delivered_days, last_delivered_days, steps):
        """A recall of the serials of ``values['product_ids']`` delivered
        between the two ages (a production batch, as a serial range); the
        recall opens one case per customer, ``steps`` are played on the
        first one."""
        today = fields.Date.context_today(self)
        products = self.env["product.product"].browse(values["product_ids"])
        lines = self.env["stock.move.line"].search(
            [
                ("product_id", "in", products.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
                ("date", ">=", today - relativedelta(days=first_delivered_days)),
                ("date", "<=", today - relativedelta(days=last_delivered_days)),
            ]
        )
        names = sorted(lines.lot_id.mapped("name"))
        if not names:
            raise UserError(
                _(
                    "No %(products)s was delivered in that period.",
                    products=", ".join(products.mapped("display_name")),
                )
            )
        recall = self._as(self.env["rma.unex.recall"], "quality").create(
            dict(
                values,
                product_ids=[Command.set(products.ids)],
                serial_from=names[0],
                serial_to=names[-1],
            )
        )
        recall.action_launch()
        cases = recall.case_ids.sorted("id")
        self._play(cases[:1], steps)
        return recall.id

    @api.model
    def _demo_ncr(self, lot_ids, values, capa_values, actions, outcome):
        """An NCR on the RMA units of these serials with its CAPA. ``actions``
        are [type, description, owner login, due in days, done]; ``outcome``
        is how far it went: 'open', 'verification' (NCR closed, CAPA waiting
        for its effectiveness check) or 'closed' (both closed)."""
        units = self.env["rma.unex.unit"].search(
            [("lot_id", "in", lot_ids), ("case_id.state", "!=", "cancelled")]
        )
        action = self._as(units, "quality").action_raise_ncr()
        ncr = self._as(self.env["rma.unex.ncr"].browse(action["res_id"]), "quality")
        ncr.write(values)
        ncr.action_investigate()
        capa = self._as(
            self.env["rma.unex.capa"].browse(ncr.action_create_capa()["res_id"]),
            "quality",
        )
        today = fields.Date.context_today(self)
        capa.write(
            dict(
                capa_values,
                action_ids=[
                    Command.create(
                        {
                            "action_type": kind,
                            "description": description,
                            "user_id": self._user(login).id,
                            "date_due": today + relativedelta(days=due_days),
                        }
                    )
                    for kind, description, login, due_days, _done in actions
                ],
            )
        )
        done = [
            a
            for a, spec in zip(capa.action_ids.sorted("id"), actions, strict=True)
            if spec[4]
        ]
        self.env["rma.unex.capa.action"].union(*done).action_done()
        if outcome in ("verification", "closed"):
            capa.action_request_verification()
            ncr.action_close()
        if outcome == "closed":
            capa._verify_effectiveness(
                "effective",
                "No failure of this kind in the returns of the last 60 days.",
            )
            capa.action_close()
        return ncr.id
