from odoo import _, api, fields, models

# Both RMA locations hold stock of the warehouse's company (or shared).
INTERNAL_LOCATION_DOMAIN = (
    "[('usage', '=', 'internal'), ('company_id', 'in', [company_id, False])]"
)


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    rma_location_id = fields.Many2one(
        "stock.location",
        string="RMA Location",
        check_company=True,
        domain=INTERNAL_LOCATION_DOMAIN,
        help="Where returned units wait for evaluation and repair (P3.4).",
    )
    rma_refurbish_location_id = fields.Many2one(
        "stock.location",
        string="Refurbishment Location",
        check_company=True,
        domain=INTERNAL_LOCATION_DOMAIN,
        help="Where replaced or credited units go to be refurbished (M7).",
    )
    rma_unex_in_type_id = fields.Many2one(
        "stock.picking.type", string="RMA Receipt Type", check_company=True
    )
    rma_unex_out_type_id = fields.Many2one(
        "stock.picking.type", string="RMA Return Type", check_company=True
    )
    rma_unex_in_return_type_id = fields.Many2one(
        "stock.picking.type",
        string="RMA Send-back Type",
        check_company=True,
        help="Returns of RMA receipts: a box received by mistake goes back.",
    )
    rma_unex_out_return_type_id = fields.Many2one(
        "stock.picking.type",
        string="RMA Returned Shipment Type",
        check_company=True,
        help="Returns of RMA return shipments: the carrier brings one back.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        warehouses._rma_unex_setup()
        return warehouses

    def _rma_unex_setup(self):
        """Create the RMA location and operation types where they are missing."""
        for warehouse in self:
            vals = {}
            if not warehouse.rma_location_id:
                vals["rma_location_id"] = (
                    self.env["stock.location"]
                    .create(
                        {
                            "name": _("RMA"),
                            "usage": "internal",
                            "location_id": warehouse.view_location_id.id,
                            "company_id": warehouse.company_id.id,
                        }
                    )
                    .id
                )
            if not warehouse.rma_refurbish_location_id:
                vals["rma_refurbish_location_id"] = (
                    self.env["stock.location"]
                    .create(
                        {
                            "name": _("RMA Refurbishment"),
                            "usage": "internal",
                            "location_id": warehouse.view_location_id.id,
                            "company_id": warehouse.company_id.id,
                        }
                    )
                    .id
                )
            location_id = vals.get("rma_location_id") or warehouse.rma_location_id.id
            customers = self.env.ref("stock.stock_location_customers")
            PickingType = self.env["stock.picking.type"]
            if not warehouse.rma_unex_in_type_id:
                vals["rma_unex_in_type_id"] = PickingType.create(
                    warehouse._rma_picking_type_vals(
                        "incoming",
                        _("RMA Receipts"),
                        "RMA-IN",
                        customers.id,
                        location_id,
                    )
                ).id
            if not warehouse.rma_unex_out_type_id:
                vals["rma_unex_out_type_id"] = PickingType.create(
                    warehouse._rma_picking_type_vals(
                        "outgoing",
                        _("RMA Returns"),
                        "RMA-OUT",
                        location_id,
                        customers.id,
                    )
                ).id
            if vals:
                warehouse.write(vals)
            warehouse._rma_unex_setup_return_types(location_id, customers.id)

    def _rma_unex_setup_return_types(self, location_id, customers_id):
        """The types the standard Return of RMA receipts and return shipments
        takes (the same type again would be refused or ship twice)."""
        self.ensure_one()
        vals = {}
        if not self.rma_unex_in_return_type_id:
            vals["rma_unex_in_return_type_id"] = (
                self.env["stock.picking.type"]
                .create(
                    dict(
                        self._rma_picking_type_vals(
                            "outgoing",
                            _("RMA Send-backs"),
                            "RMA-BACK",
                            location_id,
                            customers_id,
                        ),
                        rma_unex_return_of="receipt",
                    )
                )
                .id
            )
        if not self.rma_unex_out_return_type_id:
            vals["rma_unex_out_return_type_id"] = (
                self.env["stock.picking.type"]
                .create(
                    dict(
                        self._rma_picking_type_vals(
                            "incoming",
                            _("RMA Returned Shipments"),
                            "RMA-RET",
                            customers_id,
                            location_id,
                        ),
                        rma_unex_return_of="shipment",
                    )
                )
                .id
            )
        if vals:
            self.write(vals)
        self.rma_unex_in_type_id.return_picking_type_id = (
            self.rma_unex_in_return_type_id
        )
        self.rma_unex_out_type_id.return_picking_type_id = (
            self.rma_unex_out_return_type_id
        )

    def _rma_picking_type_vals(self, code, name, prefix, source_id, dest_id):
        self.ensure_one()
        sequence = self.env["ir.sequence"].create(
            {
                "name": f"{self.name} {name}",
                "prefix": f"{self.code}/{prefix}/",
                "padding": 5,
                "company_id": self.company_id.id,
            }
        )
        return {
            "name": name,
            "code": code,
            "sequence_code": prefix,
            "sequence_id": sequence.id,
            "warehouse_id": self.id,
            "company_id": self.company_id.id,
            "default_location_src_id": source_id,
            "default_location_dest_id": dest_id,
            # A box may hold a serial we never recorded: let the clerk type it.
            "use_create_lots": True,
            "use_existing_lots": True,
            "create_backorder": "always",
            "is_rma_unex": True,
        }
