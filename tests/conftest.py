"""System tests: rma_unex under a real multi-worker Odoo server.

Run by ``scripts/test.sh`` in a second pytest process after the unit tests
(pytest-odoo disabled, ``-p no:odoo``)::

    pytest -p no:odoo --system-db DB --system-conf CONF tests

DB is a database with rma_unex and its demo data installed; it is never
changed: every server runs on a copy (``createdb -T``) that is dropped at the
end. Only the loopback interface is used and every wait is bounded.
"""

import configparser
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import requests
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

ROOT = Path(__file__).resolve().parent.parent
# Reproducible, and nothing written into the checkout: no example database,
# and hypothesis' own caches under the git-ignored .run/.
set_hypothesis_home_dir(ROOT / ".run" / "hypothesis")
settings.register_profile(
    "rma_unex_system", database=None, derandomize=True, deadline=None
)
settings.load_profile("rma_unex_system")

ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo18"))
LOG_DIR = ROOT / ".run" / "logs"
HTTP_TIMEOUT = 180  # seconds for one request; a PDF report on a busy 2-core box
# odoo.sql_db logs these as ERROR, then Odoo retries the transaction
RETRIED = re.compile(
    r"could not obtain lock|could not serialize access|deadlock detected"
)
CONCURRENCY_EXCEPTION = re.compile(
    r"^psycopg2\.errors\.(LockNotAvailable|SerializationFailure): ", re.M
)
ERROR_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ", re.M
)


def pytest_addoption(parser):
    group = parser.getgroup("rma_unex system tests")
    group.addoption(
        "--system-db",
        default=os.environ.get("RMA_UNEX_TEST_DB"),
        help="database with rma_unex + demo installed, used as template (read only)",
    )
    group.addoption(
        "--system-conf",
        default=os.environ.get("RMA_UNEX_TEST_CONF"),
        help="Odoo configuration file of that database",
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """The database server of the Odoo configuration, for copies and checks."""

    def __init__(self, conf):
        parser = configparser.ConfigParser()
        parser.read(conf)
        options = parser["options"]
        self.data_dir = Path(options.get("data_dir", str(ROOT / ".run" / "data")))
        self.env = dict(os.environ)
        self.params = {}
        if options.get("db_host", "False") not in ("False", ""):
            self.env["PGHOST"] = self.params["host"] = options["db_host"]
        if options.get("db_port", "False") not in ("False", ""):
            self.env["PGPORT"] = self.params["port"] = options["db_port"]

    def run(self, *cmd):
        subprocess.run(cmd, env=self.env, check=True, capture_output=True, timeout=600)

    def copy(self, template, name):
        """A copy of ``template`` with its filestore (the attachments)."""
        self.drop(name)
        self.run("createdb", "-T", template, name)
        source = self.data_dir / "filestore" / template
        if source.is_dir():
            shutil.copytree(source, self.data_dir / "filestore" / name)
        return name

    def drop(self, name):
        self.run("dropdb", "--if-exists", name)
        shutil.rmtree(self.data_dir / "filestore" / name, ignore_errors=True)

    def query(self, db, sql, args=None):
        with psycopg2.connect(dbname=db, **self.params) as conn, conn.cursor() as cr:
            cr.execute(sql, args)
            rows = cr.fetchall()
        conn.close()
        return rows

    def execute(self, db, sql, args=None):
        """Run statements that return no rows (in one transaction)."""
        with psycopg2.connect(dbname=db, **self.params) as conn, conn.cursor() as cr:
            cr.execute(sql, args)
        conn.close()


class OdooServer:
    """``odoo-bin`` in prefork mode (several workers) on a free loopback port."""

    def __init__(self, conf, db, name, workers=2, extra_args=(), cron_threads=0):
        self.conf, self.db, self.workers = conf, db, workers
        # cron workers (0: none, the server only answers requests)
        self.name, self.cron_threads = name, cron_threads
        # more odoo-bin options for every start (e.g. the SMTP server to use)
        self.extra_args = tuple(extra_args)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"system-{name}-{db}.log"
        self.log_path.unlink(missing_ok=True)
        self.proc = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def odoo_cmd(self, *args):
        return [
            sys.executable,
            str(ODOO_SRC / "odoo-bin"),
            "-c",
            self.conf,
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            *args,
        ]

    def start(self, timeout=180):
        self.port = free_port()
        cmd = self.odoo_cmd(
            f"--workers={self.workers}",
            f"--max-cron-threads={self.cron_threads}",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            "--limit-time-real=300",
            "--limit-time-cpu=240",
            "--limit-request=100000",
            "--limit-memory-soft=2147483648",
            "--limit-memory-hard=2684354560",
            *self.extra_args,
        )
        # the server's name in pg_stat_activity: which server holds what
        env = dict(
            os.environ,
            PYTHONPATH=str(ODOO_SRC),
            ODOO_PGAPPNAME=f"odoo-{self.name}-{{pid}}",
        )
        with open(self.log_path, "ab") as log:
            # own process group: stop/kill reach the workers too
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                cwd=ROOT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"Odoo exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                if requests.get(f"{self.url}/web/health", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.kill()
        pytest.fail(
            f"Odoo did not answer /web/health within {timeout}s:\n{self.log_tail()}"
        )

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout=10):
        """SIGTERM (graceful), then SIGKILL after ``timeout`` seconds."""
        if not self.proc or self.proc.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        # workers of a stopped master leave on their own; make sure of it
        self._signal_group(signal.SIGKILL)

    def kill(self):
        """Like pulling the plug: the master and every worker, at once."""
        if self.proc:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(30)

    def log_text(self):
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def errors(self, since=0):
        """ERROR/CRITICAL log entries (with their tracebacks) after offset ``since``."""
        text = self.log_text()[since:]
        starts = [m.start() for m in ERROR_LINE.finditer(text)]
        entries = []
        for start in starts:
            nxt = re.search(r"^\d{4}-\d\d-\d\d ", text[start + 1 :], re.M)
            end = start + 1 + nxt.start() if nxt else len(text)
            entry = text[start:end].strip()
            head = entry.split("\n")[:2]
            retried = "odoo.sql_db: bad query" in head[0] and RETRIED.search(head[-1])
            # the request whose retries ran out: the client is told, and
            # test_concurrency counts those
            gave_up = CONCURRENCY_EXCEPTION.search(entry)
            if not (retried or gave_up):
                entries.append(entry)
        return entries

    def log_offset(self):
        return len(self.log_text())


