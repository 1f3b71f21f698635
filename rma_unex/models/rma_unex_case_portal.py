from odoo import fields, models

from .rma_unex_constants import REPAIR_DISPOSITIONS

# The customer's path through a case, in order: each step and the case
# states in which it is the one being worked on (P3-P6).
PORTAL_STEPS = (
    ("requested", ()),
    ("authorised", ("sales_review",)),
    ("received", ("authorised",)),
    ("inspection", ("received", "evaluation")),
    ("quotation", ("quoted",)),
    ("repair", ("approved", "repair", "qc")),
    ("shipped", ("ready", "shipped")),
    ("closed", ("closed",)),
)
# States in which the current step is reached already (shown done).
REACHED_STATES = ("shipped", "closed")
# The state whose (latest) log entry dates a step: when the case reached it.
STEP_REACHED_IN = {
    "authorised": "authorised",
    "received": "received",
    "inspection": "evaluation",
    "quotation": "quoted",
    "repair": "repair",
    "shipped": "shipped",
    "closed": "closed",
}
# Quotation states in which the customer may still sign (P4.4).
OPEN_QUOTATION_STATES = ("draft", "sent")


class RmaUnexCase(models.Model):
    """The case as its customer sees it on the portal: the steps of its path
    with their dates, the one thing they must do now (sign the quotation,
    ship the box, return a faulty unit, complete their request) and each
    unit's progress and outcome in plain words. Read-only: the page that
    shows them writes nothing."""

    _inherit = "rma.unex.case"

    # ------------------------------------------------------------------
    # The steps (stepper)
    # ------------------------------------------------------------------

    def _portal_step_labels(self):
        _ = self.env._
        return {
            "requested": _("Requested"),
            "authorised": _("Authorised"),
            "received": _("Box received"),
            "inspection": _("Inspection & failure analysis"),
            "quotation": _("Quotation"),
            "repair": _("Repair & quality check"),
            "shipped": _("Shipped back"),
            "closed": _("Closed"),
            "cancelled": _("Cancelled"),
        }

    def _portal_state_notes(self):
        """What is happening now, by state, in the customer's words."""
        _ = self.env._
        return {
            "sales_review": _("We are reviewing your request."),
            "authorised": _("We are waiting for your box."),
            "received": _("Your units wait for inspection."),
            "evaluation": _("Our engineers are analysing your units."),
            "quoted": _("Waiting for your approval of the quotation."),
            "approved": _("Quotation approved: the repair starts soon."),
            "repair": _("Your units are being repaired."),
            "qc": _("Burn-in and quality check of the repaired units."),
            "ready": _("Being packed for the return shipment."),
            "shipped": _("On its way back to you."),
            "closed": _("Done."),
            "suspended": _("On hold: we will contact you."),
            "cancelled": _("This RMA was cancelled."),
        }

    def _portal_step_dates(self):
        """{step: when the case last reached it}, from the state log, else
        (records loaded as data) from the dates the case keeps."""
        self.ensure_one()
        # sudo: the log is internal; only states and dates leave
        logs = self.env["rma.unex.state.log"].sudo()._of(self)
        reached = {log.state_to: log.date for log in logs}
        if not logs:
            reached = {"authorised": self.date_authorised}
        dates = {"requested": self.date_applied}
        for step, state in STEP_REACHED_IN.items():
            dates[step] = reached.get(state) or False
        return dates, reached

    def _portal_unit_summary(self):
        """{disposition (False: undecided): (units, with a repair order)} of
        the active units, in one query whatever their number."""
        self.ensure_one()
        groups = (
            self.env["rma.unex.unit"]
            .sudo()  # sudo: counts of the case's own units, for its page
            ._read_group(
                [("case_id", "=", self.id), ("is_rejected", "=", False)],
                ["disposition"],
                ["__count", "repair_id:count"],
            )
        )
        return {disposition: (count, repairs) for disposition, count, repairs in groups}

    def _portal_skipped_steps(self, summary):
        """Steps this case does not go through: no quotation without a paid
        repair, no repair once every unit is decided otherwise, no shipment
        back when every unit stays with us (credit note, scrap)."""
        self.ensure_one()
        decided = bool(summary) and False not in summary
        skipped = set()
        quoted = self.state in ("quoted", "approved") or "paid_repair" in summary
        if not quoted and not self._portal_quotations():
            skipped.add("quotation")
        repairs = sum(repairs for _count, repairs in summary.values())
        if decided and not repairs and not set(summary) & set(REPAIR_DISPOSITIONS):
            skipped.add("repair")
        if decided and set(summary) <= {"credit_note", "scrap"}:
            skipped.add("shipped")
        return skipped

    def _portal_current_step(self, keys):
        """The step of ``keys`` being worked on in the case's state (for a
        suspended case, the state it was suspended from); where the state's
        own step is skipped, the next one."""
        state = self.suspended_from_state if self.state == "suspended" else self.state
        order = [key for key, _states in PORTAL_STEPS]
        found = next((key for key, states in PORTAL_STEPS if state in states), None)
        if not found:
            return None
        return next(
            (key for key in keys if order.index(key) >= order.index(found)), None
        )

    def _portal_steps(self):
        """The stepper of the case page: a list of dicts with the step's
        ``key``, ``label``, ``status`` (done, current, next), ``current``
        (the step of aria-current), ``date`` (when reached) and ``note``
        (what is happening now, on the current step)."""
        self.ensure_one()
        labels = self._portal_step_labels()
        dates, reached = self._portal_step_dates()
        skipped = self._portal_skipped_steps(self._portal_unit_summary())
        keys = [key for key, _states in PORTAL_STEPS if key not in skipped]
        current = self._portal_current_step(keys)
        if self.state == "cancelled":
            keys = [k for k in keys if dates[k]] + ["cancelled"]
            dates["cancelled"] = reached.get("cancelled") or self.write_date
            current = "cancelled"
        position = keys.index(current) if current in keys else len(keys)
        steps = []
        for index, key in enumerate(keys):
            done = index < position or (key == current and self.state in REACHED_STATES)
            steps.append(
                {
                    "key": key,
                    "label": labels[key],
                    "status": "done"
                    if done
                    else "current"
                    if key == current
                    else "next",
                    "current": key == current,
                    "date": dates[key] if index <= position else False,
                    "note": False,
                }
            )
        if current in keys:
            steps[position]["note"] = self._portal_state_notes()[self.state]
        return steps

    # ------------------------------------------------------------------
    # What the customer must do now
    # ------------------------------------------------------------------

    def _portal_quotations(self):
        """The case's service quotations (not its fee orders)."""
        self.ensure_one()
        # sudo: the page shows the customer their own quotations
        return self.sudo().sale_order_ids.filtered(
            lambda o: o.rma_order_kind == "quotation"
        )

    def _portal_next_action(self):
        """The one thing the customer must do now, or None: a dict with its
        ``kind`` (complete_request, authorisation_expired, return_faulty,
        ship_box, sign_quotation, quotation_expired) and what the page shows
        for it. Called by the portal case page (with sudo)."""
        self.ensure_one()
        ticket = self.ticket_id
        if ticket and ticket._portal_completable():
            return {
                "kind": "complete_request",
                "ticket": ticket,
                "missing": ticket.tsr_missing_text,
                "url": f"/my/ticket/{ticket.id}/complete",
            }
        if self.state == "authorised":
            return self._portal_shipping_action()
        if self.state in ("quoted", "evaluation"):
            return self._portal_quotation_action()
        return None

    def _portal_shipping_action(self):
        """Send the box (P3.2, M2), or the faulty units of advance
        replacements (M6); nothing once every unit has arrived."""
        self.ensure_one()
        # sudo: the case's own units, for its page
        pending = self.sudo()._active_units().filtered(lambda u: not u.date_received)
        if not pending:
            return None
        action = {
            "units": pending,
            "rma_number": self.name,
            "address": self._rma_receiving_partner(),
            "valid_until": self.authorisation_valid_until,
            "label_url": f"/my/rmas/{self.id}/report/authorisation?download=true",
        }
        if self.authorisation_expired:
            return dict(action, kind="authorisation_expired")
        advance = pending.filtered(
            lambda u: u.advance_shipped_date and not u.advance_order_id
        )
        if advance:
            due = min(advance.mapped("advance_due_date"), default=False)
            return dict(
                action,
                kind="return_faulty",
                advance_units=advance,
                due_date=due,
                overdue=bool(due and due < fields.Date.context_today(self)),
            )
        return dict(action, kind="ship_box")

    def _portal_quotation_action(self):
        """Sign the open quotation (P4.4), or learn that it expired and a new
        one will follow (P4.5)."""
        self.ensure_one()
        # sudo: the customer's own quotation, for their page
        order = self.sudo()._current_quotation()
        if not order or order.state not in OPEN_QUOTATION_STATES:
            return None
        today = fields.Date.context_today(self)
        if order.validity_date and order.validity_date < today:
            return {"kind": "quotation_expired", "order": order}
        if self.state != "quoted":
            return None
        return {
            "kind": "sign_quotation",
            "order": order,
            "url": order.get_portal_url(anchor="modalaccept"),
        }

    # ------------------------------------------------------------------
    # Units and documents in words
    # ------------------------------------------------------------------

    def _portal_unit_status(self, units):
        """{unit id: {"progress", "outcome", "tone", "tracking"}} of ``units``
        (one page of the case's units), read together."""
        self.ensure_one()
        tracking = self._portal_tracking_refs(units)
        return {
            unit.id: dict(self._portal_unit_words(unit), tracking=tracking.get(unit.id))
            for unit in units
        }

    def _portal_unit_words(self, unit):
        """Where ``unit`` is (progress) and what became of it (outcome, and
        its tone: success, danger, warning or False)."""
        _ = self.env._
        if unit.is_rejected:
            reason = unit.reject_reason_id.name or ""
            if unit.reject_note:
                reason = f"{reason} ({unit.reject_note})"
            return {
                "progress": _("Not accepted for return"),
                "outcome": _("Rejected: %(reason)s", reason=reason),
                "tone": "danger",
            }
        return {
            "progress": self._portal_unit_progress(unit),
            "outcome": self._portal_unit_outcome(unit),
            "tone": self._portal_unit_tone(unit),
        }

    def _portal_unit_progress(self, unit):
        _ = self.env._
        if unit.date_shipped and not unit.advance_shipped_date:
            return _("Shipped back")
        if unit.disposition in ("credit_note", "scrap") and unit.disposal_move_id:
            return _("Closed")
        if unit.qc_result == "pass":
            return _("Passed the quality check")
        if unit.qc_result == "fail":
            return _("Back in repair after the quality check")
        if unit.repair_id:
            return _("In repair")
        if unit.disposition:
            return _("Decided")
        if unit.fa_date:
            return _("Analysed")
        if unit.date_received:
            return _("Received, in inspection")
        if self.state == "sales_review":
            return _("Under review")
        return _("Waiting for your box")

    def _portal_unit_outcome(self, unit):
        _ = self.env._
        disposition = unit.disposition
        replacement = unit.replacement_lot_id.name
        if unit.advance_shipped_date:
            return _("Replaced in advance with serial %(serial)s", serial=replacement)
        if disposition == "paid_repair" and self.state == "quoted":
            return _("Paid repair: waiting for your approval of the quotation")
        outcomes = {
            "free_repair": _("Repaired free of charge")
            if unit.qc_result == "pass"
            else _("Free repair"),
            "paid_repair": _("Repaired")
            if unit.qc_result == "pass"
            else _("Paid repair"),
            "free_replacement": _("Replaced with serial %(serial)s", serial=replacement)
            if replacement
            else _("To be replaced free of charge"),
            "ntf": _("No trouble found"),
            "credit_note": _("Credited"),
            "return_unrepaired": _("Returned unrepaired"),
            "scrap": _("Scrapped at your request"),
        }
        return outcomes.get(disposition, False)

    def _portal_unit_tone(self, unit):
        if unit.disposition in ("free_repair", "paid_repair"):
            return "success" if unit.qc_result == "pass" else False
        if unit.disposition in ("free_replacement", "ntf", "credit_note"):
            return "success"
        return "warning" if unit.disposition == "return_unrepaired" else False

    def _portal_tracking_refs(self, units):
        """{unit id: carrier and tracking reference of its return shipment
        (or of its advance replacement)}, where the warehouse recorded one;
        one search for the page."""
        Picking = self.env["stock.picking"]
        shipped = units.filtered(lambda u: u.date_shipped or u.advance_shipped_date)
        if "carrier_tracking_ref" not in Picking._fields or not shipped:
            return {}
        # sudo: the customer sees the tracking of their own return shipments
        moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("rma_unit_id", "in", shipped.ids),
                    ("picking_id.picking_type_code", "=", "outgoing"),
                    ("picking_id.state", "=", "done"),
                    ("picking_id.carrier_tracking_ref", "!=", False),
                ]
            )
        )
        refs = {}
        for move in moves:
            picking = move.picking_id
            carrier = (
                picking._rma_carrier_label()
                if hasattr(picking, "_rma_carrier_label")
                else ""
            )
            ref = picking.carrier_tracking_ref
            refs[move.rma_unit_id.id] = f"{carrier} {ref}" if carrier else ref
        return refs

    def _portal_order_status(self, order):
        """The state of one of the case's sale orders, in words."""
        _ = self.env._
        today = fields.Date.context_today(self)
        if order.state == "sale":
            return _("Fees") if order.rma_order_kind == "fees" else _("Accepted")
        if order.state == "cancel":
            if order.rma_superseded_by_id:
                return _("Replaced by %(order)s", order=order.rma_superseded_by_id.name)
            return _("Declined")
        if order.validity_date and order.validity_date < today:
            return _("Expired: a new quotation will follow")
        return _("Waiting for your signature")
