"""``-u rma_unex`` on a database with cases in every state keeps everything,
and fills the state log of an older version from the chatter's tracking."""

import subprocess

from conftest import ERROR_LINE, ODOO_SRC, Rpc, WebSession, load_catalogue, make_cases

CASES_PER_STATE = 3

SNAPSHOT = {
    "cases": "select id, name, state, partner_id, customer_ref, suspended_from_state,"
    " date_authorised from rma_unex_case order by id",
    "units": "select id, case_id, product_id, lot_id, mac_address from rma_unex_unit"
    " order by id",
    "pickings": "select id, rma_case_id, state from stock_picking"
    " where rma_case_id is not null order by id",
    "messages": "select count(*) from mail_message where model = 'rma.unex.case'",
    "tickets": "select id, tsr_state from helpdesk_ticket order by id",
    "sequence": "select number_next from ir_sequence where code = 'rma.unex.case'",
}


def snapshot(pg, db):
    return {key: pg.query(db, sql) for key, sql in SNAPSHOT.items()}


def fill_every_state(server, pg):
    """Real transitions where they are cheap (authorise, cancel); for the
    later states the scene is set directly, as the unit tests' put_in_state."""
    admin = Rpc(server, "admin")
    catalogue = load_catalogue(admin)
    states = [
        s
        for s, _label in admin("rma.unex.case", "fields_get", ["state"])["state"][
            "selection"
        ]
    ]
    by_state = {}
    for state in states:
        by_state[state] = make_cases(admin, catalogue, CASES_PER_STATE)
        if state != "sales_review" and state != "cancelled":
            for case_id in by_state[state]:
                admin("rma.unex.case", "action_authorise", [case_id])
        if state == "cancelled":
            admin("rma.unex.case", "action_cancel", by_state[state])
    for state, ids in by_state.items():
        if state not in ("sales_review", "authorised", "cancelled"):
            pg.query(
                server.db,
                "update rma_unex_case set state = %s,"
                " suspended_from_state = case when %s = 'suspended' then 'repair' end"
                " where id = any(%s) returning id",
                (state, state, ids),
            )
    return states


def forget_the_state_log(pg, db):
    """As a database of the version before the state log: no log, an older
    installed version, so that -u runs the migration that fills it."""
    pg.query(db, "delete from rma_unex_state_log returning id")
    pg.query(
        db,
        "update ir_module_module set latest_version = '18.0.1.0.0'"
        " where name = 'rma_unex' returning id",
    )


def check_the_state_log_backfilled(pg, db, states):
    """The migration filled the log from the chatter's state tracking: one
    row per tracked change of a case, in state codes whatever the language
    of the tracked labels."""
    tracked = pg.query(
        db,
        "select count(*) from mail_tracking_value v"
        " join mail_message m on m.id = v.mail_message_id"
        " join ir_model_fields f on f.id = v.field_id"
        " where m.model = 'rma.unex.case' and f.model = 'rma.unex.case'"
        " and f.name = 'state'",
    )[0][0]
    logged = pg.query(
        db,
        "select res_id, state_from, state_to from rma_unex_state_log"
        " where res_model = 'rma.unex.case'",
    )
    assert tracked and len(logged) == tracked
    assert {to for _id, _from, to in logged} <= set(states)
    assert {came for _id, came, _to in logged} <= set(states)
    authorised = pg.query(
        db,
        "select count(*) from rma_unex_state_log where res_model = 'rma.unex.case'"
        " and state_from = 'sales_review' and state_to = 'authorised'",
    )[0][0]
    assert authorised >= CASES_PER_STATE * (len(states) - 2)


def test_upgrade_keeps_cases_in_every_state(system, server):
    """On the shared server's database, the fullest one by now (this module
    runs last): stopped, updated, started again."""
    pg = system["pg"]
    states = fill_every_state(server, pg)
    server.stop()
    present = {
        row[0]
        for row in pg.query(server.db, "select distinct state from rma_unex_case")
    }
    assert present == set(states)
    forget_the_state_log(pg, server.db)
    before = snapshot(pg, server.db)

    log = server.log_path.with_name(f"system-upgrade-{server.db}.log")
    with open(log, "wb") as out:
        update = subprocess.run(
            server.odoo_cmd(
                "-u",
                "rma_unex",
                "--stop-after-init",
                "--max-cron-threads=0",
                "--http-port=0",
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=900,
            env={**pg.env, "PYTHONPATH": str(ODOO_SRC)},
        )
    text = log.read_text(errors="replace")
    assert update.returncode == 0, text[-3000:]
    assert not ERROR_LINE.search(text), text[-3000:]
    assert snapshot(pg, server.db) == before
    check_the_state_log_backfilled(pg, server.db, states)

    server.start()
    since = server.log_offset()
    admin = Rpc(server, "admin")
    case_ids = admin("rma.unex.case", "search", [], context={"active_test": False})
    assert len(case_ids) == len(before["cases"])
    admin(
        "rma.unex.case",
        "get_views",
        [[False, "form"], [False, "list"], [False, "kanban"]],
    )
    names = list(admin("rma.unex.case", "fields_get", [], attributes=["type"]))
    for start in range(0, len(case_ids), 50):  # every field of every case computes
        rows = admin(
            "rma.unex.case", "read", case_ids[start : start + 50], fields=names
        )
        assert len(rows) == len(case_ids[start : start + 50])
    units = admin("rma.unex.unit", "search", [])
    unit_fields = list(admin("rma.unex.unit", "fields_get", [], attributes=["type"]))
    admin("rma.unex.unit", "read", units, fields=unit_fields)
    # the customer's portal still opens each of their cases
    portal = WebSession(server).login("lumen")
    mine = Rpc(server, "lumen")("rma.unex.case", "search", [])
    assert mine
    for case_id in mine:
        assert (
            portal.get(f"/my/rmas/{case_id}", allow_redirects=False).status_code == 200
        )
    assert server.errors(since) == []
