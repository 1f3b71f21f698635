from odoo import api, fields, models
from odoo.tools import SQL


class RmaUnexStateLog(models.Model):
    """One row per state change of a record with a lifecycle (X1): which
    transition, from and to which state, by whom, when. States are kept as
    codes, so what reads the log (the customer's status history, the
    turnaround per state) is the same in every language; the chatter's
    tracking stays the audit trail shown on each record."""

    _name = "rma.unex.state.log"
    _description = "RMA State Change"
    _order = "date, id"
    _log_access = False

    res_model = fields.Char(string="Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record",
        model_field="res_model",
        required=True,
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    transition = fields.Char(required=True, readonly=True)
    state_from = fields.Char(string="From", readonly=True)
    state_to = fields.Char(string="To", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="By", readonly=True)
    date = fields.Datetime(required=True, readonly=True, index=True)

    @api.model
    def _of(self, records):
        """The log of ``records``, oldest first."""
        return self.search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        )

    @api.model
    def _backfill_from_tracking(self):
        """Rows for the state changes the chatter tracked before the log
        existed (an upgrade): the tracked labels, in whatever language the
        user who made the change worked, mapped back to their codes. Models
        whose log has rows already are left as they are."""
        mixin = self.env.registry["rma.unex.guarded.mixin"]
        for name, Model in self.env.registry.items():
            if Model._abstract or not issubclass(Model, mixin):
                continue
            field = Model._fields[Model._rma_state_field]
            if not field.store or self.search_count([("res_model", "=", name)], 1):
                continue
            self._backfill_model(self.env[name], field)

    @api.model
    def _backfill_model(self, records, field):
        codes = self._state_codes_by_label(field)
        rows = self.env.execute_query(
            SQL(
                """SELECT m.res_id, m.date, m.create_uid, v.old_value_char,
                          v.new_value_char
                     FROM mail_tracking_value v
                     JOIN mail_message m ON m.id = v.mail_message_id
                     JOIN ir_model_fields f ON f.id = v.field_id
                    WHERE m.model = %s AND f.model = %s AND f.name = %s
                 ORDER BY m.date, v.id""",
                records._name,
                records._name,
                field.name,
            )
        )
        found = records.browse({row[0] for row in rows}).exists()
        companies = {
            r.id: r.company_id.id if "company_id" in r._fields else False for r in found
        }
        self.create(
            [
                {
                    "res_model": records._name,
                    "res_id": res_id,
                    "company_id": companies[res_id],
                    "transition": "tracked",
                    "state_from": codes.get(old),
                    "state_to": codes[new],
                    "user_id": uid,
                    "date": date,
                }
                for res_id, date, uid, old, new in rows
                if res_id in companies and new in codes
            ]
        )

    @api.model
    def _state_codes_by_label(self, field):
        """{label of a state in any installed language: its code}"""
        return {
            label: code
            for lang, _name in self.env["res.lang"].get_installed()
            for code, label in field._description_selection(
                self.with_context(lang=lang).env
            )
        }
