"""Two Odoo servers on one database and one filestore (#16): how a deployment
outgrows one machine, several Odoo nodes on one PostgreSQL.

Both nodes run from the same configuration (so the same ``data_dir``: the
filestore and the sessions), each with 2 HTTP workers and a cron worker.
On the copy of the test database the background-job threshold and batch sizes
are lowered, so the jobs run in many batches, and every cron but the job
cron is switched off (this test is about the job cron; no mail queue runs and
the nodes' SMTP server is a closed loopback port: nothing leaves the machine).

What is done exactly once is read from the data: audit triggers on the copy
record every *committed* write that matters (a recall's case per customer, a
unit's warranty verification, the register file, each step of a job's
progress) with the ``application_name`` of the connection, which names the
node; what a killed node had not committed is rolled back with it (the
warranty's trigger also waits 15 ms per unit, so that a batch lasts long
enough for the kill to land inside it on a busy machine). The runner's log
lines (one when a batch starts, one when it is committed) tell which node
ran which batch.
"""

import base64
import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
from conftest import (
    OdooServer,
    Rpc,
    WebSession,
    free_port,
    load_catalogue,
    make_cases,
)
from openpyxl import load_workbook
from test_concurrency import (
    authorise_each,
    number_of,
    receipts_by_case,
    retries_since,
    rma_sequence,
    run_together,
)

NODES = ("node-a", "node-b")
CLIENTS_PER_NODE = 4
CASES_PER_CLIENT = 10
# selections above 5 records go to a background job; small batches
THRESHOLD = 5
RECALL_BATCH = 1  # customers per batch
WARRANTY_BATCH = 20  # units per batch
JOB_CASES, UNITS_PER_CASE = 12, 20  # 240 units: 12 batches of verification
# the node running this batch of the warranty verification is killed; the
# other node has 11 batches left, more than Odoo's 10 calls of a cron in a row
KILL_AT = ("warranty", 2)
# Odoo's cron workers poll every 60 s (+ up to 9 s of jitter) when nothing
# wakes them (a trigger in any database of the PostgreSQL cluster does: the
# cron_trigger channel is the cluster's): the longest a surviving node waits
# before it sees a dead node's job
TAKEOVER_TIMEOUT = 100
# from the takeover to the last job done: two rounds of the cron (Odoo calls
# it at most 10 times in a row), the second must not wait for a poll
FINISH_TIMEOUT = 45

AUDIT_SQL = """
CREATE TABLE two_nodes_audit (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    key text NOT NULL,
    app text NOT NULL DEFAULT current_setting('application_name'),
    at timestamp NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION two_nodes_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'rma_unex_unit' THEN
        INSERT INTO two_nodes_audit (kind, key) VALUES ('warranty', NEW.id);
        -- a batch of 20 units lasts 0.3 s more: the kill lands inside it
        PERFORM pg_sleep(0.015);
    ELSIF TG_TABLE_NAME = 'rma_unex_case' THEN
        INSERT INTO two_nodes_audit (kind, key)
        VALUES ('recall', NEW.recall_id || ':' || NEW.partner_id);
    ELSIF TG_TABLE_NAME = 'ir_attachment' THEN
        INSERT INTO two_nodes_audit (kind, key) VALUES ('file', NEW.res_id);
    ELSE
        INSERT INTO two_nodes_audit (kind, key)
        VALUES ('progress', NEW.id || ':' || NEW.progress_done);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER two_nodes_audit AFTER UPDATE OF warranty_verified_date
    ON rma_unex_unit FOR EACH ROW
    WHEN (NEW.warranty_verified_date IS NOT NULL)
    EXECUTE FUNCTION two_nodes_audit();
CREATE TRIGGER two_nodes_audit AFTER INSERT ON rma_unex_case FOR EACH ROW
    WHEN (NEW.recall_id IS NOT NULL) EXECUTE FUNCTION two_nodes_audit();
CREATE TRIGGER two_nodes_audit AFTER INSERT ON ir_attachment FOR EACH ROW
    WHEN (NEW.res_model = 'rma.unex.job') EXECUTE FUNCTION two_nodes_audit();
CREATE TRIGGER two_nodes_audit AFTER UPDATE OF progress_done
    ON rma_unex_job FOR EACH ROW
    WHEN (NEW.progress_done IS DISTINCT FROM OLD.progress_done)
    EXECUTE FUNCTION two_nodes_audit();
"""

