from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.osv.expression import AND

from .rma_unex_constants import COVERED_STATUSES, GROUP_USER
from .rma_unex_cron_batch import CronStep

# Authorisation e-mails sent per batch of the background job (one commit each).
AUTHORISATION_MAIL_BATCH = 20


class RmaUnexCase(models.Model):
    """Sales review and authorisation: the customer's agreement to charges
    (P2.4), the RMA number (P3.1), the authorisation e-mail with the shipping
    instructions (P3.2), and how long the authorisation waits for the goods
    (M2)."""

    _inherit = "rma.unex.case"
    date_authorised = fields.Datetime(readonly=True, copy=False, rma_protected=True)
    authorisation_mail_queued = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        rma_protected=True,
        help="Authorised, its e-mail with the authorisation PDF still to send "
        "(by the background job that renders the documents).",
    )
    authorisation_mail_user_id = fields.Many2one(
        "res.users",
        string="Authorised By",
        readonly=True,
        copy=False,
        rma_protected=True,
        help="Who authorised: the authorisation e-mail goes out in their name.",
    )
    # M2: an authorisation waits a limited time for the goods.
    authorisation_valid_until = fields.Date(
        compute="_compute_authorisation_valid_until", store=True
    )
    authorisation_reminder_date = fields.Datetime(
        readonly=True, copy=False, rma_protected=True
    )
    authorisation_expired = fields.Boolean(
        readonly=True, copy=False, tracking=True, rma_protected=True
    )
    authorisation_expiry_reason = fields.Char(
        readonly=True, copy=False, rma_protected=True
    )
    # P2.4: the customer's agreement to potential charges for units that look
    # out of warranty. Recorded through the charge agreement wizard.
    charges_agreed = fields.Boolean(compute="_compute_charges_agreed", store=True)
    charges_agreed_partner_id = fields.Many2one(
        "res.partner",
        string="Charges Agreed By",
        readonly=True,
        copy=False,
        tracking=True,
        rma_protected=True,
    )
    charges_agreed_date = fields.Datetime(readonly=True, copy=False, rma_protected=True)
    charges_agreement_method = fields.Selection(
        [
            ("portal", "Portal"),
            ("email", "Email"),
            ("phone", "Phone call"),
            ("signed_form", "Signed RMA form"),
        ],
        string="Agreed Through",
        readonly=True,
        copy=False,
        rma_protected=True,
    )
    charges_agreement_note = fields.Text(
        readonly=True,
        copy=False,
        groups=GROUP_USER,
        rma_protected=True,
    )
    charges_agreement_user_id = fields.Many2one(
        "res.users",
        string="Agreement Recorded By",
        readonly=True,
        copy=False,
        rma_protected=True,
    )
    needs_charge_agreement = fields.Boolean(
        compute="_compute_needs_charge_agreement",
        store=True,
        help="Some units may not be under warranty and the customer has not "
        "agreed to potential charges yet (P2.4).",
    )

    @api.depends("date_authorised", "company_id.rma_authorisation_days")
    def _compute_authorisation_valid_until(self):
        for case in self:
            case.authorisation_valid_until = case.date_authorised and (
                case.company_id._rma_local_date(case.date_authorised)
                + relativedelta(days=case.company_id.rma_authorisation_days)
            )

    @api.depends("charges_agreed_date")
    def _compute_charges_agreed(self):
        for case in self:
            case.charges_agreed = bool(case.charges_agreed_date)

    @api.depends(
        "unit_ids.warranty_status",
        "unit_ids.is_rejected",
        "charges_agreed",
        "is_recall",
    )
    def _compute_needs_charge_agreement(self):
        for case in self:
            # A recall is at our cost: nothing to agree to (P7.5).
            case.needs_charge_agreement = (
                not case.charges_agreed
                and not case.is_recall
                and bool(case._units_needing_agreement())
            )

    def _units_needing_agreement(self):
        return self._active_units().filtered(
            lambda u: u.warranty_status not in COVERED_STATUSES
        )

    # ------------------------------------------------------------------
    # Charge agreement (P2.4)
    # ------------------------------------------------------------------

    def action_open_charge_agreement_wizard(self):
        self._check_action("record_charge_agreement")
        return self._open_wizard(
            "rma.unex.charge.agreement.wizard", _("Customer agreement to charges")
        )

    def _record_charge_agreement(self, partner, method, note=False):
        """Store the customer's agreement to potential charges (P2.4)."""
        self._check_action("record_charge_agreement")
        self._rma_service_write(
            {
                "charges_agreed_partner_id": partner.id,
                "charges_agreed_date": fields.Datetime.now(),
                "charges_agreement_method": method,
                "charges_agreement_note": note,
                "charges_agreement_user_id": self.env.user.id,
            }
        )
        return True

    # ------------------------------------------------------------------
    # RMA numbers (P3.1) and the authorisation e-mail (P3.2)
    # ------------------------------------------------------------------

    def _next_rma_numbers(self):
        """{case: its new RMA number}, one batch per company and year (P3.1)."""
        numbers = {}
        for company in self.company_id:
            cases = self.filtered(lambda c, company=company: c.company_id == company)
            # sudo: sales staff issue numbers without rights on sequences.
            sequence = self.env["ir.sequence"].sudo()._rma_case_sequence(company)
            day = company._rma_local_date(fields.Datetime.now())
            numbers.update(
                zip(cases, sequence._rma_next_batch(len(cases), day), strict=True)
            )
        return numbers

    def _queue_authorisation_mail(self):
        """The authorisation e-mail (P3.1, P3.2) leaves in the background: its
        PDF, rendered by wkhtmltopdf, takes about a second a case, which an
        authorisation of a hundred cases must not wait for."""
        self._rma_service_write(
            {
                "authorisation_mail_queued": fields.Datetime.now(),
                "authorisation_mail_user_id": self.env.user.id,
            }
        )
        self.env.ref("rma_unex.ir_cron_rma_authorisation_mail")._trigger()

    @api.model
    def _cron_send_authorisation_mails(self, batch_size=AUTHORISATION_MAIL_BATCH):
        """Send the queued authorisation e-mails, a batch of cases per call
        (rma.unex.cron.batch: committed, Odoo calling again while some
        remain). Returns the number of cases whose e-mail went out."""
        return self.env["rma.unex.cron.batch"]._run(
            [
                CronStep(
                    "authorisation_mail",
                    self._name,
                    [("authorisation_mail_queued", "!=", False)],
                    lambda cases: cases._send_queued_authorisation_mails(),
                    size=batch_size,
                )
            ]
        )

    def _send_queued_authorisation_mails(self):
        """The queued e-mails of these cases, each in the name of who
        authorised, with their rights, as when the e-mail left with the
        authorisation; the cases leave the queue."""
        for (user, company), cases in self.grouped(
            lambda case: (case.authorisation_mail_user_id, case.company_id)
        ).items():
            if user.active:
                cases = cases.with_user(user).with_company(company)
            cases._send_authorisation()
        self._rma_service_write({"authorisation_mail_queued": False})

    def _send_authorisation(self):
        """Post the authorisation e-mail on the cases (as the current user)
        and queue it to their contacts."""
        for case in self:
            if case.contact_id or case.partner_id.email:
                case.message_subscribe(
                    partner_ids=(case.contact_id or case.partner_id).ids
                )
        self._post_template_batch(
            self.env.ref("rma_unex.mail_template_rma_authorised"), "comment"
        )

    def _post_template_batch(self, template, message_type="notification"):
        """Post ``template`` on every case of ``self``, to its recipients.

        One composer in batch comment mode renders the template for all the
        cases at once (per language) and posts on each; message_post_with_source
        would create and compute one composer per case.
        """
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=self.ids,
            )
            .create(
                {
                    "template_id": template.id,
                    "message_type": message_type,
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                }
            )
        )
        composer._action_send_mail()

    # ------------------------------------------------------------------
    # Validity of the authorisation (M2)
    # ------------------------------------------------------------------

    @api.model
    def _cron_authorisation_validity(self):
        """Remind, then expire, authorisations whose goods never arrived (M2):
        one committed batch per call, reminders first (rma.unex.cron.batch).
        The reminder date and the expired flag mark what is done."""
        now = fields.Datetime.now()
        Batch = self.env["rma.unex.cron.batch"]
        waiting = [
            ("state", "=", "authorised"),
            ("receipt_state", "=", "none"),
            ("authorisation_expired", "=", False),
        ]
        remind = Batch._by_company(
            self._name,
            AND([waiting, [("authorisation_reminder_date", "=", False)]]),
            lambda company: [
                (
                    "date_authorised",
                    "<=",
                    now - relativedelta(days=company.rma_authorisation_days),
                )
            ],
        )
        expire = Batch._by_company(
            self._name,
            AND([waiting, [("authorisation_reminder_date", "!=", False)]]),
            lambda company: [
                (
                    "authorisation_reminder_date",
                    "<=",
                    now - relativedelta(days=company.rma_authorisation_grace_days),
                )
            ],
        )
        return Batch._run(
            [
                CronStep(
                    "authorisation_reminder",
                    self._name,
                    remind,
                    lambda cases: cases._remind_authorisation(now),
                ),
                CronStep(
                    "authorisation_expiry",
                    self._name,
                    expire,
                    lambda cases: cases._expire_authorisation(),
                ),
            ]
        )

    def _remind_authorisation(self, now):
        """The customers are reminded to send the goods (one e-mail composer
        for all); sales gets an activity on each case (created together)."""
        self._rma_service_write({"authorisation_reminder_date": now})
        self._post_template_batch(
            self.env.ref("rma_unex.mail_template_rma_authorisation_reminder")
        )
        self.env["rma.unex.cron.batch"]._schedule_activities(
            [
                (
                    case,
                    {
                        "user_id": case.user_id.id,
                        "summary": self.env._("RMA goods not received"),
                    },
                )
                for case in self.filtered("user_id")
            ]
        )

    def _expire_authorisation(self):
        """No goods within the period and the grace days: boxes are refused."""
        bodies = {}
        for company in self.company_id:
            cases = self.filtered(lambda c, company=company: c.company_id == company)
            reason = _(
                "no goods received within %(days)s days of authorisation",
                days=company.rma_authorisation_days
                + company.rma_authorisation_grace_days,
            )
            cases._rma_service_write(
                {"authorisation_expired": True, "authorisation_expiry_reason": reason}
            )
            body = _("Authorisation expired: %(reason)s.", reason=reason)
            bodies.update(dict.fromkeys(cases.ids, body))
        self._message_log_batch(bodies)

    def action_revalidate_authorisation(self):
        """Sales gives the customer a new period to send the goods (M2)."""
        self._check_action("revalidate")
        self._rma_service_write(
            {
                "date_authorised": fields.Datetime.now(),
                "authorisation_reminder_date": False,
                "authorisation_expired": False,
                "authorisation_expiry_reason": False,
            }
        )
        for case in self:
            case.message_post(
                body=_(
                    "Authorisation revalidated until %(date)s.",
                    date=case.authorisation_valid_until,
                )
            )
        return True
