from dateutil.relativedelta import relativedelta

from odoo import _, api, models


class RmaUnexWarranty(models.AbstractModel):
    """Warranty lookup for RMA units (P4.1, P4.2, P7.1, M1, M3, M4).

    Works on a batch of units with a fixed number of queries whatever the
    batch size: one search per source (original deliveries, earlier RMA units,
    sale lines) for all units together, then plain Python per unit.

    A serial delivered to another customer, or returned by one, gives this
    customer nothing of theirs: those sources are set aside and the unit is
    flagged for sales (X2).

    Order of the sources for a unit's serial (a MAC is resolved to its serial
    when the unit is created):
    1. earlier RMA units that shipped this serial back to the customer: the
       serial is covered by the repair warranty (M3), and a serial shipped as a
       replacement takes over the replaced unit's warranty (M4);
    2. the customer delivery that shipped the serial (its sale order line);
    3. without a serial match, the customer's most recent delivered sale line
       of the product;
    4. otherwise unknown.
    """

    _name = "rma.unex.warranty"
    _description = "Warranty lookup"

    @api.model
    def _lookup_units(self, units):
        """Return {unit id: values to write on the unit} for every unit."""
        lots = units.lot_id
        deliveries = self._original_deliveries(lots)
        earlier = self._earlier_units(lots, units)
        own = {unit.id: self._own_sources(unit, deliveries, earlier) for unit in units}
        without_serial_source = units.filtered(
            lambda u: not own[u.id][0] and not own[u.id][1]
        )
        sales = self._latest_sales(without_serial_source)
        results = {}
        for unit in units:
            delivery, previous = own[unit.id]
            results[unit.id] = self._evaluate(unit, delivery, previous, sales)
            foreign = deliveries.get(unit.lot_id.id)
            if foreign and not delivery:
                results[unit.id].update(self._foreign_serial(foreign))
            else:
                results[unit.id].update(
                    serial_customer_mismatch=False, serial_delivered_to_id=False
                )
        return results

    @api.model
    def _own_sources(self, unit, deliveries, earlier):
        """(delivery, earlier units) of the unit's serial that belong to the
        unit's customer: another customer's give them nothing."""
        customer = unit.case_id.partner_id.commercial_partner_id
        delivery = deliveries.get(unit.lot_id.id)
        if delivery and delivery[3] != customer:
            delivery = None
        previous = earlier.get(unit.lot_id.id, self.env["rma.unex.unit"]).filtered(
            lambda u: u.partner_id.commercial_partner_id == customer
        )
        return delivery, previous

    @api.model
    def _foreign_serial(self, delivery):
        """The flag and the staff's note of a serial delivered elsewhere."""
        delivered, _sale_line, reference, customer = delivery
        return {
            "serial_customer_mismatch": True,
            "serial_delivered_to_id": customer.id,
            "warranty_source": _(
                "Serial delivered to another customer, %(customer)s (%(ref)s, "
                "%(date)s): its warranty is not used",
                customer=customer.display_name,
                ref=reference,
                date=delivered.date(),
            ),
        }

    # Sources -------------------------------------------------------------

    @api.model
    def _original_deliveries(self, lots):
        """{lot id: (datetime, sale line, description, customer)} of the latest
        customer delivery of each serial that was not itself an RMA return
        shipment; the customer is the commercial partner it went to."""
        result = {}
        latest = self.env["stock.move.line"]._rma_latest_customer_deliveries(lots)
        for lot, line in latest.items():
            sale_line = line.move_id.sale_line_id
            reference = line.picking_id.name or line.reference
            if sale_line:
                reference = f"{reference} ({sale_line.order_id.name})"
            partner = (
                sale_line.order_id.partner_id
                or line.picking_partner_id
                or line.move_id.partner_id
            )
            result[lot.id] = (
                line.date,
                sale_line,
                reference,
                partner.commercial_partner_id,
            )
        return result

    @api.model
    def _earlier_units(self, lots, units):
        """{lot id: earlier units (other cases) that received or shipped it}."""
        if not lots:
            return {}
        # sudo: an earlier case may belong to another company's team; only its
        # dates are used.
        previous = (
            self.env["rma.unex.unit"]
            .sudo()
            .search(
                [
                    ("id", "not in", units.ids),
                    "|",
                    "&",
                    ("lot_id", "in", lots.ids),
                    ("date_received", "!=", False),
                    "&",
                    ("shipped_lot_id", "in", lots.ids),
                    ("date_shipped", "!=", False),
                ],
                order="date_shipped desc, id desc",
            )
        )
        wanted = set(lots.ids)
        result = {}
        for unit in previous:
            for lot in unit.lot_id | unit.shipped_lot_id:
                if lot.id in wanted:
                    result.setdefault(lot.id, self.env["rma.unex.unit"])
                    result[lot.id] |= unit
        return result

    @api.model
    def _latest_sales(self, units):
        """{(commercial partner id, product id): (datetime, sale line, description)}."""
        if not units:
            return {}
        partners = units.case_id.partner_id.commercial_partner_id
        # sudo: the original sale may belong to another salesperson's team.
        sale_lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("product_id", "in", units.product_id.ids),
                    ("order_partner_id.commercial_partner_id", "in", partners.ids),
                    ("state", "=", "sale"),
                    ("qty_delivered", ">", 0),
                ],
                order="id desc",
            )
        )
        result = {}
        for line in sale_lines:
            order = line.order_id
            start = order.effective_date or order.date_order
            key = (order.partner_id.commercial_partner_id.id, line.product_id.id)
            if key not in result or start > result[key][0]:
                result[key] = (
                    start,
                    line,
                    _("Latest sale %(order)s", order=order.name),
                )
        return result

    # Evaluation ----------------------------------------------------------

    @api.model
    def _evaluate(self, unit, delivery, previous, sales):
        """The warranty of ``unit`` from its own delivery and earlier units."""
        company = unit.case_id.company_id
        days = unit.product_id.product_tmpl_id._rma_warranty_days(company)
        start = end = sale_line = False
        source = _("No delivery or sale found")
        shipped_before = previous.filtered(lambda u: u.shipped_lot_id == unit.lot_id)
        came_back_before = previous.filtered(lambda u: u.lot_id == unit.lot_id)

        if delivery:
            delivered, sale_line, reference, _customer = delivery
            start = company._rma_local_date(delivered)
            end = start + relativedelta(days=days)
            source = _("Delivery %(ref)s", ref=reference)
        elif not shipped_before:
            key = (unit.case_id.partner_id.commercial_partner_id.id, unit.product_id.id)
            if key in sales:
                sold, sale_line, source = sales[key]
                start = company._rma_local_date(sold)
                end = start + relativedelta(days=days)

        if shipped_before:
            # M3 / M4: covered until the later of the original end and the
            # repair warranty after the last return shipment of this serial.
            last = shipped_before[0]
            shipped = company._rma_local_date(last.date_shipped)
            repair_end = shipped + relativedelta(days=company.rma_repair_warranty_days)
            inherited_end = last.warranty_end_date or repair_end
            start = start or last.warranty_start_date or shipped
            sale_line = sale_line or last.warranty_sale_line_id
            end = max(d for d in (end, inherited_end, repair_end) if d)
            if last.lot_id and last.lot_id != unit.lot_id:
                source = _(
                    "Replacement for %(serial)s shipped by %(rma)s",
                    serial=last.lot_id.name,
                    rma=last.case_id.name,
                )
            else:
                source = _("Repair warranty after %(rma)s", rma=last.case_id.name)

        return {
            "warranty_status": self._status(unit, start, end, bool(shipped_before)),
            "warranty_start_date": start,
            "warranty_end_date": end,
            "warranty_sale_line_id": sale_line.id if sale_line else False,
            "warranty_source": source,
            "is_repeat_return": bool(came_back_before),
            "previous_unit_id": (came_back_before or shipped_before)[:1].id,
        }

    @api.model
    def _status(self, unit, start, end, shipped_before):
        """Void by CID (P4.2), dead on arrival (M1), in warranty, expired or
        unknown, on the day the customer applied."""
        reference_date = unit._warranty_reference_date()
        doa_days = unit.case_id.company_id.rma_doa_days
        if unit.cid_type and unit.cid_type != "none":
            return "void"
        if (
            start
            and not shipped_before
            and reference_date <= start + relativedelta(days=doa_days)
        ):
            return "doa"
        if end and reference_date <= end:
            return "in_warranty"
        return "expired" if start else "unknown"
