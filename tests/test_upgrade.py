"""``-u rma_unex`` on a database with cases in every state keeps everything,
fills the state log of an older version from the chatter's tracking, and
moves the single device of an older support request to its first line."""

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


# The single device of a request as 18.0.1.1.0 stored it, on the ticket.
OLD_DEVICE_COLUMNS = {
    "rma_product_id": "integer",
    "rma_lot_id": "integer",
    "mac_address": "varchar",
    "firmware_version": "varchar",
    "sdk_version": "varchar",
    "driver_version": "varchar",
}
DEVICES = (
    "select ticket_id, product_id, lot_id, mac_address, firmware_version,"
    " sdk_version, driver_version, unit_id from rma_unex_ticket_device"
    " where ticket_id = any(%s) order by ticket_id"
)


def put_devices_back_on_the_tickets(pg, db):
    """As a database of the version before device lines: each one-device
    request holds its device in columns of its own; returns the lines as
    they were, which the migration must make again."""
    single = [
        row[0]
        for row in pg.query(
            db,
            "select ticket_id from rma_unex_ticket_device group by ticket_id"
            " having count(*) = 1",
        )
    ]
    assert single, "no one-device request to migrate"
    before = pg.query(db, DEVICES, (single,))
    for column, kind in OLD_DEVICE_COLUMNS.items():
        pg.query(
            db,
            f"alter table helpdesk_ticket add column {column} {kind}; select 1",
        )
    pg.query(
        db,
        "update helpdesk_ticket t set rma_product_id = d.product_id,"
        " rma_lot_id = d.lot_id, mac_address = d.mac_address,"
        " firmware_version = d.firmware_version, sdk_version = d.sdk_version,"
        " driver_version = d.driver_version"
        " from rma_unex_ticket_device d where d.ticket_id = t.id"
        " and t.id = any(%s) returning t.id",
        (single,),
    )
    pg.query(
        db,
        "delete from rma_unex_ticket_device where ticket_id = any(%s) returning id",
        (single,),
    )
    return single, before


def check_the_devices_migrated(pg, db, single, before):
    """Each request's device is its first line again, linked to the unit its
    escalation made, and the old columns are gone."""
    assert pg.query(db, DEVICES, (single,)) == before
    left = pg.query(
        db,
        "select column_name from information_schema.columns"
        " where table_name = 'helpdesk_ticket' and column_name = any(%s)",
        (list(OLD_DEVICE_COLUMNS),),
    )
    assert left == []
    assert any(row[-1] for row in before), "an escalated request was migrated"


def share_one_rma_sequence(pg, db):
    """As a database of the version before per-company numbering: one shared
    no-gap sequence, standing after the highest number issued; returns it."""
    names = [
        row[0]
        for row in pg.query(
            db, "select name from rma_unex_case where name ~ '-[0-9]+$'"
        )
    ]
    assert names
    next_number = max(int(name.rsplit("-", 1)[1]) for name in names) + 1
    pg.query(
        db,
        "delete from ir_sequence where code = 'rma.unex.case' returning id",
    )
    shared = pg.query(
        db,
        "insert into ir_sequence (name, code, prefix, padding, implementation,"
        " number_next, number_increment, use_date_range, active)"
        " values ('RMA Number', 'rma.unex.case', 'RMA%%(y)s-', 5, 'no_gap',"
        " %s, 1, false, true) returning id",
        (next_number,),
    )[0][0]
    pg.query(
        db,
        "insert into ir_model_data (module, name, model, res_id, noupdate)"
        " values ('rma_unex', 'seq_rma_unex_case', 'ir.sequence', %s, true)"
        " returning id",
        (shared,),
    )
    return next_number


def check_each_company_numbers_on(pg, db, next_number):
    """Every company got its yearly sequence, this year's continuing where the
    shared one stood; the shared one is gone."""
    sequences = pg.query(
        db,
        "select s.company_id, s.implementation, s.use_date_range, s.prefix"
        " from ir_sequence s where s.code = 'rma.unex.case' order by company_id",
    )
    companies = pg.query(db, "select id from res_company order by id")
    assert [row[0] for row in sequences] == [row[0] for row in companies]
    assert {row[1:] for row in sequences} == {("standard", True, "RMA%(range_y)s-")}
    assert not pg.query(
        db, "select 1 from ir_model_data where name = 'seq_rma_unex_case'"
    )
    return next_number


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
    single, devices = put_devices_back_on_the_tickets(pg, server.db)
    next_number = share_one_rma_sequence(pg, server.db)
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
    check_the_devices_migrated(pg, server.db, single, devices)
    check_each_company_numbers_on(pg, server.db, next_number)

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
    # the next authorisation continues the numbers, none issued twice
    fresh = make_cases(admin, load_catalogue(admin), 1)
    admin("rma.unex.case", "action_authorise", fresh)
    name = admin("rma.unex.case", "read", fresh, fields=["name"])[0]["name"]
    assert int(name.rsplit("-", 1)[1]) == next_number
    assert server.errors(since) == []
