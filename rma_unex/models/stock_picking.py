from odoo import _, api, fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"
    # The warehouse types or scans the RMA number written on the box (P3.4).
    _rec_names_search = ["name", "origin"]

    rma_case_id = fields.Many2one(
        "rma.unex.case",
        string="RMA Case",
        index="btree_not_null",
        readonly=True,  # copied, so that backorders stay with their case
    )
    is_rma_unex = fields.Boolean(related="picking_type_id.is_rma_unex")
    # The parcel's carrier and tracking number, for the customer's e-mail
    # (P6.3). stock_delivery, when installed, defines the same tracking field
    # (its connectors fill it) and a carrier record; without it the warehouse
    # types both.
    carrier_tracking_ref = fields.Char(string="Tracking Reference", copy=False)
    rma_carrier_name = fields.Char(
        string="Carrier",
        copy=False,
        help="The carrier of the parcel, told to the customer with its "
        "tracking number.",
    )
    rma_advance = fields.Boolean(
        string="Advance Replacement",
        copy=False,
        readonly=True,
        help="Ships replacements before the faulty units arrive (M6).",
    )

    def button_validate(self):
        self._rma_check_can_validate()
        return super().button_validate()

    def _action_done(self):
        self._rma_check_can_validate()
        res = super()._action_done()
        self._rma_after_done()
        return res

    def _create_backorder(self, backorder_moves=None):
        backorders = super()._create_backorder(backorder_moves=backorder_moves)
        backorders.filtered("is_rma_unex")._rma_announce_lots()
        return backorders

    def _rma_check_can_validate(self):
        """Refuse RMA transfers that break P3.1, M2 or P6.1, before anything moves."""
        for picking in self.filtered("is_rma_unex"):
            case = picking.rma_case_id
            if not case or not case.name:
                raise UserError(
                    _(
                        "%(picking)s has no valid RMA number: a box without one is "
                        "refused. Ask the customer for the RMA number, or open a "
                        "support request.",
                        picking=picking.display_name,
                    )
                )
            taken_back = picking.picking_type_id.rma_unex_return_of
            if taken_back == "receipt":
                case._check_can_send_back_goods()
            elif taken_back == "shipment":
                case._check_can_take_back_shipment()
            elif picking.picking_type_code == "incoming":
                case._check_can_receive_goods()
            elif not picking.rma_advance:
                case._check_can_ship_units(picking.move_ids.rma_unit_id)

    def _rma_after_done(self):
        done = self.filtered(lambda p: p.is_rma_unex and p.state == "done")
        # RMA receipts validated together are registered together: the cases
        # received by them move to Received in one step (P3.4)
        receipts = done.filtered(
            lambda p: (
                p.picking_type_code == "incoming"
                and not p.picking_type_id.rma_unex_return_of
            )
        )
        if receipts:
            receipts.rma_case_id._register_receipt(receipts._rma_done_unit_moves())
        # likewise the return shipments: one e-mail per case, not per transfer
        returns = (done - receipts).filtered(
            lambda p: not p.picking_type_id.rma_unex_return_of and not p.rma_advance
        )
        if returns:
            returns.rma_case_id._register_return_shipment(
                returns._rma_done_unit_moves()
            )
        for picking in done - receipts - returns:
            moves = picking._rma_done_unit_moves()
            case = picking.rma_case_id
            taken_back = picking.picking_type_id.rma_unex_return_of
            if taken_back == "receipt":
                case._register_sent_back(picking, moves)
            elif taken_back == "shipment":
                case._register_shipment_back(picking, moves)
            else:
                case._register_advance_shipment(moves)

    def _rma_carrier_label(self):
        """The carrier's name: stock_delivery's carrier where that module is
        installed and set, else the one typed on the transfer."""
        self.ensure_one()
        carrier = self["carrier_id"] if "carrier_id" in self._fields else None
        return (carrier and carrier.name) or self.rma_carrier_name or ""

    def _rma_done_unit_moves(self):
        return self.move_ids.filtered(lambda m: m.state == "done" and m.rma_unit_id)

    def _rma_announce_lots(self):
        """Put each unit's known serial on its move line, so the warehouse only
        confirms it or corrects it to what is really in the box."""
        new_lines = []
        for picking in self:
            new_lines += picking._rma_announce_picking_lots()
        if new_lines:
            # the missing move lines of all the transfers in one create
            self.env["stock.move.line"].create(new_lines)

    def _rma_announce_picking_lots(self):
        """Write the serials on the existing move lines; return the values of
        the move lines still to create."""
        self.ensure_one()
        new_lines = []
        for move in self.move_ids.filtered("rma_unit_id"):
            unit = move.rma_unit_id
            if self.rma_advance or (
                unit.disposition == "free_replacement"
                and self.picking_type_code == "outgoing"
                and not unit.shipped_lot_id
            ):
                continue  # a replacement: the serial stock reserves, or the one scanned
            lot = unit.shipped_lot_id or unit.received_lot_id or unit.lot_id
            if not lot:
                continue
            line_vals = {"lot_id": lot.id, "quantity": 1.0}
            if move.move_line_ids:
                move.move_line_ids[:1].write(line_vals)
            else:
                new_lines.append(
                    dict(
                        line_vals,
                        move_id=move.id,
                        product_id=move.product_id.id,
                        product_uom_id=move.product_uom.id,
                        location_id=move.location_id.id,
                        location_dest_id=move.location_dest_id.id,
                        picking_id=move.picking_id.id,
                    )
                )
        return new_lines

    @api.model
    def _rma_lot_by_move(self, moves):
        """The serial actually moved by each move (the first move line's lot)."""
        return {move.id: move.move_line_ids.lot_id[:1] for move in moves}
