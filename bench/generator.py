"""Bench data at scale, shared by the benchmarks in bench/.

A few records of each kind are made through the real flows (ORM), then cloned
with INSERT ... SELECT, so that 100k delivered serials, thousands of customers,
cases and tickets take seconds. The world grows with the number of delivered
serials: customers = serials / 20, cases and tickets = serials / 10, one case
in five belongs to the portal customer (the one whose pages are measured).
"""

import random

from odoo import Command

PORTAL_LOGIN = "bench_portal"


def table_columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def clone(cr, table, template_id, count, start, overrides, returning=False):
    """Copy row ``template_id`` of ``table`` ``count`` times; ``g`` runs from
    ``start``. ``overrides`` maps column -> SQL expression of g (the template
    row is ``t``). Returns the new ids, in the order of g, if ``returning``."""
    if count <= 0:
        return []
    columns = table_columns(cr, table)
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    cr.execute(
        f'INSERT INTO "{table}" ({names}) '  # noqa: S608 - names from the catalog
        f'SELECT {select} FROM "{table}" t, generate_series(%s, %s) AS g '
        f"WHERE t.id = %s ORDER BY g" + (" RETURNING id" if returning else ""),
        [start, start + count - 1, template_id],
    )
    return [row[0] for row in cr.fetchall()] if returning else []


RETURNS_SERIALS = 200


def age_days(g):
    """Delivery date of serial number ``g``: spread over the last three years,
    except the first serials, kept for the returns benchmark, delivered in the
    last two months (within the 90 days of warranty)."""
    return (
        f"now() - (CASE WHEN {g} <= {RETURNS_SERIALS} THEN mod({g}, 60) "
        f"ELSE mod({g}, 1095) END) * interval '1 day'"
    )


def cycle(values):
    """SQL expression of g: ``values`` in turn."""
    return f"(ARRAY{list(values)})[1 + mod(g, {len(values)})]"


