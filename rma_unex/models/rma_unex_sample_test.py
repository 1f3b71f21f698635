from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .rma_unex_constants import GROUP_QUALITY, Action, Transition

_lt = LazyTranslate(__name__)


class RmaUnexSampleTest(models.Model):
    """A sample sent to the original factory or a lab for root-cause
    analysis (P7.4): where it is, and what the lab concluded."""

    _name = "rma.unex.sample.test"
    _description = "Sample Test"
    _inherit = ["mail.thread", "rma.unex.guarded.mixin"]
    _order = "date_sent desc, id desc"

    _TRANSITIONS = {
        "record_result": Transition(
            ("at_lab",), "concluded", (GROUP_QUALITY,), _lt("Record a lab result")
        ),
    }
    _ACTIONS = {
        "apply_to_fa": Action(
            ("concluded",),
            (GROUP_QUALITY,),
            _lt("Update a failure analysis"),
            buttons=("action_apply_to_fa",),
        ),
    }

    unit_id = fields.Many2one(
        "rma.unex.unit", required=True, index=True, ondelete="restrict"
    )
    case_id = fields.Many2one(related="unit_id.case_id", store=True, index=True)
    company_id = fields.Many2one(related="unit_id.company_id", store=True)
    lab_id = fields.Many2one(
        "res.partner", string="Laboratory", required=True, tracking=True
    )
    date_sent = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    tracking_ref = fields.Char(string="Tracking Reference")
    date_expected = fields.Date(string="Result Expected")
    date_result = fields.Date(
        string="Result Received", readonly=True, tracking=True, rma_protected=True
    )
    conclusion = fields.Text(readonly=True, rma_protected=True)
    report_attachment_ids = fields.Many2many("ir.attachment", string="Lab Report")
    state = fields.Selection(
        [("at_lab", "At the lab"), ("concluded", "Concluded")],
        default="at_lab",
        required=True,
        readonly=True,
        tracking=True,
        rma_protected=True,
    )
    applied_to_fa = fields.Boolean(readonly=True, copy=False, rma_protected=True)

    @api.depends("unit_id", "lab_id")
    def _compute_display_name(self):
        for test in self:
            test.display_name = f"{test.unit_id.display_name} @ {test.lab_id.name}"

    def _record_result(self, conclusion, attachments=None):
        self._check_transition("record_result")
        if not (conclusion or "").strip():
            raise UserError(_("Record what the lab concluded."))
        self._apply_transition(
            "record_result",
            {"conclusion": conclusion, "date_result": fields.Date.context_today(self)},
        )
        if attachments:
            self.write(
                {
                    "report_attachment_ids": [
                        fields.Command.link(a.id) for a in attachments
                    ]
                }
            )
        return True

    def action_apply_to_fa(self):
        """Feed the lab's conclusion into the unit's failure analysis (P7.4 → P5.1)."""
        self._check_action("apply_to_fa")
        for test in self:
            unit = test.unit_id
            findings = "\n".join(
                filter(
                    None,
                    [
                        unit.fa_findings,
                        _(
                            "Lab %(lab)s (%(date)s): %(conclusion)s",
                            lab=test.lab_id.name,
                            date=test.date_result,
                            conclusion=test.conclusion,
                        ),
                    ],
                )
            )
            unit._rma_service_write(
                {
                    "fa_findings": findings,
                    "fa_root_cause": unit.fa_root_cause or test.conclusion,
                }
            )
            test._rma_service_write({"applied_to_fa": True})
            unit.case_id.message_post(
                body=Markup(_("Lab result of %s added to the failure analysis."))
                % unit.display_name
            )
        return True
