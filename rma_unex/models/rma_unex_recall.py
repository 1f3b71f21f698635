from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_QUALITY, Transition

_lt = LazyTranslate(__name__)


class RmaUnexRecall(models.Model):
    """A recall of confirmed-defective goods (P7.5, M11): the lots or serial
    range, the customers they went to, one proactive case per customer."""

    _name = "rma.unex.recall"
    _description = "Recall Campaign"
    _inherit = ["mail.thread", "rma.unex.guarded.mixin"]
    _order = "id desc"

    _TRANSITIONS = {
        "launch": Transition(("draft",), "running", (GROUP_QUALITY,), _lt("Launch")),
        "done": Transition(("running",), "done", (GROUP_QUALITY,), _lt("Close")),
    }

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    product_ids = fields.Many2many("product.product", string="Products", required=True)
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Lots / Serials",
        domain="[('product_id', 'in', product_ids)]",
        help="Empty, and no serial range: every delivered serial of the products.",
    )
    serial_from = fields.Char(help="First serial of a range (compared as text).")
    serial_to = fields.Char(help="Last serial of a range.")
    reason = fields.Html(required=True)
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        rma_protected=True,
    )
    case_ids = fields.One2many("rma.unex.case", "recall_id", string="RMA Cases")
    affected_count = fields.Integer(
        compute="_compute_progress", string="Units Affected"
    )
    returned_count = fields.Integer(
        compute="_compute_progress", string="Units Returned"
    )
    progress = fields.Float(compute="_compute_progress", string="Returned (%)")
    launch_job_id = fields.Many2one(
        "rma.unex.job",
        compute="_compute_launch_job_id",
        help="The background job opening the cases of a large recall.",
    )
    launch_job_state = fields.Selection(
        lambda self: self.env["rma.unex.job"]._fields["state"].selection,
        compute="_compute_launch_job_id",
        string="Launch Status",
    )
    launch_job_progress = fields.Float(
        compute="_compute_launch_job_id", string="Cases Opened (%)"
    )

    @api.depends("case_ids.unit_ids.date_received")
    def _compute_progress(self):
        for recall in self:
            units = recall.case_ids.unit_ids
            recall.affected_count = len(units)
            recall.returned_count = len(units.filtered("date_received"))
            recall.progress = (
                100.0 * recall.returned_count / recall.affected_count
                if recall.affected_count
                else 0.0
            )

    @api.depends_context("uid")
    def _compute_launch_job_id(self):
        # the user's own jobs, or all for the manager (record rules)
        jobs = self.env["rma.unex.job"].search(
            [("job_type", "=", "recall"), ("res_model", "=", self._name)],
            order="id desc",
        )
        for recall in self:
            job = jobs.filtered(lambda j, r=recall: j.res_ids == [r.id])[:1]
            recall.launch_job_id = job
            recall.launch_job_state = job.state
            recall.launch_job_progress = job.progress

    def _affected_lots(self):
        """The chosen lots, plus the serial range; with neither, the whole
        production of the products (a full recall, P7.5)."""
        self.ensure_one()
        lots = self.lot_ids
        domain = [("product_id", "in", self.product_ids.ids)]
        if self.serial_from:
            domain.append(("name", ">=", self.serial_from))
        if self.serial_to:
            domain.append(("name", "<=", self.serial_to))
        if self.serial_from or self.serial_to or not lots:
            lots |= self.env["stock.lot"].search(domain)
        return lots

    def _delivered_customers(self, lots):
        """{commercial partner: lots} of the customers the lots were delivered to."""
        latest = {
            lot: line.picking_partner_id or line.move_id.partner_id
            for lot, line in self.env["stock.move.line"]
            ._rma_latest_customer_deliveries(lots)
            .items()
        }
        result = {}
        for lot, partner in latest.items():
            customer = partner.commercial_partner_id
            if customer:
                result[customer] = result.get(customer, self.env["stock.lot"]) | lot
        return result

    def action_launch(self):
        """Open one proactive case per affected customer, at our cost (P7.5).

        A recall of more serials than the company's background threshold is
        opened by a background job; the user is notified when it is done."""
        self._check_transition("launch")
        Job = self.env["rma.unex.job"]
        for recall in self:
            lots = recall._affected_lots()
            if not Job._rma_runs_inline(len(lots)):
                job = Job._rma_launch_recall(recall, lots)
                if len(self) == 1:
                    return job._rma_queued_notification()
                continue
            by_customer = recall._delivered_customers(lots)
            if not by_customer:
                raise UserError(_("None of these serials was delivered to a customer."))
            recall._open_cases(by_customer)
            recall._write_transition("launch")
        return True

    def _check_can_launch(self):
        for recall in self:
            if not recall._affected_lots():
                raise UserError(_("Choose the lots or the serial range of the recall."))

    def _open_cases(self, by_customer):
        """Create the recall cases of {customer: lots}, one per customer."""
        self.ensure_one()
        return self.env["rma.unex.case"].create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": self.company_id.id,
                    "recall_id": self.id,
                    "is_recall": True,
                    "description": self.reason,
                    "unit_ids": [
                        Command.create(
                            {
                                "product_id": lot.product_id.id,
                                "lot_id": lot.id,
                                "symptom": self.name,
                            }
                        )
                        for lot in customer_lots
                    ],
                }
                for customer, customer_lots in by_customer.items()
            ]
        )

    def action_done(self):
        return self._apply_transition("done")

    def action_view_cases(self):
        return self.case_ids._get_records_action(name=_("Recall Cases"))
