from odoo import _, models

from ..models.rma_unex_constants import GROUP_SALES

BATCH = 2000


class RmaUnexRegisterXlsx(models.AbstractModel):
    """The RMA register: one row per unit of the selected cases (X1, M13).

    Streams rows in constant-memory mode and reads the units in batches, so
    a register of 100k rows stays in bounded memory.
    """

    _name = "report.rma_unex.rma_register_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "RMA Register (xlsx)"

    def get_workbook_options(self):
        return {"constant_memory": True, "remove_timezone": True}

    def _columns(self):
        """(header, width, kind, getter(unit, case)); kind picks the cell format."""

        def label(record, field):
            return dict(record._fields[field]._description_selection(record.env)).get(
                record[field], ""
            )

        # sudo: the fees sum orders of any salesperson; shown to the roles
        # that deal with charges, blank for the others (FAE, warehouse)
        show_fees = self.env.user.has_group(GROUP_SALES)
        return [
            (_("RMA Number"), 14, "text", lambda u, c: c.name or ""),
            (_("Customer Reference"), 16, "text", lambda u, c: c.customer_ref or ""),
            (_("Applied On"), 12, "date", lambda u, c: c.date_applied),
            (_("Authorised On"), 12, "date", lambda u, c: c.date_authorised),
            (_("Received On"), 12, "date", lambda u, c: u.date_received),
            (_("Shipped On"), 12, "date", lambda u, c: u.date_shipped),
            (_("Status"), 16, "text", lambda u, c: label(c, "state")),
            (_("Customer"), 28, "text", lambda u, c: c.partner_id.name or ""),
            (_("Product"), 28, "text", lambda u, c: u.product_id.display_name or ""),
            (_("Serial"), 16, "text", lambda u, c: u.lot_id.name or ""),
            (_("MAC"), 19, "text", lambda u, c: u.mac_address or ""),
            (_("Warranty"), 14, "text", lambda u, c: label(u, "warranty_status")),
            (_("CID"), 18, "text", lambda u, c: label(u, "cid_type")),
            (
                _("Failure Category"),
                22,
                "text",
                lambda u, c: u.fa_category_id.name or "",
            ),
            (_("Decision"), 18, "text", lambda u, c: label(u, "disposition")),
            (
                _("Case Fees"),
                12,
                "money",
                lambda u, c: (
                    sum(
                        c.sudo()
                        .sale_order_ids.filtered(lambda o: o.state == "sale")
                        .mapped("amount_untaxed")
                    )
                    if show_fees
                    else None
                ),
            ),
            (
                _("Turnaround (days)"),
                10,
                "number",
                lambda u, c: (
                    (u.date_shipped - u.date_received).days
                    if u.date_shipped and u.date_received
                    else None
                ),
            ),
            (_("Response Met"), 10, "text", lambda u, c: label(c, "response_result")),
        ]

    def generate_xlsx_report(self, workbook, data, cases):
        sheet = workbook.add_worksheet(_("RMA Register"))
        formats = {
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#DDE4EE", "border": 1}
            ),
            "text": None,
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "number": workbook.add_format({"num_format": "0"}),
        }
        columns = self._columns()
        for col, (header, width, _kind, _getter) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(0, col, header, formats["header"])
        sheet.freeze_panes(1, 0)
        Unit = self.env["rma.unex.unit"]
        unit_ids = Unit.search(
            [("case_id", "in", cases.ids)], order="case_id, sequence, id"
        ).ids
        # run by a background job: report the rows written after each batch
        # sudo: the job's progress is written by it; its user only reads it
        job = self.env["rma.unex.job"].sudo().browse((data or {}).get("rma_job_id"))
        row = 0
        for start in range(0, len(unit_ids), BATCH):
            for unit in Unit.browse(unit_ids[start : start + BATCH]):
                row += 1
                for col, (_header, _width, kind, getter) in enumerate(columns):
                    value = getter(unit, unit.case_id)
                    if value is None or value is False or value == "":
                        continue
                    if kind == "date":
                        sheet.write_datetime(row, col, value, formats["date"])
                    elif kind in ("money", "number"):
                        sheet.write_number(row, col, value, formats[kind])
                    else:
                        sheet.write_string(row, col, str(value))
            # keep memory bounded: forget the batch once written
            self.env.invalidate_all()
            if job:
                job._rma_report_progress(row)
        sheet.autofilter(0, 0, max(row, 1), len(columns) - 1)
