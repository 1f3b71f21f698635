import re

from odoo import api, fields, models


def version_key(text):
    """'7.1.3' -> (7, 1, 3); digits only, so 'v7.1-rc2' -> (7, 1, 2)."""
    return tuple(int(part) for part in re.findall(r"\d+", text or ""))


class RmaUnexServiceBulletin(models.Model):
    """A known issue of a product and firmware range, with its workaround
    (M12): shown to the engineer on matching support requests."""

    _name = "rma.unex.service.bulletin"
    _description = "Service Bulletin"
    _order = "sequence, id desc"

    name = fields.Char(string="Title", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    product_ids = fields.Many2many("product.product", string="Products", required=True)
    firmware_from = fields.Char(
        string="From Firmware", help="First affected version; empty: all earlier ones."
    )
    firmware_to = fields.Char(
        string="To Firmware", help="Last affected version; empty: all later ones."
    )
    issue = fields.Html(required=True, translate=True)
    workaround = fields.Html(translate=True)
    is_public = fields.Boolean(
        string="Show to Customers",
        help="Also shown to customers on the portal's support request form.",
    )

    def _covers(self, product, firmware):
        self.ensure_one()
        if product not in self.product_ids:
            return False
        version = version_key(firmware)
        if not version:
            return not (self.firmware_from or self.firmware_to)
        low, high = version_key(self.firmware_from), version_key(self.firmware_to)
        return (not low or version >= low) and (not high or version <= high)

    @api.model
    def _matching(self, product, firmware, public_only=False):
        """Bulletins for this product whose firmware range holds ``firmware``."""
        if not product:
            return self.browse()
        domain = [("product_ids", "in", product.ids)]
        if public_only:
            domain.append(("is_public", "=", True))
        return self.search(domain).filtered(lambda b: b._covers(product, firmware))
