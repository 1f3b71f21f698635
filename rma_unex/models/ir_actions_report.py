from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _get_rendering_context(self, report, docids, data):
        # X2: Odoo's generic /report/<type>/<name>/<ids> routes render with the
        # caller's rights. Check them before rendering, so that someone else's
        # RMA document is refused with a plain AccessError (HTTP 403) instead
        # of failing half-way through the QWeb template (HTTP 500).
        if report.model and report.model.startswith("rma.unex.") and docids:
            self.env[report.model].browse(docids).check_access("read")
        return super()._get_rendering_context(report, docids, data)
