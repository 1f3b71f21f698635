import io
from datetime import datetime

from openpyxl import load_workbook

from .common import RmaUnexCommon


class TestRegisterXlsx(RmaUnexCommon):
    """The xlsx register opens, with one row per unit and typed cells."""

    def test_register_rows_and_types(self):
        case = self.receive_and_evaluate(self.make_case(lots=self.lot | self.lot_2))
        self.analyse(case.unit_ids, self.env.ref("rma_unex.failure_category_rf"))
        other = self.make_case(partner=self.customer_b)
        report = self.env["ir.actions.report"]._get_report_from_name(
            "rma_unex.rma_register_xlsx"
        )
        content, kind = report.with_context(active_model="rma.unex.case")._render_xlsx(
            report.report_name, (case | other).ids, {}
        )
        self.assertEqual(kind, "xlsx")
        sheet = load_workbook(io.BytesIO(content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header, data = rows[0], rows[1:]
        self.assertEqual(header[0], "RMA Number")
        self.assertEqual(len(data), 3, "one row per unit of the selected cases")
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertTrue(sheet.auto_filter.ref)
        by_serial = {
            row[header.index("Serial")]: dict(zip(header, row, strict=True))
            for row in data
        }
        first = by_serial[self.lot.name]
        self.assertEqual(first["RMA Number"], case.name)
        self.assertIsInstance(first["Applied On"], datetime, "dates as dates")
        self.assertIsInstance(first["Received On"], datetime)
        self.assertEqual(first["Serial"], self.lot.name)
        self.assertEqual(first["MAC"], self.lot.mac_address)
        self.assertEqual(first["Failure Category"], "RF front-end")
        self.assertEqual(first["Status"], "Under Evaluation")
        self.assertEqual(first["Case Fees"], 0, "money as a number: no confirmed order")
        customers = {row[header.index("Customer")] for row in data}
        self.assertEqual(customers, {"Customer A", "Customer B"})
