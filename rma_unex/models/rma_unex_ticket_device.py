from odoo import _, api, fields, models
from odoo.exceptions import UserError


class RmaUnexTicketDevice(models.Model):
    """One failing device of a support request (P1.2, P1.4, M14).

    A request carries one line per device; escalation makes one RMA unit per
    line. Lines come from the portal form, the RMA application form (xlsx),
    an e-mail, or staff on the ticket; all are checked by
    ``rma.unex.device.rows`` before they are created.
    """

    _name = "rma.unex.ticket.device"
    _inherit = ["rma.unex.mac.mixin"]
    _description = "Support Request Device"
    _order = "ticket_id, sequence, id"
    _check_company_auto = True

    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Support Request",
        required=True,
        index=True,
        ondelete="cascade",
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True)
    partner_id = fields.Many2one(
        related="ticket_id.commercial_partner_id", string="Customer", store=True
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product Model",
        index="btree_not_null",
        domain="[('type', '=', 'consu')]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index="btree_not_null",
        domain="[('product_id', '=', product_id)]",
    )
    serial = fields.Char(
        string="Serial Given",
        help="The serial number as the customer gave it, kept when it matches "
        "no serial of ours.",
    )
    firmware_version = fields.Char()
    sdk_version = fields.Char(string="SDK Version")
    driver_version = fields.Char()
    symptom = fields.Text(help="What fails on this device, in the customer's words.")
    return_reason_id = fields.Many2one("rma.unex.return.reason")
    sales_document_ref = fields.Char(
        string="Sales Invoice / Packing List",
        help="The distributor's sales invoice or packing list of this device (P7.2).",
    )
    unit_id = fields.Many2one(
        "rma.unex.unit",
        string="RMA Unit",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The unit the escalation made of this device.",
    )

    @api.depends("product_id", "lot_id", "serial", "mac_address")
    def _compute_display_name(self):
        for line in self:
            identity = line.lot_id.name or line.serial or line.mac_address or ""
            name = line.product_id.display_name or _("Device")
            line.display_name = f"{name} {identity}".strip()

    @api.model_create_multi
    def create(self, vals_list):
        self._mac_prefetch_lots(vals_list, "lot_id")
        for vals in vals_list:
            self._mac_complete_from_lot(vals, "lot_id", "product_id")
            if vals.get("lot_id") and not vals.get("serial"):
                vals["serial"] = self.env["stock.lot"].browse(vals["lot_id"]).name
        lines = super().create(vals_list)
        lines._check_devices_editable()
        return lines

    def write(self, vals):
        if vals.keys() - {"unit_id"}:  # the escalation links its units
            self._check_devices_editable()
        return super().write(vals)

    def unlink(self):
        self._check_devices_editable()
        return super().unlink()

    def _check_devices_editable(self):
        """Whoever may change the request may change its devices, and only
        while the request is open (helpdesk's own ticket rules apply)."""
        self.ticket_id.check_access("write")
        self.ticket_id._check_devices_editable()

    @api.onchange("lot_id")
    def _onchange_lot_id(self):
        if self.lot_id:
            self.product_id = self.lot_id.product_id
            self.serial = self.lot_id.name
            if self.lot_id.mac_address and not self.mac_address:
                self.mac_address = self.lot_id.mac_address

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for line in self.filtered("lot_id"):
            if line.lot_id.product_id != line.product_id:
                raise UserError(
                    _(
                        "Serial number %(lot)s belongs to %(lot_product)s, "
                        "not to %(product)s.",
                        lot=line.lot_id.name,
                        lot_product=line.lot_id.product_id.display_name,
                        product=line.product_id.display_name,
                    )
                )

    def _missing_fields(self):
        """Labels of what P1.2 needs and this device line lacks."""
        self.ensure_one()
        checks = (
            (self.product_id, _("product model")),
            (self.mac_address or self.lot_id or self.serial, _("MAC or serial")),
            (
                self.firmware_version or self.sdk_version or self.driver_version,
                _("firmware, SDK or driver version"),
            ),
        )
        return [label for present, label in checks if not present]

    def _prepare_rma_unit_vals(self):
        """Values of the RMA unit escalation makes of this line."""
        self.ensure_one()
        ticket = self.ticket_id
        symptom = (self.symptom or "").strip() or ticket._tsr_symptom_text()
        vals = {
            "product_id": self.product_id.id,
            "lot_id": self.lot_id.id,
            "mac_address": self.mac_address,
            "symptom": symptom,
            "sequence": self.sequence,
        }
        if self.return_reason_id:
            vals["return_reason_id"] = self.return_reason_id.id
        return vals
