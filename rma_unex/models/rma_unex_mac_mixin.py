import re

from netaddr import EUI, AddrFormatError, NotRegisteredError, mac_unix_expanded

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# The notations customers type (P1.4): colon or dash separated pairs, Cisco
# dotted quads, or twelve bare hex digits. netaddr accepts more than this
# (integers, EUI-64, unpadded groups), so the accepted forms are checked first.
_MAC_FORMS = re.compile(
    r"^(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}"
    r"|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}"
    r"|[0-9a-f]{12})$",
    re.IGNORECASE,
)


class mac_canonical(mac_unix_expanded):  # noqa: N801 - netaddr dialect naming
    """AA:BB:CC:DD:EE:FF, the one form rma_unex stores."""

    word_fmt = "%.2X"


def parse_mac(value):
    """Return the EUI of a MAC typed in any accepted form, or raise ValidationError."""
    text = (value or "").strip()
    if not _MAC_FORMS.match(text):
        raise ValidationError(
            _(
                "“%(mac)s” is not a MAC address. Use six pairs of hex digits, "
                "e.g. 00:01:A7:12:34:56, 00-01-A7-12-34-56, 0001.a712.3456 "
                "or 0001A7123456.",
                mac=value,
            )
        )
    eui = EUI(text, version=48, dialect=mac_canonical)
    if int(eui) == 0 or eui.words[0] & 1:
        raise ValidationError(
            _(
                "%(mac)s is an all-zero, broadcast or multicast address, "
                "not the address of a device.",
                mac=str(eui),
            )
        )
    return eui


def normalize_mac(value):
    """Canonical text of a MAC (AA:BB:CC:DD:EE:FF); empty stays empty."""
    if not value or not str(value).strip():
        return False
    return str(parse_mac(value))


def parse_oui_blocks(text):
    """The company's OUI setting ("00:01:A7, 0010A7") as a set of 6-hex prefixes."""
    blocks = set()
    for chunk in re.split(r"[,;\s]+", text or ""):
        digits = re.sub(r"[^0-9A-Fa-f]", "", chunk).upper()
        if len(digits) == 6:
            blocks.add(digits)
    return blocks


class RmaUnexMacMixin(models.AbstractModel):
    """A normalised, searchable MAC address with an OUI plausibility flag.

    Used by support requests, RMA units and lots so a MAC typed anywhere in
    any accepted notation is stored in one form and found again (P1.4).
    """

    _name = "rma.unex.mac.mixin"
    _description = "MAC address (normalised)"

    mac_address = fields.Char(
        string="MAC Address",
        index="btree_not_null",
        copy=False,
        help="Stored as AA:BB:CC:DD:EE:FF whatever notation was typed.",
    )
    mac_oui_warning = fields.Char(
        string="MAC Warning",
        compute="_compute_mac_oui_warning",
        help="Set when the MAC is outside the company's registered OUI blocks: "
        "possibly mistyped, or not one of our devices.",
    )

    @api.depends("mac_address")
    def _compute_mac_oui_warning(self):
        for record in self:
            record.mac_oui_warning = record._mac_oui_warning_text()

    def _mac_oui_company(self):
        company = self["company_id"] if "company_id" in self._fields else False
        return company or self.env.company

    def _mac_oui_warning_text(self):
        self.ensure_one()
        if not self.mac_address:
            return False
        blocks = parse_oui_blocks(self._mac_oui_company().rma_oui_blocks)
        eui = EUI(self.mac_address)
        prefix = f"{int(eui.oui):06X}"
        if not blocks or prefix in blocks:
            return False
        try:
            owner = eui.oui.registration().org
        except NotRegisteredError:
            owner = _("no registered manufacturer")
        return _(
            "OUI %(oui)s is not one of ours (IEEE registry: %(owner)s): "
            "check for a typo or a third-party device.",
            oui=str(eui.oui),
            owner=owner,
        )

    @api.model
    def _mac_search_domain(self, value):
        """Domain matching a full MAC in any notation, or a fragment of one."""
        try:
            return [("mac_address", "=", normalize_mac(value))]
        except (ValidationError, AddrFormatError):
            fragment = re.sub(r"[^0-9A-Fa-f:]", "", value or "").upper()
            return [("mac_address", "ilike", fragment or value)]

    @api.model
    def _mac_prefetch_lots(self, vals_list, lot_field):
        """Read the serials of a batch of values at once, for
        _mac_complete_from_lot (and the caller) to find them in the cache."""
        lot_ids = {vals[lot_field] for vals in vals_list if vals.get(lot_field)}
        self.env["stock.lot"].browse(lot_ids).fetch(["name", "mac_address"])

    @api.model
    def _mac_complete_from_lot(self, vals, lot_field, product_field):
        """Fill the MAC from the serial, or the serial from the MAC (lots have both)."""
        Lot = self.env["stock.lot"]
        if vals.get(lot_field) and not vals.get("mac_address"):
            vals["mac_address"] = Lot.browse(vals[lot_field]).mac_address
        elif vals.get("mac_address") and not vals.get(lot_field):
            lot = Lot.search(self._mac_search_domain(vals["mac_address"]), limit=1)
            if lot and vals.get(product_field) in (None, False, lot.product_id.id):
                vals[lot_field] = lot.id
                vals[product_field] = lot.product_id.id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "mac_address" in vals:
                vals["mac_address"] = normalize_mac(vals["mac_address"])
        return super().create(vals_list)

    def write(self, vals):
        if "mac_address" in vals:
            vals = dict(vals, mac_address=normalize_mac(vals["mac_address"]))
        return super().write(vals)

    @api.model
    def _search(self, domain, *args, **kwargs):
        return super()._search(self._mac_normalize_domain(domain), *args, **kwargs)

    @api.model
    def _mac_normalize_domain(self, domain):
        """Let ('mac_address', '=' / 'ilike', typed text) find the stored form."""
        result = []
        for leaf in domain or []:
            if (
                isinstance(leaf, (list, tuple))
                and len(leaf) == 3
                and leaf[0] == "mac_address"
                and leaf[1] in ("=", "ilike")
                and isinstance(leaf[2], str)
            ):
                sub = self._mac_search_domain(leaf[2])
                if leaf[1] == "=" and sub[0][1] != "=":
                    sub = [("mac_address", "=", leaf[2])]
                result.extend(sub)
            else:
                result.append(leaf)
        return result
