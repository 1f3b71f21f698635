from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Only code that holds this object can write protected fields. Context values
# sent over RPC are plain JSON, so a client cannot forge it.
_SERVICE_TOKEN = object()


class RmaUnexGuardedMixin(models.AbstractModel):
    """A lifecycle that only the model's own actions move along.

    Fields declared with ``rma_protected=True`` (states, numbers, audit
    fields: who agreed, who rejected, when) change through the ``action_*``
    methods that check the rules (X1, X3), never through a plain ``write``
    from a form or an RPC call.

    ``_TRANSITIONS`` is the table of the lifecycle ({name: Transition}) and
    ``_ACTIONS`` that of what is done to a record in some states without
    changing its state ({name: Action}). Buttons, portal routes, crons and RPC
    calls all go through ``_apply_transition``: the actor's groups (not for a
    step triggered by a document), the state, the business guard
    ``_check_can_<transition>``, the write with one row of the state log, the
    follow-up hook ``_after_<transition>``.
    """

    _name = "rma.unex.guarded.mixin"
    _description = "Lifecycle guarded by its actions"

    # The field that holds the record's state in its lifecycle.
    _rma_state_field = "state"
    _TRANSITIONS = {}
    _ACTIONS = {}
    # Names of the fields declared with rma_protected=True (set up below).
    _rma_protected_fields = frozenset()

    def _valid_field_parameter(self, field, name):
        return name == "rma_protected" or super()._valid_field_parameter(field, name)

    def _setup_complete(self):
        res = super()._setup_complete()
        type(self)._rma_protected_fields = frozenset(
            name
            for name, field in self._fields.items()
            if getattr(field, "rma_protected", False)
        )
        return res

    # Protected fields --------------------------------------------------

    def _rma_service_write(self, vals):
        """Write protected fields; for the model's own actions only."""
        return self.with_context(rma_unex_service=_SERVICE_TOKEN).write(vals)

    def _rma_check_protected(self, fnames, operation):
        if self.env.context.get("rma_unex_service") is _SERVICE_TOKEN:
            return
        touched = self._rma_protected_fields & set(fnames)
        if touched:
            # who may not write at all is told so first
            self.check_access(operation)
            labels = ", ".join(
                sorted(
                    self._fields[f].get_description(self.env)["string"] for f in touched
                )
            )
            raise UserError(
                _(
                    "%(fields)s of %(model)s change only through its buttons "
                    "(authorise, reject, record agreement…), not by editing.",
                    fields=labels,
                    model=self._description,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._rma_check_protected(
                (f for f, v in vals.items() if v and f in self._rma_protected_fields),
                "create",
            )
        self._rma_complete_create_values(vals_list)
        return super().create(vals_list)

    def _rma_complete_create_values(self, vals_list):
        """Set protected values of new records (numbers…); extension hook,
        run after the caller's values were checked."""

    def write(self, vals):
        self._rma_check_protected(vals, "write")
        return super().write(vals)

    # The lifecycle -------------------------------------------------------

    def _check_rma_groups(self, groups, action):
        """Refuse ``action`` to a user in none of ``groups`` (AccessError)."""
        if self.env.su or any(self.env.user.has_group(g) for g in groups):
            return
        # sudo: group names for the message, whoever asks
        names = ", ".join(self.env.ref(g).sudo().full_name for g in groups)
        raise AccessError(
            _(
                "You are not allowed to %(action)s: this needs one of these "
                "groups: %(groups)s.",
                action=str(action).lower(),
                groups=names,
            )
        )

    def _state_label(self, state):
        field = self._fields[self._rma_state_field]
        return dict(field._description_selection(self.env))[state]

    def _check_state(self, allowed, action):
        """Refuse ``action`` on records whose state is not one of ``allowed``
        (UserError), naming the record, its state and the states it needs."""
        fname = self._rma_state_field
        for record in self:
            if record[fname] not in allowed:
                raise UserError(
                    _(
                        "%(record)s is %(state)s: “%(action)s” is only possible "
                        "when it is %(allowed)s.",
                        record=record.display_name,
                        state=record._state_label(record[fname]),
                        action=action,
                        allowed=_(" or ").join(self._state_label(s) for s in allowed),
                    )
                )

    def _transition_label(self, transition):
        return self.env._(self._TRANSITIONS[transition].label)

    def _check_transition(self, transition, system=False):
        """Raise unless every record may take this transition now: the
        actor's groups (AccessError; not for a ``system`` step triggered by a
        document, whose own rules applied), the current state and the business
        guard ``_check_can_<transition>`` (UserError), before anything is
        written, so a refusal leaves the data as it was (X3)."""
        step = self._TRANSITIONS[transition]
        label = self._transition_label(transition)
        if not system:
            self._check_rma_groups(step.groups, label)
        self._check_state(step.sources, label)
        guard = getattr(self, f"_check_can_{transition}", None)
        if guard:
            guard()

    def _apply_transition(self, transition, vals=None, system=False):
        """Check, write and follow up a transition: the one path of the
        lifecycle. ``vals`` are written with the state on every record, and
        the values of ``_prepare_<transition>_values`` ({record: dict},
        computed once the checks passed) on each."""
        self._check_transition(transition, system=system)
        prepare = getattr(self, f"_prepare_{transition}_values", None)
        self._write_transition(transition, vals, prepare() if prepare else None)
        after = getattr(self, f"_after_{transition}", None)
        if after:
            after()
        return True

    def _write_transition(self, transition, vals=None, per_record=None):
        """Move to the transition's target (None: back to where the record
        was, see ``_rma_resume_state``) and log each change."""
        fname = self._rma_state_field
        target = self._TRANSITIONS[transition].target
        now = fields.Datetime.now()
        logs, writes = [], {}
        for record in self:
            state = target or record._rma_resume_state()
            values = dict(
                vals or {}, **(per_record or {}).get(record, {}), **{fname: state}
            )
            logs.append(record._rma_state_log_values(transition, state, now))
            # one write per set of values, as a batch of records shares them
            key = repr(sorted(values.items()))
            writes.setdefault(key, [self.browse(), values])[0] |= record
        for records, values in writes.values():
            records._rma_service_write(values)
        # sudo: the state log is written by the lifecycle, never by users
        self.env["rma.unex.state.log"].sudo().create(logs)

    def _rma_resume_state(self):
        """The state a transition without target returns to; extension hook."""
        raise NotImplementedError(f"{self._name} has no transition back")

    def _rma_state_log_values(self, transition, state, now):
        self.ensure_one()
        return {
            "res_model": self._name,
            "res_id": self.id,
            "transition": transition,
            "state_from": self[self._rma_state_field],
            "state_to": state,
            "user_id": self.env.uid,
            "date": now,
            "company_id": self.company_id.id if "company_id" in self._fields else False,
        }

    def _check_action(self, action):
        """Refuse an action of ``_ACTIONS`` to the wrong group or state."""
        step = self._ACTIONS[action]
        label = self.env._(step.label)
        self._check_rma_groups(step.groups, label)
        self._check_state(step.states, label)

    def _rma_wizard_action(self, model, title, context):
        """The action opening a wizard of the lifecycle in a dialog."""
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    @api.model
    def _button_transition(self, button):
        """The transition a header button takes, or None (navigation, wizards
        that are not a step of the lifecycle)."""
        for name, step in self._TRANSITIONS.items():
            if button in step.buttons:
                return name
        transition = button.removeprefix("action_")
        return transition if transition in self._TRANSITIONS else None

    @api.model
    def _button_action(self, button):
        """The action of ``_ACTIONS`` a button does, or None."""
        for name, step in self._ACTIONS.items():
            if button in step.buttons:
                return name
        return None
