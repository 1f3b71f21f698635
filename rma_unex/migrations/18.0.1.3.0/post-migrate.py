from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The shared RMA number sequence becomes one yearly sequence per company;
    this year's numbers continue where the shared one stood, so none is
    issued twice."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    shared = env.ref("rma_unex.seq_rma_unex_case", raise_if_not_found=False)
    start = shared.number_next_actual if shared else 1
    companies = env["res.company"].with_context(active_test=False).search([])
    env["ir.sequence"]._rma_create_case_sequences(companies, start=start)
    if shared:
        shared.unlink()
    # Portal links made at creation from now on; the older documents get theirs.
    for table, where in (
        ("rma_unex_case", "TRUE"),
        ("sale_order", "rma_case_id IS NOT NULL"),
        ("account_move", "rma_case_id IS NOT NULL"),
    ):
        cr.execute(
            f"UPDATE {table} SET access_token = gen_random_uuid()::text"
            f" WHERE access_token IS NULL AND {where}"
        )