class HttpFailure(AssertionError):
    pass


class RpcError(Exception):
    """An error answer of JSON-RPC: ``name`` is the exception's dotted name."""

    def __init__(self, error):
        data = error.get("data") or {}
        self.name = data.get("name", "")
        self.message = data.get("message") or error.get("message", "")
        self.debug = data.get("debug", "")
        super().__init__(f"{self.name}: {self.message}")


def checked(response):
    """A response that is no server error; HTTP 5xx fails the test."""
    if response.status_code >= 500:
        title = re.search(r"<title>(.*?)</title>", response.text, re.S)
        raise HttpFailure(
            f"HTTP {response.status_code} on {response.request.method} {response.url}: "
            f"{(title.group(1) if title else response.text[:300]).strip()}"
        )
    return response


class Rpc:
    """One client of the external JSON-RPC API (``/jsonrpc``), as ``login``."""

    def __init__(self, server, login, password=None):
        self.url = f"{server.url}/jsonrpc"
        self.db = server.db
        self.password = password or login
        self.uid = self.service("common", "login", self.db, login, self.password)
        if not self.uid:
            raise AssertionError(f"login {login} refused")

    def service(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"service": service, "method": method, "args": args},
        }
        # no shared requests.Session: clients are used from several threads
        response = checked(requests.post(self.url, json=payload, timeout=HTTP_TIMEOUT))
        assert response.status_code == 200, response.text[:2000]
        body = response.json()
        if "error" in body:
            raise RpcError(body["error"])
        return body.get("result")

    def __call__(self, model, method, *args, **kwargs):
        return self.service(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def error(self, model, method, *args, **kwargs):
        """The RpcError the call must raise."""
        try:
            result = self(model, method, *args, **kwargs)
        except RpcError as error:
            return error
        raise AssertionError(f"{model}.{method} was accepted: {result!r}")


class WebSession:
    """A browser-like session (cookie, CSRF token) for portal pages and forms."""

    def __init__(self, server):
        self.base = server.url
        self.http = requests.Session()

    def get(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return checked(self.http.get(self.base + path, **kw))

    def post(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return checked(self.http.post(self.base + path, **kw))

    @staticmethod
    def csrf_token(html):
        found = re.search(r'name="csrf_token"\s+value="([^"]+)"', html)
        assert found, "no CSRF token in the page"
        return found.group(1)

    def login(self, login, password=None):
        page = self.get("/web/login")
        response = self.post(
            "/web/login",
            data={
                "login": login,
                "password": password or login,
                "csrf_token": self.csrf_token(page.text),
                "redirect": "/my",
            },
        )
        assert "/web/login" not in response.url, f"login {login} failed"
        return self


@pytest.fixture(scope="session")
def system(request):
    """The template database and configuration given on the command line."""
    db = request.config.getoption("--system-db")
    conf = request.config.getoption("--system-conf")
    if not db or not conf:
        raise pytest.UsageError(
            "system tests need --system-db and --system-conf (or RMA_UNEX_TEST_DB "
            "and RMA_UNEX_TEST_CONF): run them through scripts/test.sh"
        )
    pg = Postgres(conf)
    assert pg.query(
        db, "select state from ir_module_module where name = 'rma_unex'"
    ) == [("installed",)], f"rma_unex is not installed in {db}"
    return {"db": db, "conf": conf, "pg": pg}


@pytest.fixture(scope="session")
def server(system):
    """One shared server (2 workers) on a copy of the test database."""
    pg = system["pg"]
    db = pg.copy(system["db"], f"{system['db']}_sys")
    odoo = OdooServer(system["conf"], db, "shared")
    try:
        yield odoo.start()
    finally:
        odoo.stop()
        pg.drop(db)


@pytest.fixture
def scratch_server(system, request):
    """A server on a private copy, for tests that kill or upgrade it.

    Yields (server, db); the test starts/stops the server itself.
    """
    pg = system["pg"]
    suffix = request.node.name.split("[")[0].removeprefix("test_")[:12]
    db = pg.copy(system["db"], f"{system['db']}_{suffix}")
    odoo = OdooServer(system["conf"], db, suffix)
    try:
        yield odoo
    finally:
        odoo.stop()
        pg.drop(db)


@pytest.fixture(scope="session")
def admin(server):
    return Rpc(server, "admin")


@pytest.fixture(scope="session")
def catalogue(admin):
    return load_catalogue(admin)


def load_catalogue(admin):
    """Ids the tests build on: a serial-tracked device and two customers."""
    product = admin(
        "product.product",
        "search",
        [("tracking", "=", "serial"), ("sale_ok", "=", True), ("type", "=", "consu")],
        limit=1,
    )
    assert product, "no serial-tracked product in the demo data"

    def partner_of(login):
        user = admin(
            "res.users", "search_read", [("login", "=", login)], fields=["partner_id"]
        )
        assert user, f"no demo user {login}"
        partner = admin(
            "res.partner",
            "read",
            [user[0]["partner_id"][0]],
            fields=["commercial_partner_id"],
        )
        return partner[0]["commercial_partner_id"][0]

    return {
        "product": product[0],
        "customer_a": partner_of("lumen"),  # portal user lumen
        "customer_b": partner_of("portal"),  # base demo portal user
    }


def make_cases(admin, catalogue, count, partner=None, agree=True):
    """``count`` cases in Sales Review, each with one unit, authorisable."""
    partner = partner or catalogue["customer_a"]
    ids = admin(
        "rma.unex.case",
        "create",
        [
            {
                "partner_id": partner,
                "customer_ref": f"SYS-{i}",
                "unit_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": catalogue["product"],
                            "symptom": "No link on port 1",
                        },
                    )
                ],
            }
            for i in range(count)
        ],
    )
    if agree:
        cases = admin("rma.unex.case", "read", ids, fields=["needs_charge_agreement"])

        needing = [c["id"] for c in cases if c["needs_charge_agreement"]]
        # P2.4, through the wizard a user gets: created at once, confirmed each
        wizards = admin(
            "rma.unex.charge.agreement.wizard",
            "create",
            [{"case_id": case_id, "method": "email"} for case_id in needing],
        )

        def confirm(wizard):
            admin("rma.unex.charge.agreement.wizard", "action_confirm", [wizard])

        with ThreadPoolExecutor(2) as pool:  # one per worker
            list(pool.map(confirm, wizards))
    return ids