BATCH_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) INFO \S+ "
    r"odoo\.addons\.rma_unex\.models\.rma_unex_job_runner: "
    r"RMA job (\d+) \((\w+)\): batch (\d+) (started|committed), "
    r"(?:attempt (\d+), )?(\d+) of (\d+) done",
    re.M,
)


def prepare(pg, db):
    """The copy's settings for this test, written before any node starts."""
    pg.execute(
        db,
        """
        UPDATE res_company SET rma_job_threshold = %(threshold)s;
        INSERT INTO ir_config_parameter
            (key, value, create_uid, write_uid, create_date, write_date)
        VALUES ('rma_unex.job_batch_warranty', %(warranty)s, 1, 1, now(), now()),
               ('rma_unex.job_batch_recall', %(recall)s, 1, 1, now(), now())
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
        UPDATE ir_cron SET active = false WHERE id != (
            SELECT res_id FROM ir_model_data
            WHERE module = 'rma_unex' AND name = 'ir_cron_rma_unex_job');
        """,
        {
            "threshold": THRESHOLD,
            "warranty": str(WARRANTY_BATCH),
            "recall": str(RECALL_BATCH),
        },
    )
    pg.execute(db, AUDIT_SQL)


@pytest.fixture(scope="module")
def nodes(system):
    """Two servers, 2 workers and 1 cron worker each, on one copy."""
    pg = system["pg"]
    db = pg.copy(system["db"], f"{system['db']}_nodes")
    prepare(pg, db)
    servers = [
        OdooServer(
            system["conf"],
            db,
            name,
            workers=2,
            cron_threads=1,
            extra_args=(
                # nothing listens there: no mail can leave the machine
                "--smtp=127.0.0.1",
                f"--smtp-port={free_port()}",
                # the runner's batch lines (the test configuration logs warn)
                "--log-handler=odoo.addons.rma_unex.models.rma_unex_job_runner:INFO",
            ),
        )
        for name in NODES
    ]
    try:
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.start(), servers))
        yield servers
    finally:
        for server in servers:
            server.stop()
        pg.drop(db)


def xmlid(admin, name):
    found = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", "rma_unex"), ("name", "=", name)],
        fields=["res_id"],
    )
    assert found, name
    return found[0]["res_id"]


# Authorisations through both nodes --------------------------------------


def test_p3_1_authorisations_through_two_servers_at_once(nodes):
    """8 clients, 4 on each node, authorise 10 cases each at the same
    instant: every authorisation answers the first time (the test retries
    nothing), each case its own number, from the one sequence of the
    company; nothing locks across the nodes."""
    since = [node.log_offset() for node in nodes]
    admin = Rpc(nodes[0], "admin")
    total = len(nodes) * CLIENTS_PER_NODE * CASES_PER_CLIENT
    first = rma_sequence(admin)["number_next_actual"]
    case_ids = make_cases(admin, load_catalogue(admin), total)
    clients = [Rpc(node, "sales") for node in nodes for _ in range(CLIENTS_PER_NODE)]
    batches = [case_ids[i :: len(clients)] for i in range(len(clients))]

    t0 = time.monotonic()
    refused = run_together(
        [authorise_each(c, b) for c, b in zip(clients, batches, strict=True)],
        timeout=120,
    )
    elapsed = time.monotonic() - t0
    assert [r for batch in refused for r in batch] == []

    # read back through the other node
    other = Rpc(nodes[1], "admin")
    cases = other("rma.unex.case", "read", case_ids, fields=["name", "state"])
    assert {c["state"] for c in cases} == {"authorised"}
    numbers = sorted(number_of(c["name"]) for c in cases)
    assert len(set(numbers)) == total, "a number issued twice"
    assert numbers[0] >= first
    retried = sum(retries_since(n, s) for n, s in zip(nodes, since, strict=True))
    gaps = numbers[-1] - numbers[0] + 1 - len(numbers)
    assert gaps <= retried, f"{gaps} numbers lost, {retried} retries"
    receipts = receipts_by_case(other, case_ids)
    assert sorted(receipts) == sorted(case_ids), "a case without its receipt"
    assert all(len(r) == 1 for r in receipts.values())
    for node, offset in zip(nodes, since, strict=True):
        assert node.errors(offset) == []
    print(
        f"\n{total} authorisations by {len(clients)} clients through 2 nodes "
        f"({CLIENTS_PER_NODE} clients each) in {elapsed:.1f}s: 0 errors, "
        f"{retried} transparent retries by Odoo, {gaps} gaps"
    )


