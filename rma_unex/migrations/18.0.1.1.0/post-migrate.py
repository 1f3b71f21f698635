from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The state log is new: fill it from the chatter's state tracking."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["rma.unex.state.log"]._backfill_from_tracking()
