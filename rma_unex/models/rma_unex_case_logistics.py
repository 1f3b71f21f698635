from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from .rma_unex_constants import COVERED_STATUSES, GROUP_STOCK, KEPT_DISPOSITIONS, STAFF


class RmaUnexCase(models.Model):
    """Logistics: who pays freight (P3.3), the receipts announced by serial
    (P3.4), the return shipments (P6.1, P6.3), what happens to the units we
    keep (M7), and what each validated transfer tells the case."""

    _inherit = "rma.unex.case"
    # Shipments (P3.4, P6.3)
    # Shipments (P3.4, P6.3)
    picking_ids = fields.One2many(
        "stock.picking", "rma_case_id", string="Transfers", groups=STAFF
    )
    receipt_count = fields.Integer(compute="_compute_picking_counts")
    return_count = fields.Integer(compute="_compute_picking_counts")
    receipt_state = fields.Selection(
        [
            ("none", "Nothing received"),
            ("partial", "Partially received"),
            ("done", "All received"),
        ],
        compute="_compute_receipt_state",
        store=True,
    )
    has_receipt_mismatch = fields.Boolean(compute="_compute_receipt_state", store=True)
    # Freight (P3.3, M1, P7.5): who pays each way, stored for invoicing.
    inbound_freight_payer = fields.Selection(
        [("customer", "Customer"), ("vendor", "Us")],
        string="Inbound Freight Paid By",
        compute="_compute_freight_payers",
        store=True,
        readonly=False,
        tracking=True,
        help="The customer pays shipping to us unless agreed otherwise (P3.3); "
        "recalls and dead-on-arrival units ship at our cost.",
    )
    return_freight_payer = fields.Selection(
        [("customer", "Customer"), ("vendor", "Us")],
        string="Return Freight Paid By",
        compute="_compute_freight_payers",
        store=True,
        tracking=True,
        help="We pay the return of valid warranty claims, DOA units and recalls.",
    )

    @api.depends("picking_ids.picking_type_code")
    def _compute_picking_counts(self):
        for case in self:
            # sudo: the counts show on the form of users without stock rights
            # (accounting); opening the transfers still checks theirs.
            codes = case.sudo().picking_ids.mapped("picking_type_code")
            case.receipt_count = codes.count("incoming")
            case.return_count = codes.count("outgoing")

    @api.depends(
        "unit_ids.date_received", "unit_ids.is_rejected", "unit_ids.receipt_mismatch"
    )
    def _compute_receipt_state(self):
        for case in self:
            units = case._active_units()
            received = units.filtered("date_received")
            if not received:
                case.receipt_state = "none"
            elif received == units:
                case.receipt_state = "done"
            else:
                case.receipt_state = "partial"
            case.has_receipt_mismatch = any(units.mapped("receipt_mismatch"))

    @api.depends("is_recall", "unit_ids.warranty_status", "unit_ids.is_rejected")
    def _compute_freight_payers(self):
        for case in self:
            statuses = case._active_units().mapped("warranty_status")
            doa = "doa" in statuses
            if case.is_recall or doa:
                case.inbound_freight_payer = "vendor"
            elif not case.inbound_freight_payer:
                case.inbound_freight_payer = "customer"
            covered = bool(statuses) and all(s in COVERED_STATUSES for s in statuses)
            case.return_freight_payer = (
                "vendor" if case.is_recall or covered else "customer"
            )

    # ------------------------------------------------------------------
    # Transfers
    # ------------------------------------------------------------------

    def _rma_warehouse(self):
        self.ensure_one()
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        if not warehouse:
            raise UserError(
                _(
                    "%(company)s has no warehouse to receive RMA units.",
                    company=self.company_id.name,
                )
            )
        if not (
            warehouse.rma_location_id
            and warehouse.rma_unex_in_type_id
            and warehouse.rma_unex_out_type_id
            and warehouse.rma_unex_in_return_type_id
            and warehouse.rma_unex_out_return_type_id
        ):
            # sudo: the operation types are set up once, by whoever needs them.
            warehouse.sudo()._rma_unex_setup()
        return warehouse

    def _rma_receiving_partner(self):
        """Where the customer sends the box (P3.2): the address of the RMA
        warehouse, which may be a separate repair centre, else the company's."""
        self.ensure_one()
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        return warehouse.partner_id or self.company_id.partner_id

    def _prepare_picking_vals(self, picking_type, source, destination, units):
        """Values of an RMA transfer; extension hook."""
        self.ensure_one()
        partner = self.contact_id or self.partner_id
        return {
            "picking_type_id": picking_type.id,
            "partner_id": partner.id,
            "origin": self.name,
            "rma_case_id": self.id,
            "company_id": self.company_id.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "move_ids": [
                Command.create(unit._prepare_move_vals(source, destination))
                for unit in units
            ],
        }

    def _create_receipts(self, units=None):
        """The inbound receipts of the authorised units (or of ``units``),
        announced by serial: one per case, created together."""
        customers = self.env.ref("stock.stock_location_customers")
        warehouses = {}
        vals_list = []
        for case in self:
            if case.company_id not in warehouses:
                warehouses[case.company_id] = case._rma_warehouse()
            warehouse = warehouses[case.company_id]
            expected = case._active_units()
            if units is not None:
                expected &= units
            vals_list.append(
                case._prepare_picking_vals(
                    warehouse.rma_unex_in_type_id,
                    customers,
                    warehouse.rma_location_id,
                    expected,
                )
            )
        # sudo: sales staff authorise; creating the warehouse's transfer is part
        # of that step even without stock rights.
        pickings = self.env["stock.picking"].sudo().create(vals_list)
        pickings.action_confirm()
        pickings._rma_announce_lots()
        return pickings

    def _units_to_ship(self):
        return self._active_units().filtered(lambda u: u._ships_back())

    def _create_return_shipment(self, units=None):
        """The delivery back to the customer of the units to ship (or of
        ``units``): repaired or checked units from the RMA location, new
        replacements from stock."""
        self.ensure_one()
        warehouse = self._rma_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        to_ship = self._units_to_ship().filtered(lambda u: not u.date_shipped)
        units = to_ship if units is None else to_ship & units
        # a replacement the carrier brought back is in the RMA location
        replaced = units.filtered(
            lambda u: u.disposition == "free_replacement" and not u.shipped_lot_id
        )
        pickings = self.env["stock.picking"]
        for source, group in (
            (warehouse.rma_location_id, units - replaced),
            (warehouse.lot_stock_id, replaced),
        ):
            if not group:
                continue
            # sudo: QC engineers finish the case; the warehouse then ships it.
            picking = (
                self.env["stock.picking"]
                .sudo()
                .create(
                    self._prepare_picking_vals(
                        warehouse.rma_unex_out_type_id, source, customers, group
                    )
                )
            )
            # the known serials first: confirming then reserves exactly them,
            # instead of any serial of the product (a search over every quant
            # of the location) that the announcement would then replace
            picking._rma_announce_lots()
            picking.action_confirm()
            picking.action_assign()
            pickings |= picking
        return pickings

    def _dispose_kept_units(self):
        """Units we keep leave the RMA location (M7): replaced or credited ones
        to refurbishment, scrapped ones to scrap; credited ones also get their
        credit note (P7.5)."""
        self.ensure_one()
        kept = self._active_units().filtered(
            lambda u: (
                u.disposition in KEPT_DISPOSITIONS
                and u.date_received
                and not u.disposal_move_id
            )
        )
        warehouse = self._rma_warehouse()
        self._move_to_refurbishment(
            kept.filtered(lambda u: u.disposition != "scrap"), warehouse
        )
        self._scrap_units(kept.filtered(lambda u: u.disposition == "scrap"), warehouse)
        for unit in kept.filtered(lambda u: u.disposition == "credit_note"):
            unit._rma_service_write({"credit_note_id": unit._create_credit_note().id})

    def _move_to_refurbishment(self, units, warehouse):
        """One done move per unit, from the RMA location to refurbishment."""
        if not units:
            return
        source = warehouse.rma_location_id
        destination = warehouse.rma_refurbish_location_id
        # sudo: the decision was taken by staff allowed to; moving stock is
        # its consequence, not a separate warehouse task.
        moves = (
            self.env["stock.move"]
            .sudo()
            .create(
                [
                    dict(
                        unit._prepare_move_vals(source, destination),
                        picked=True,
                        move_line_ids=[
                            Command.create(
                                {
                                    "product_id": unit.product_id.id,
                                    "lot_id": (unit.received_lot_id or unit.lot_id).id,
                                    "quantity": 1.0,
                                    "location_id": source.id,
                                    "location_dest_id": destination.id,
                                }
                            )
                        ],
                    )
                    for unit in units
                ]
            )
        )
        moves._action_done()
        for move in moves:
            move.rma_unit_id._rma_service_write({"disposal_move_id": move.id})

    def _scrap_units(self, units, warehouse):
        """Scrapped at the customer's request, through stock.scrap (M7)."""
        for unit in units:
            # sudo: as for refurbishment, the scrap follows the decision
            scrap = (
                self.env["stock.scrap"]
                .sudo()
                .create(
                    {
                        "product_id": unit.product_id.id,
                        "lot_id": (unit.received_lot_id or unit.lot_id).id,
                        "scrap_qty": 1.0,
                        "location_id": warehouse.rma_location_id.id,
                        "company_id": self.company_id.id,
                        "origin": self.name,
                    }
                )
            )
            scrap.action_validate()
            unit._rma_service_write({"disposal_move_id": scrap.move_ids[:1].id})

    # ------------------------------------------------------------------
    # What a validated transfer may do, and what it tells the case
    # ------------------------------------------------------------------

    def _check_can_receive_goods(self):
        """A box is accepted against an authorised, unexpired RMA only (P3.1, M2)."""
        for case in self:
            if case.state != "authorised":
                raise UserError(
                    _(
                        "%(case)s is %(state)s: goods are received against an "
                        "authorised RMA only.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )
            if case.authorisation_expired:
                raise UserError(
                    _(
                        "The authorisation of %(case)s has expired (%(reason)s): "
                        "the sales representative must revalidate it before the "
                        "goods are received.",
                        case=case.display_name,
                        reason=case.authorisation_expiry_reason,
                    )
                )

    def _check_can_send_back_goods(self):
        """A box goes back while the case waits for the goods or has just
        received them; once evaluation started, the units are decided on."""
        for case in self:
            if case.state not in ("authorised", "received"):
                raise UserError(
                    _(
                        "%(case)s is %(state)s: its units stay until they are "
                        "decided on; to send them back as they are, decide "
                        "“Return unrepaired”.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )

    def _check_can_take_back_shipment(self):
        """A return shipment comes back before the case is closed."""
        for case in self:
            if case.state not in ("ready", "shipped"):
                raise UserError(
                    _(
                        "%(case)s is %(state)s: a returned shipment is taken back "
                        "while the case is ready to ship or shipped.",
                        case=case.display_name,
                        state=case._state_label(case.state),
                    )
                )

    def _check_can_ship_units(self, units):
        """Nothing repaired leaves before it has passed QC (P6.1)."""
        not_passed = units.filtered(lambda u: u._needs_qc() and u.qc_result != "pass")
        if not_passed:
            raise UserError(
                _(
                    "%(units)s has not passed QC and cannot be shipped (P6.1).",
                    units=", ".join(not_passed.mapped("display_name")),
                )
            )

    def _register_receipt(self, moves):
        """Record what arrived; the case is received once every unit is in."""
        lots = self.env["stock.picking"]._rma_lot_by_move(moves)
        now = fields.Datetime.now()
        # the customer's "units received" e-mail goes out in the background
        moves.rma_unit_id._rma_service_write(
            {"date_received": now, "receipt_mail_queued": now}
        )
        self._queue_receipt_mail()
        for move in moves:
            move.rma_unit_id._rma_service_write({"received_lot_id": lots[move.id].id})
        mismatched = moves.rma_unit_id.filtered("receipt_mismatch")
        for case, units in mismatched.grouped("case_id").items():
            for unit in units:
                case.message_post(
                    body=_(
                        "Receipt mismatch on %(unit)s: %(mismatch)s",
                        unit=unit.display_name,
                        mismatch=unit.receipt_mismatch,
                    ),
                )
        received = self.filtered(lambda c: c.receipt_state == "done")
        if received:
            received._apply_transition("receive", system=True)

    def _register_return_shipment(self, moves):
        lots = self.env["stock.picking"]._rma_lot_by_move(moves)
        now = fields.Datetime.now()
        for move in moves:
            unit = move.rma_unit_id
            vals = {"date_shipped": now, "shipped_lot_id": lots[move.id].id}
            if unit.disposition == "free_replacement":
                vals["replacement_lot_id"] = lots[move.id].id
            unit._rma_service_write(vals)
        finished = self.filtered(
            lambda c: (
                c.state == "ready"
                and not c._units_to_ship().filtered(lambda u: not u.date_shipped)
            )
        )
        for case in finished:
            case._apply_transition("ship", system=True)
        # the shipment that finishes a case sends its summary (_after_ship)
        (self - finished)._send_shipment_mails(moves.rma_unit_id)

    def _register_sent_back(self, picking, moves):
        """A box received by mistake went back: its units are no longer here,
        the case waits for the right goods on a new receipt (P3.4)."""
        units = moves.rma_unit_id
        units._rma_service_write({"date_received": False, "received_lot_id": False})
        for case in self:
            case_units = units.filtered(lambda u, c=case: u.case_id == c)
            if case.state == "received":
                case._apply_transition("send_back", system=True)
            case._create_receipts(case_units)
            case.message_post(
                body=_(
                    "%(picking)s sent %(units)s back to the customer; a new receipt "
                    "waits for the right goods.",
                    picking=picking._get_html_link(),
                    units=", ".join(case_units.mapped("display_name")),
                )
            )

    def _register_shipment_back(self, picking, moves):
        """The carrier brought a return shipment back: the units are here
        again, ready to ship on a new return shipment (P6.3)."""
        units = moves.rma_unit_id
        units._rma_service_write({"date_shipped": False})
        for case in self:
            case_units = units.filtered(lambda u, c=case: u.case_id == c)
            if case.state == "shipped":
                case._apply_transition("shipment_back", system=True)
            case._create_return_shipment(case_units)
            case.message_post(
                body=_(
                    "%(picking)s brought %(units)s back: ship them again.",
                    picking=picking._get_html_link(),
                    units=", ".join(case_units.mapped("display_name")),
                )
            )

    def _send_repair_summary(self, units=None):
        """The summary of replaced components and fixed issues (P6.2), with
        the carrier and tracking number of each unit shipped: of ``units``
        (a shipment that does not finish the case), else of the whole case."""
        template = self.env.ref("rma_unex.mail_template_rma_repair_summary")
        for case in self.with_context(
            rma_unex_shipped_unit_ids=units.ids if units else False
        ):
            case.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    # ------------------------------------------------------------------
    # The warehouse's buttons
    # ------------------------------------------------------------------

    def action_receive_as_announced(self):
        """Validate the open receipts with the announced serials, for boxes
        whose content matches the RMA (the warehouse checked it)."""
        return self._validate_open_pickings("incoming")

    def action_ship_as_announced(self):
        """Validate the open return shipments as prepared."""
        return self._validate_open_pickings("outgoing")

    def _validate_open_pickings(self, code):
        self._check_rma_groups((GROUP_STOCK,), _("Validate RMA transfers"))
        pickings = self.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == code
                and p.state not in ("done", "cancel")
                and not p.picking_type_id.rma_unex_return_of
            )
        )
        if not pickings:
            raise UserError(_("There is no open transfer to validate."))
        pickings.move_ids.picked = True
        pickings.with_context(skip_backorder=True).button_validate()
        return True

    def action_view_receipts(self):
        return self._action_view_pickings("incoming", _("RMA Receipts"))

    def action_view_returns(self):
        return self._action_view_pickings("outgoing", _("RMA Returns"))

    def _action_view_pickings(self, code, title):
        self.ensure_one()
        pickings = self.picking_ids.filtered(lambda p: p.picking_type_code == code)
        action = pickings._get_records_action(name=title)
        action["context"] = {"create": False}
        return action
