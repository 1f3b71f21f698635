from datetime import timedelta

from odoo import _, api, fields, models

from .rma_unex_mac_mixin import normalize_mac

MAX_MISSES_PER_MINUTE = 5


class RmaUnexStatusLookup(models.Model):
    """Status look-ups without login (M9), kept to throttle guessing."""

    _name = "rma.unex.status.lookup"
    _description = "RMA Status Look-up"
    _order = "id desc"

    ip_address = fields.Char(index=True, required=True)
    found = fields.Boolean()

    @api.model
    def _lookup(self, ip_address, rma_number, identity):
        """The unit's status, or an error message. Called with sudo by the
        public route: nothing but the state and dates leaves this method."""
        since = fields.Datetime.now() - timedelta(minutes=1)
        misses = self.search_count(
            [
                ("ip_address", "=", ip_address),
                ("found", "=", False),
                ("create_date", ">=", since),
            ]
        )
        if misses >= MAX_MISSES_PER_MINUTE:
            return None, _("Too many attempts; try again in a minute.")
        unit = self._find_unit((rma_number or "").strip(), (identity or "").strip())
        self.create({"ip_address": ip_address, "found": bool(unit)})
        if not unit:
            return None, _(
                "No RMA unit matches this RMA number and serial number or MAC address."
            )
        case = unit.case_id
        return {
            "rma": case.name,
            "state": case._state_label(case.state),
            "applied": case.date_applied,
            "authorised": case.date_authorised,
            "received": unit.date_received,
            "shipped": unit.date_shipped,
        }, None

    @api.model
    def _find_unit(self, rma_number, identity):
        if not rma_number or not identity:
            return self.env["rma.unex.unit"]
        # the exact number, whatever its case and spaces: never a pattern
        number = "".join(rma_number.split()).upper()
        # each company numbers its own cases: the unit tells them apart
        cases = self.env["rma.unex.case"].search([("name", "=", number)])
        if not cases:
            return self.env["rma.unex.unit"]
        try:
            mac = normalize_mac(identity)
        except Exception:  # noqa: BLE001 - not a MAC: then it is a serial
            mac = False
        return cases.unit_ids.filtered(
            lambda u: (
                (mac and u.mac_address == mac)
                or (u.lot_id.name or "").lower() == identity.lower()
            )
        )[:1]

    @api.autovacuum
    def _gc_old_lookups(self):
        self.search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=1))]
        ).unlink()
