from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import html2plaintext
from odoo.tools.misc import format_date

from .rma_unex_device_rows import plain_text
from .rma_unex_mac_mixin import _MAC_FORMS, normalize_mac

# Numbers not recognised per user and minute before the lookup pauses: a
# customer mistyping a serial gets a few tries; guessing serials does not pay.
MAX_MISSES_PER_MINUTE = 10
# Longest serial or MAC the form takes (its inputs' maxlength).
MAX_IDENTITY_LENGTH = 64
# Serials matching one typed number: the same serial of several products.
MAX_LOTS = 10


class RmaUnexDeviceRecognition(models.AbstractModel):
    """The device behind a serial or MAC typed on the portal's support request
    form (P1.2, P1.4, P4.1, M12, X2).

    Only a serial delivered to the customer's own company (their commercial
    partner) is recognised: by its original delivery, or by an RMA return
    shipment of theirs (repair or replacement, M3, M4), whichever is the
    latest. The answer then gives the product, the warranty of the warranty
    service and the public bulletins of the product and firmware. Anything
    else (unknown, another customer's, never delivered) gets one and the same
    "not found" answer. A fixed number of queries, indexed, whatever the size
    of the database.

    The answer is the same; the work is not quite: an unknown number stops
    after the serial search, a known serial also searches its shipments and
    reads the latest to learn whose it is. A few milliseconds could tell that
    a serial exists, never whose; the throttle keeps such probing slow."""

    _name = "rma.unex.device.recognition"
    _description = "Device recognition (portal)"

    @api.model
    def _serviceable_product_domain(self):
        """The devices we service: saleable goods tracked by serial number."""
        return [
            ("sale_ok", "=", True),
            ("type", "=", "consu"),
            ("tracking", "=", "serial"),
        ]

    @api.model
    def _purchased_product_ids(self, customer):
        """Ids of the serviceable products the customer's company bought
        (confirmed sale order lines), in one grouped query."""
        if not customer:
            return set()
        # sudo: a colleague's orders are not all readable by a portal user;
        # only the product ids of the customer's own company leave here.
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("order_partner_id.commercial_partner_id", "=", customer.id),
                    ("state", "=", "sale"),
                    ("product_id", "any", self._serviceable_product_domain()),
                ],
                ["product_id"],
            )
        )
        return {product.id for (product,) in groups}

    # The portal's entry point -------------------------------------------

    @api.model
    def _recognise_for_user(self, user, identity, firmware=""):
        """The answer to ``user`` typing ``identity`` (a serial or a MAC) and
        optionally ``firmware``, throttled per user. Called by the portal
        route; the answer is always the dict of ``_answer``."""
        key = f"user:{user.id}"
        if self._throttled(key):
            return self._answer(
                throttled=True,
                message=self.env._(
                    "Too many numbers were not recognised: wait a minute before "
                    "trying again, or choose the product yourself."
                ),
            )
        answer = self._recognise(user.partner_id, identity, firmware)
        self._record_attempt(key, answer["found"])
        return answer

    @api.model
    def _throttled(self, key):
        """Whether ``key`` missed too often in the last minute. The attempts
        are kept as the guest status look-up keeps its own (M9)."""
        since = fields.Datetime.now() - timedelta(minutes=1)
        # sudo: throttle records are only read and written by server code.
        misses = (
            self.env["rma.unex.status.lookup"]
            .sudo()
            .search_count(
                [
                    ("ip_address", "=", key),
                    ("found", "=", False),
                    ("create_date", ">=", since),
                ],
                limit=MAX_MISSES_PER_MINUTE,
            )
        )
        return misses >= MAX_MISSES_PER_MINUTE

    @api.model
    def _record_attempt(self, key, found):
        # sudo: throttle records are only read and written by server code.
        self.env["rma.unex.status.lookup"].sudo().create(
            {"ip_address": key, "found": found}
        )

    # The lookup ----------------------------------------------------------

    @api.model
    def _recognise(self, partner, identity, firmware=""):
        """The answer for ``partner``'s company: found with product, warranty
        and bulletins, or the one "not found" answer."""
        text = plain_text(identity if isinstance(identity, str) else "")
        firmware = plain_text(firmware if isinstance(firmware, str) else "")
        customer = partner.commercial_partner_id
        if not text or len(text) > MAX_IDENTITY_LENGTH or not customer:
            return self._answer()
        company = partner.company_id or self.env.company
        lots = self._find_lots(text, company)
        lot, delivery, previous = self._owned_lot(lots, customer)
        if not lot:
            return self._answer()
        product = lot.product_id
        warranty = self._warranty(lot, customer, company, delivery, previous)
        return self._answer(
            found=True,
            message=self._found_message(product, warranty),
            product={"id": product.id, "name": product.display_name},
            warranty=warranty,
            bulletins=self._bulletins(product, firmware[:MAX_IDENTITY_LENGTH]),
        )

    @api.model
    def _lot_domain(self, text, company):
        """Serials of our devices named by ``text``: the serial number as
        typed or in capitals (never a pattern), or the MAC in any notation
        (P1.4)."""
        mac = False
        if _MAC_FORMS.match(text):
            try:
                mac = normalize_mac(text)
            except ValidationError:  # all-zero, broadcast or multicast
                mac = False
        domain = [("name", "in", sorted({text, text.upper()}))]
        if mac:
            domain = ["|", ("mac_address", "=", mac)] + domain
        return domain + [
            ("company_id", "in", [company.id, False]),
            ("product_id", "any", self._serviceable_product_domain()),
        ]

    @api.model
    def _find_lots(self, text, company):
        """One indexed query (btree indexes of the name and of the MAC)."""
        # sudo: portal users cannot read serials; only a serial of the
        # customer's own company is answered, by _owned_lot.
        return (
            self.env["stock.lot"]
            .sudo()
            .search(self._lot_domain(text, company), limit=MAX_LOTS, order="id")
        )

    @api.model
    def _owned_lot(self, lots, customer):
        """(lot, its delivery, its earlier units) of the serial whose latest
        shipment to a customer (sale delivery or RMA return shipment) went to
        ``customer``; (None, None, None) if none did. The delivery and the
        units are those of the warranty service, kept when they are the
        customer's own, as it keeps them."""
        Warranty = self.env["rma.unex.warranty"]
        deliveries = Warranty._original_deliveries(lots)
        earlier = Warranty._earlier_units(lots, self.env["rma.unex.unit"])
        for lot in lots:
            units = earlier.get(lot.id, self.env["rma.unex.unit"])
            shipments = [
                (unit.date_shipped, unit.partner_id.commercial_partner_id)
                for unit in units
                if unit.shipped_lot_id == lot and unit.date_shipped
            ]
            delivery = deliveries.get(lot.id)
            if delivery:
                shipments.append((delivery[0], delivery[3]))
            if not shipments or max(shipments, key=lambda s: s[0])[1] != customer:
                continue
            if delivery and delivery[3] != customer:
                delivery = None
            own_units = units.filtered(
                lambda u: u.partner_id.commercial_partner_id == customer
            )
            return lot, delivery, own_units
        return None, None, None

    @api.model
    def _warranty(self, lot, customer, company, delivery, previous):
        """The warranty service's verdict (P4.1, M1, M3, M4) for a unit of
        this serial applied for today, as a dict for the browser."""
        # sudo: a case and a unit in memory only, never saved, to ask the
        # warranty service what a return applied for today would get.
        case = (
            self.env["rma.unex.case"]
            .sudo()
            .new(
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "date_applied": fields.Datetime.now(),
                }
            )
        )
        # sudo: the same in-memory unit, of that case
        unit = (
            self.env["rma.unex.unit"]
            .sudo()
            .new({"case_id": case, "product_id": lot.product_id.id, "lot_id": lot.id})
        )
        values = self.env["rma.unex.warranty"]._evaluate(unit, delivery, previous, {})
        status, end = values["warranty_status"], values["warranty_end_date"]
        labels = dict(
            self.env["rma.unex.unit"]
            ._fields["warranty_status"]
            ._description_selection(self.env)
        )
        return {
            "status": status,
            "label": labels.get(status, status),
            "end_date": fields.Date.to_string(end) if end else False,
            "end_date_text": format_date(self.env, end) if end else "",
        }

    @api.model
    def _found_message(self, product, warranty):
        _ = self.env._
        when = warranty["end_date_text"]
        if warranty["status"] == "expired":
            status = _("warranty expired on %(date)s", date=when)
        elif warranty["status"] == "doa" and when:
            status = _("dead on arrival window; in warranty until %(date)s", date=when)
        elif warranty["status"] == "in_warranty" and when:
            status = _("in warranty until %(date)s", date=when)
        else:
            status = warranty["label"]
        return _(
            "%(product)s: %(status)s.", product=product.display_name, status=status
        )

    @api.model
    def _bulletins(self, product, firmware):
        """Public bulletins of the product (M12); those of the firmware's
        range when a firmware is given."""
        # sudo: public bulletins are meant for customers (M12).
        Bulletin = self.env["rma.unex.service.bulletin"].sudo()
        if firmware:
            bulletins = Bulletin._matching(product, firmware, public_only=True)
        else:
            bulletins = Bulletin.search(
                [("product_ids", "in", product.ids), ("is_public", "=", True)]
            )
        return [
            {
                "id": bulletin.id,
                "name": bulletin.name,
                "firmware": self._firmware_range(bulletin),
                "workaround": html2plaintext(bulletin.workaround or "").strip(),
            }
            for bulletin in bulletins
        ]

    @api.model
    def _firmware_range(self, bulletin):
        if not (bulletin.firmware_from or bulletin.firmware_to):
            return ""
        return self.env._(
            "firmware %(low)s to %(high)s",
            low=bulletin.firmware_from or "…",
            high=bulletin.firmware_to or "…",
        )

    @api.model
    def _answer(
        self,
        found=False,
        message=None,
        throttled=False,
        product=False,
        warranty=False,
        bulletins=(),
    ):
        """The one shape of every answer; "not found" by default, the same
        whatever the reason (X2)."""
        if message is None:
            message = self.env._(
                "Not found: check the number, or choose the product yourself."
            )
        return {
            "found": found,
            "throttled": throttled,
            "message": message,
            "product": product,
            "warranty": warranty,
            "bulletins": list(bulletins),
        }
