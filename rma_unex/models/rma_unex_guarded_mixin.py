from odoo import _, api, models
from odoo.exceptions import UserError

# Only code that holds this object can write protected fields. Context values
# sent over RPC are plain JSON, so a client cannot forge it.
_SERVICE_TOKEN = object()


class RmaUnexGuardedMixin(models.AbstractModel):
    """Fields that only the model's own actions may write.

    States, RMA numbers and audit fields (who agreed, who rejected, when) must
    change through the ``action_*`` methods that check the rules (X1, X3), not
    through a plain ``write`` from a form or an RPC call.
    """

    _name = "rma.unex.guarded.mixin"
    _description = "Fields written only by actions"

    # Names of the fields reserved to the model's actions.
    _rma_protected_fields = frozenset()
    # The field that holds the record's state in its lifecycle.
    _rma_state_field = "state"

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