class Generator:
    """Delivered serials of one product, customers, cases and tickets, grown
    in place (sizes only go up)."""

    def __init__(self, env):
        self.env = env
        self.count = 0
        self.world = 0
        # A database without demo data has no sender address; both addons'
        # e-mails need one.
        env.company.email = "service@bench.example"
        env.ref("base.user_admin").email = "admin@bench.example"
        self.product = env["product.product"].create(
            {
                "name": "Bench Router",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 300.0,
            }
        )
        self.customer = env["res.partner"].create(
            {"name": "Bench Customer", "is_company": True}
        )
        self.portal_customer = env["res.partner"].create(
            {"name": "Bench Portal Customer", "is_company": True}
        )
        self.portal_contact = env["res.partner"].create(
            {
                "name": "Pia Portal",
                "parent_id": self.portal_customer.id,
                "email": "pia@portal.example",
            }
        )
        self.portal_user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": PORTAL_LOGIN,
                    "password": PORTAL_LOGIN,
                    "partner_id": self.portal_contact.id,
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                }
            )
        )
        lot, line = self._deliver("BENCH0000000", "00:10:A7:00:00:00", self.customer)
        self.template_move_line = line
        self.template_move = line.move_id
        self.template_lot = lot
        self.count = 1
        self.customer_ids = [self.customer.id]
        self.portal_case = self.env["rma.unex.case"]
        self._case_seq = 1
        env.flush_all()

    def _deliver(self, name, mac, partner):
        """Sell and deliver one serial through sale order and delivery."""
        env = self.env
        lot = env["stock.lot"].create(
            {"name": name, "product_id": self.product.id, "mac_address": mac}
        )
        stock = env.ref("stock.stock_location_stock")
        env["stock.quant"]._update_available_quantity(
            self.product, stock, 1, lot_id=lot
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.move_line_ids.lot_id = lot
        picking.move_ids.picked = True
        picking.button_validate()
        return lot, picking.move_ids.move_line_ids

    # Delivered serials ---------------------------------------------------

    def grow_to(self, total):
        cr = self.env.cr
        start, count = self.count, total - self.count
        if count <= 0:
            return
        mac = (
            "'00:10:A7:' || substr(lpad(upper(to_hex(g)), 6, '0'), 1, 2) || ':' || "
            "substr(lpad(upper(to_hex(g)), 6, '0'), 3, 2) || ':' || "
            "substr(lpad(upper(to_hex(g)), 6, '0'), 5, 2)"
        )
        name = "'BENCH' || lpad(g::text, 7, '0')"
        when = age_days("g")
        lot_ids = clone(
            cr,
            "stock_lot",
            self.template_lot.id,
            count,
            start,
            {"name": name, "mac_address": mac},
            returning=True,
        )
        move_ids = clone(
            cr,
            "stock_move",
            self.template_move.id,
            count,
            start,
            {"reference": name, "date": when},
            returning=True,
        )
        columns = table_columns(cr, "stock_move_line")
        overrides = {
            "lot_id": "m.lot_id",
            "move_id": "m.move_id",
            "date": age_days("m.g"),
        }
        cr.execute(
            f"""INSERT INTO stock_move_line ({", ".join(f'"{c}"' for c in columns)})
                SELECT {", ".join(overrides.get(c, f't."{c}"') for c in columns)}
                FROM stock_move_line t,
                     unnest(%s::int[], %s::int[])
                         WITH ORDINALITY AS m(lot_id, move_id, g)
                WHERE t.id = %s""",  # noqa: S608 - names from the catalog
            [lot_ids, move_ids, self.template_move_line.id],
        )
        self.count = total
        self.env.invalidate_all()
        cr.execute("ANALYZE stock_lot; ANALYZE stock_move; ANALYZE stock_move_line")

    def sample_lots(self, k, seed):
        """``k`` random serials of the older half: no case holds them (cases
        take the newest ones), so the lookup does the same work at every size."""
        rng = random.Random(seed)
        names = [
            f"BENCH{rng.randrange(RETURNS_SERIALS + 1, self.count // 2):07d}"
            for _ in range(k)
        ]
        return self.env["stock.lot"].search([("name", "in", names)])

    def lots(self, k):
        """The first ``k`` cloned serials (the same ones at every call),
        delivered recently and held by no case."""
        assert k <= RETURNS_SERIALS
        names = [f"BENCH{i:07d}" for i in range(1, k + 1)]
        return self.env["stock.lot"].search([("name", "in", names)], order="name")

    # Customers, cases, tickets -------------------------------------------

    def grow_world(self):
        """Customers, tickets and cases in every state in proportion to the
        delivered serials."""
        target = self.count
        if target <= self.world:
            return
        if not self.world:
            self._make_templates()
        cr = self.env.cr
        customers = max(target // 20, 200)
        new = clone(
            cr,
            "res_partner",
            self.customer.id,
            customers - len(self.customer_ids),
            len(self.customer_ids),
            {
                "name": "'Bench Customer ' || g",
                "complete_name": "'Bench Customer ' || g",
                "email": "'buyer' || g || '@customer.example'",
            },
            returning=True,
        )
        if new:
            cr.execute(
                "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
                [new],
            )
        self.customer_ids += new
        cases = target // 10 - self.world // 10
        per_state = max(cases // len(self.case_templates), 1)
        for case in self.case_templates:
            self._clone_cases(case, per_state)
        tickets = target // 10 - self.world // 10
        clone(
            cr,
            "helpdesk_ticket",
            self.ticket_template.id,
            tickets,
            self.world,
            {
                "name": "'Bench ticket ' || g",
                "number": "'BT' || lpad(g::text, 7, '0')",
                "stage_id": cycle(self.stage_ids),
                "tsr_state": cycle(self.tsr_states),
                "partner_id": cycle(self.customer_ids[:1000]),
            },
        )
        self.world = target
        # the authorisation e-mails of the generated cases were never sent:
        # the background job must find only those of the cases measured
        cr.execute(
            "UPDATE rma_unex_case SET authorisation_mail_queued = NULL"
            " WHERE authorisation_mail_queued IS NOT NULL"
        )
        self.env.invalidate_all()
        cr.execute(
            "ANALYZE res_partner; ANALYZE rma_unex_case; ANALYZE rma_unex_unit; "
            "ANALYZE helpdesk_ticket"
        )

    def _make_templates(self):
        """One case per state (the portal customer's), with one unit; the
        authorised one went through the real authorisation and receipt."""
        env = self.env
        Case = env["rma.unex.case"]
        cases = Case
        # Cases made through the ORM, one per state of the model (so every
        # state appears at every size), cloned in proportion.
        states = [state for state, _label in Case._fields["state"].selection]
        for index, state in enumerate(states):
            lot, _line = self._deliver(
                f"BENCHT{index:06d}",
                f"00:10:A8:00:00:{index:02X}",
                self.portal_customer,
            )
            case = Case.create(
                {
                    "partner_id": self.portal_customer.id,
                    "contact_id": self.portal_contact.id,
                    "customer_ref": f"PO-{index}",
                    "unit_ids": [
                        Command.create(
                            {"product_id": self.product.id, "lot_id": lot.id}
                        )
                    ],
                }
            )
            if state == "received":
                case._rma_service_write({"charges_agreed_date": False})
                if case.needs_charge_agreement:
                    case._record_charge_agreement(self.portal_contact, "email")
                case.action_authorise()
                receipt = case.picking_ids
                receipt.move_ids.picked = True
                receipt.with_context(skip_backorder=True).button_validate()
                self.portal_case = case
            elif state != "sales_review":
                vals = {"state": state}
                if state != "cancelled":
                    vals["name"] = env["ir.sequence"].next_by_code("rma.unex.case")
                if state == "suspended":
                    vals["suspended_from_state"] = "repair"
                case._rma_service_write(vals)
            cases |= case
        self.case_templates = cases
        self.ticket_template = env["helpdesk.ticket"].create(
            {
                "name": "Bench ticket",
                "description": "<p>Radio dead</p>",
                "partner_id": self.customer.id,
            }
        )
        self.stage_ids = env["helpdesk.ticket.stage"].search([]).ids or [
            self.ticket_template.stage_id.id
        ]
        self.tsr_states = [
            key
            for key, _label in env["helpdesk.ticket"]
            ._fields["tsr_state"]
            ._description_selection(env)
        ]
        env.flush_all()

    def _clone_cases(self, template, count):
        """``count`` copies of ``template`` and its unit: one in five for the
        portal customer, the others spread over the customers."""
        cr = self.env.cr
        start = self._case_seq
        self._case_seq += count
        others = self.customer_ids[:5000]
        partner = (
            f"CASE WHEN mod(g, 5) = 0 THEN {self.portal_customer.id} "
            f"ELSE (ARRAY{others})[1 + mod(g, {len(others)})] END"
        )
        contact = f"CASE WHEN mod(g, 5) = 0 THEN {self.portal_contact.id} END"
        name = "NULL" if not template.name else "'BRMA' || lpad(g::text, 8, '0')"
        case_ids = clone(
            cr,
            "rma_unex_case",
            template.id,
            count,
            start,
            {
                "partner_id": partner,
                "contact_id": contact,
                "name": name,
                "customer_ref": "'PO-' || g",
                "access_token": "md5(g::text || random())",
                "date_applied": "now() - mod(g, 700) * interval '1 day'",
            },
            returning=True,
        )
        unit = template.unit_ids[:1]
        columns = table_columns(cr, "rma_unex_unit")
        overrides = {
            "case_id": "c.case_id",
            # from the newest serials down: the oldest ones stay free for the
            # returns benchmark (returns.py)
            "lot_id": "(SELECT id FROM stock_lot WHERE name = "
            "'BENCH' || lpad((%s - mod(c.n, %s))::text, 7, '0'))",
        }
        cr.execute(
            f"""INSERT INTO rma_unex_unit ({", ".join(f'"{c}"' for c in columns)})
                SELECT {", ".join(overrides.get(c, f't."{c}"') for c in columns)}
                FROM rma_unex_unit t, unnest(%s::int[]) WITH ORDINALITY AS c(case_id, n)
                WHERE t.id = %s""",  # noqa: S608 - names from the catalog
            [self.count - 1, max(self.count - RETURNS_SERIALS, 1), case_ids, unit.id],
        )