def test_x_sessions_and_files_are_shared_by_the_nodes(nodes):
    """No sticky sessions needed: a session opened on one node is valid on
    the other, and a file stored through one is read through the other
    (both live under the shared data_dir)."""
    node_a, node_b = nodes
    portal = WebSession(node_a).login("lumen")
    page = requests.get(
        f"{node_b.url}/my/rmas",
        cookies=portal.http.cookies,
        allow_redirects=False,
        timeout=60,
    )
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    assert "/web/session/logout" in page.text, "not the logged-in page"

    content = b"written through node a\n" * 100
    attachment = Rpc(node_a, "admin")(
        "ir.attachment",
        "create",
        {"name": "two-nodes.txt", "datas": base64.b64encode(content).decode()},
    )
    read = Rpc(node_b, "admin")(
        "ir.attachment", "read", [attachment], fields=["datas", "store_fname"]
    )[0]
    assert read["store_fname"], "kept in the filestore, not in the database"
    assert base64.b64decode(read["datas"]) == content


# Background jobs on both nodes, one killed ------------------------------


class LogTail:
    """The runner's batch lines a node logs from now on."""

    def __init__(self, node):
        self.node = node
        self.offset = node.log_path.stat().st_size
        self.lines = []

    def batches(self):
        with open(self.node.log_path, "rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        chunk = chunk[: chunk.rfind(b"\n") + 1]  # whole lines only
        self.offset += len(chunk)
        self.lines += [
            {
                "at": datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S,%f"),
                "pid": int(m[2]),
                "job": int(m[3]),
                "type": m[4],
                "batch": int(m[5]),
                "event": m[6],
                "attempt": int(m[7]) if m[7] else None,
                "done": int(m[8]),
                "total": int(m[9]),
                "node": self.node.name,
            }
            for m in BATCH_LINE.finditer(chunk.decode(errors="replace"))
        ]
        return self.lines


class Killer(threading.Thread):
    """SIGKILLs the node that logs the start of the batch ``KILL_AT``, at
    once (the logs are read every 10 ms; a batch takes longer)."""

    def __init__(self, nodes, tails):
        super().__init__(name="killer", daemon=True)
        self.nodes, self.tails = nodes, tails
        self.victim = self.killed_at = None
        self.stop = threading.Event()

    def run(self):
        deadline = time.monotonic() + 180
        seen = {node.name: 0 for node in self.nodes}
        while not self.stop.is_set() and time.monotonic() < deadline:
            for node in self.nodes:
                lines = self.tails[node.name].batches()
                for line in lines[seen[node.name] :]:
                    if (line["type"], line["batch"], line["event"]) == (
                        *KILL_AT,
                        "started",
                    ):
                        node.kill()
                        self.victim, self.killed_at = node, time.monotonic()
                        return
                seen[node.name] = len(lines)
            time.sleep(0.01)


def make_job_cases(admin):
    """Cases of the demo customer with ``UNITS_PER_CASE`` units each, in
    sales review: units to verify, rows of a register."""
    catalogue = load_catalogue(admin)
    unit = {"product_id": catalogue["product"], "symptom": "No link on port 1"}
    case_ids = admin(
        "rma.unex.case",
        "create",
        [
            {
                "partner_id": catalogue["customer_a"],
                "customer_ref": f"NODES-{i}",
                "unit_ids": [(0, 0, unit)] * UNITS_PER_CASE,
            }
            for i in range(JOB_CASES)
        ],
    )
    units = admin("rma.unex.unit", "search", [("case_id", "in", case_ids)], order="id")
    assert len(units) == JOB_CASES * UNITS_PER_CASE
    return case_ids, units


def queue_jobs(nodes, admin, case_ids, unit_ids):
    """Three users, each through a node, as the crons run: a recall
    (quality), a register (FAE), a warranty verification (sales)."""
    node_a, node_b = nodes
    quality = Rpc(node_a, "quality")
    recall = quality(
        "rma.unex.recall",
        "create",
        {
            "name": "Two nodes recall",
            # every delivered serial of two demo products: three customers
            "product_ids": [
                (
                    6,
                    0,
                    [
                        xmlid(admin, "demo_product_router"),
                        xmlid(admin, "demo_product_v2x"),
                    ],
                )
            ],
            "reason": "<p>Capacitor batch C-17</p>",
        },
    )
    register = xmlid(admin, "action_server_rma_unex_register_xlsx")
    verify = xmlid(admin, "action_server_rma_unex_unit_verify_warranty")
    fae, sales = Rpc(node_b, "fae"), Rpc(node_a, "sales")
    queued = quality("rma.unex.recall", "action_launch", [recall])
    assert queued["tag"] == "display_notification", queued
    fae(
        "ir.actions.server",
        "run",
        [register],
        context={"active_model": "rma.unex.case", "active_ids": case_ids},
    )
    sales(
        "ir.actions.server",
        "run",
        [verify],
        context={"active_model": "rma.unex.unit", "active_ids": unit_ids},
    )
    return {
        "recall": recall,
        "users": {"recall": quality.uid, "register": fae.uid, "warranty": sales.uid},
        "cases": case_ids,
        "units": unit_ids,
    }


def wait_for(condition, timeout, what, step):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    pytest.fail(f"{what} within {timeout}s")


def test_x1_jobs_on_two_servers_one_killed_mid_batch(nodes, system):
    """Three users queue jobs while both nodes' crons run; the node running
    the warranty verification is killed in its second batch; the other node
    takes the job up, without anyone doing anything, and finishes it: every
    batch is committed once, by one node at a time."""
    pg, db = system["pg"], nodes[0].db
    admin = Rpc(nodes[0], "admin")
    last_job = admin("rma.unex.job", "search", [], order="id desc", limit=1)
    case_ids, unit_ids = make_job_cases(admin)
    tails = {node.name: LogTail(node) for node in nodes}
    since = {node.name: node.log_offset() for node in nodes}
    killer = Killer(nodes, tails)
    killer.start()
    try:
        queued = queue_jobs(nodes, admin, case_ids, unit_ids)
        killer.join(120)
    finally:
        killer.stop.set()
    assert killer.victim, "no node ran the warranty verification's second batch"
    victim = killer.victim
    survivor = next(node for node in nodes if node is not victim)
    rpc = Rpc(survivor, "admin")
    jobs = rpc(
        "rma.unex.job",
        "search_read",
        [("id", ">", last_job[0] if last_job else 0)],
        fields=["job_type", "user_id"],
        order="id",
    )
    assert [(j["job_type"], j["user_id"][0]) for j in jobs] == [
        (kind, queued["users"][kind]) for kind in ("recall", "register", "warranty")
    ], jobs
    queued["jobs"] = {j["job_type"]: j["id"] for j in jobs}
    killed_job = queued["jobs"][KILL_AT[0]]

    # the survivor's cron takes the job up at its next poll
    def taken_up():
        return any(
            line["job"] == killed_job and line["event"] == "started"
            for line in tails[survivor.name].batches()
        )

    wait_for(taken_up, TAKEOVER_TIMEOUT, "the surviving node took the job up", 0.2)
    takeover = time.monotonic() - killer.killed_at

    def all_done():
        states = rpc("rma.unex.job", "read", [j["id"] for j in jobs], ["state"])
        return all(j["state"] in ("done", "failed", "cancelled") for j in states)

    wait_for(all_done, FINISH_TIMEOUT, "every job finished after the takeover", 0.2)
    finished = time.monotonic() - killer.killed_at

    check_jobs(rpc, queued)
    audit = check_audit(pg, db, queued, rpc, victim, survivor)
    lines = check_batches(tails, queued, victim, survivor)
    check_register(Rpc(survivor, "fae"), rpc, queued)
    for node in nodes:
        assert node.errors(since[node.name]) == [], node.name

    def ran(node):
        return ", ".join(
            f"{line['type']} {line['batch']}"
            for line in lines
            if line["node"] == node.name and line["event"] == "committed"
        )

    print(
        f"\n3 jobs queued by 3 users through both nodes; {victim.name} SIGKILLed "
        f"in the warranty verification's batch {KILL_AT[1]}; {survivor.name} "
        f"took it up {takeover:.0f}s later (when its cron worker woke) and finished "
        f"every job {finished - takeover:.1f}s after that.\n"
        f"committed by {victim.name}: {ran(victim)}\n"
        f"committed by {survivor.name}: {ran(survivor)}\n"
        f"audit rows (committed writes) per node: {audit}"
    )


def check_jobs(rpc, queued):
    jobs = {
        j["job_type"]: j
        for j in rpc(
            "rma.unex.job",
            "read",
            list(queued["jobs"].values()),
            fields=[
                "job_type",
                "state",
                "progress_done",
                "progress_total",
                "attempts",
                "error_message",
                "result_message",
                "attachment_id",
            ],
        )
    }
    for job in jobs.values():
        assert job["state"] == "done", job
        assert job["progress_done"] == job["progress_total"] > 0, job
        assert (job["attempts"], job["error_message"]) == (0, False), job
    units = len(queued["units"])
    assert jobs["warranty"]["result_message"] == f"{units} units verified."
    assert jobs["register"]["attachment_id"], "no register file"
    recall = rpc(
        "rma.unex.recall", "read", [queued["recall"]], fields=["state", "case_ids"]
    )[0]
    assert recall["state"] == "running", "the recall was launched"
    assert len(recall["case_ids"]) == jobs["recall"]["progress_total"] == 3
    assert jobs["recall"]["result_message"] == "3 cases opened."


def check_audit(pg, db, queued, rpc, victim, survivor):
    """Every write that matters committed exactly once; the killed batch's
    by the survivor."""
    rows = pg.query(db, "SELECT kind, key, app FROM two_nodes_audit ORDER BY id")
    by_key = {}
    for kind, key, app in rows:
        by_key.setdefault((kind, key), []).append(app)
    twice = {key: apps for key, apps in by_key.items() if len(apps) > 1}
    assert twice == {}, f"written more than once: {twice}"

    def node_of(app):
        found = re.match(r"odoo-(node-[ab])-\d+$", app)
        assert found, app
        return found.group(1)

    # the warranty of every unit verified once, as the user who asked
    verified = {int(k) for (kind, k) in by_key if kind == "warranty"}
    assert verified == set(queued["units"])
    units = rpc("rma.unex.unit", "read", queued["units"], ["warranty_verified_user_id"])
    assert {u["warranty_verified_user_id"][0] for u in units} == {
        queued["users"]["warranty"]
    }
    killed = queued["units"][
        WARRANTY_BATCH * (KILL_AT[1] - 1) : WARRANTY_BATCH * KILL_AT[1]
    ]
    assert {node_of(by_key[("warranty", str(u))][0]) for u in killed} == {
        survivor.name
    }, "the killed batch's units are the survivor's, nothing left by the victim"
    # one case per customer of the recall
    cases = rpc(
        "rma.unex.case",
        "search_read",
        [("recall_id", "=", queued["recall"])],
        fields=["partner_id"],
    )
    partners = [c["partner_id"][0] for c in cases]
    assert len(partners) == len(set(partners)) == 3
    assert {k for (kind, k) in by_key if kind == "recall"} == {
        f"{queued['recall']}:{p}" for p in partners
    }
    # one register file
    assert [k for (kind, k) in by_key if kind == "file"] == [
        str(queued["jobs"]["register"])
    ]
    # the progress of every batch committed once, in order, by one node
    steps = sorted(
        int(key.split(":")[1])
        for (kind, key) in by_key
        if kind == "progress" and key.split(":")[0] == str(queued["jobs"]["warranty"])
    )
    assert steps == list(
        range(WARRANTY_BATCH, len(queued["units"]) + 1, WARRANTY_BATCH)
    )
    counts = {}
    for apps in by_key.values():
        counts[node_of(apps[0])] = counts.get(node_of(apps[0]), 0) + 1
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def check_batches(tails, queued, victim, survivor):
    """From the logs: every batch committed once, by one node at a time; the
    victim's last batch never committed, the survivor ran it again."""
    ids = set(queued["jobs"].values())
    lines = sorted(
        (line for tail in tails.values() for line in tail.batches()),
        key=lambda line: line["at"],
    )
    lines = [line for line in lines if line["job"] in ids]
    committed = {}
    for line in lines:
        if line["event"] == "committed":
            committed.setdefault((line["type"], line["batch"]), []).append(line["node"])
    assert all(len(nodes) == 1 for nodes in committed.values()), committed
    expected = {("recall", b) for b in range(1, 5)} | {("register", 1)}
    batches = -(-len(queued["units"]) // WARRANTY_BATCH)
    expected |= {("warranty", b) for b in range(1, batches + 1)}
    assert set(committed) == expected
    victims = [line for line in lines if line["node"] == victim.name]
    last = victims[-1]
    assert (last["type"], last["batch"], last["event"]) == (*KILL_AT, "started"), (
        "the kill landed between two batches"
    )
    assert committed[KILL_AT] == [survivor.name]
    again = [
        line
        for line in lines
        if line["node"] == survivor.name
        and (line["type"], line["batch"]) == KILL_AT
        and line["event"] == "started"
    ]
    assert [line["attempt"] for line in again] == [2], (
        "the survivor ran the dead node's batch again, as its second attempt"
    )
    assert victim.name in {n for nodes in committed.values() for n in nodes}
    # one batch of a job at a time: each start follows the commit of the
    # job's previous batch, or the kill of the node that ran it
    running = {}
    for line in lines:
        previous = running.get(line["job"])
        if line["event"] == "started":
            assert previous is None or previous["node"] == victim.name, (
                f"{line['type']} batch {line['batch']} on {line['node']} started "
                f"while batch {previous['batch']} ran on {previous['node']}"
            )
            running[line["job"]] = line
        else:
            assert previous and previous["node"] == line["node"], line
            running.pop(line["job"])
    return lines


def check_register(fae, rpc, queued):
    job = rpc("rma.unex.job", "read", [queued["jobs"]["register"]], ["attachment_id"])
    data = fae("ir.attachment", "read", [job[0]["attachment_id"][0]], ["datas"])
    sheet = load_workbook(
        io.BytesIO(base64.b64decode(data[0]["datas"])), read_only=True
    ).worksheets[0]
    rows = sum(1 for row in sheet.iter_rows(min_row=2) if any(c.value for c in row))
    assert rows == len(queued["units"]), "one row per unit"
