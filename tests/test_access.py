"""Another customer's records stay out of reach over HTTP and JSON-RPC (X2)."""

import uuid

import pytest
from conftest import Rpc, RpcError, WebSession, make_cases

REPORT_KINDS = ("authorisation", "failure-analysis", "repair-summary", "pro-forma")
REFUSED = {403, 404}


@pytest.fixture(scope="module")
def records_of_b(admin, catalogue):
    """An authorised case, a quotation and a support request of customer B,
    each carrying a marker that must never reach customer A."""
    marker = f"SECRET-B-{uuid.uuid4().hex[:10]}"
    case_id = make_cases(admin, catalogue, 1, partner=catalogue["customer_b"])[0]
    admin("rma.unex.case", "write", [case_id], {"customer_ref": marker})
    admin("rma.unex.case", "action_authorise", [case_id])
    number = admin("rma.unex.case", "read", [case_id], fields=["name"])[0]["name"]
    order_id = admin(
        "sale.order",
        "create",
        {
            "partner_id": catalogue["customer_b"],
            "client_order_ref": marker,
            "order_line": [
                (0, 0, {"product_id": catalogue["product"], "product_uom_qty": 1})
            ],
        },
    )
    admin("sale.order", "action_quotation_sent", [order_id])
    ticket_id = admin(
        "helpdesk.ticket",
        "create",
        {
            "name": marker,
            "description": marker,
            "partner_id": catalogue["customer_b"],
            "device_ids": [
                (0, 0, {"product_id": catalogue["product"], "serial": marker})
            ],
        },
    )
    device_id = admin("helpdesk.ticket", "read", [ticket_id], fields=["device_ids"])[0][
        "device_ids"
    ][0]
    reports = admin(
        "ir.actions.report",
        "search_read",
        [("model", "=", "rma.unex.case")],
        fields=["report_name"],
    )
    return {
        "marker": marker,
        "number": number,
        "case": case_id,
        "order": order_id,
        "ticket": ticket_id,
        "device": device_id,
        "reports": [r["report_name"] for r in reports],
    }


@pytest.fixture(scope="module")
def portal_a(server):
    return WebSession(server).login("lumen")


def assert_refused(response, *secrets):
    """403/404 and nothing of the record in the body. Only the routes of other
    modules (Odoo's /my/orders, helpdesk_mgmt's /my/ticket) may instead send
    the user away to the portal home, as Odoo's portal does."""
    redirect = response.headers.get("Location", "")
    ours = "/my/orders/" not in response.url and "/my/ticket/" not in response.url
    assert response.status_code in REFUSED or (
        not ours
        and response.status_code in (301, 302, 303)
        and (redirect.endswith("/my") or "/web/login" in redirect)
    ), f"{response.url}: HTTP {response.status_code} {redirect}"
    assert not response.headers.get("Content-Type", "").startswith("application/pdf")
    for secret in secrets:
        assert secret not in response.text, f"{response.url} shows {secret}"


def test_x2_portal_user_sees_own_case(server, admin, catalogue, portal_a):
    """The control: the same routes do serve the customer's own RMA."""
    case_id = make_cases(admin, catalogue, 1)[0]
    admin("rma.unex.case", "action_authorise", [case_id])
    number = admin("rma.unex.case", "read", [case_id], fields=["name"])[0]["name"]
    page = portal_a.get(f"/my/rmas/{case_id}", allow_redirects=False)
    assert page.status_code == 200 and number in page.text
    pdf = portal_a.get(
        f"/my/rmas/{case_id}/report/authorisation", allow_redirects=False
    )
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"].startswith("application/pdf")


def test_x2_portal_routes_refuse_other_customers_records(portal_a, records_of_b):
    b = records_of_b
    secrets = (b["marker"], b["number"])
    case = b["case"]
    paths = [
        f"/my/rmas/{case}",
        f"/my/rmas/{case}?access_token=",
        f"/my/rmas/{case}?access_token=not-the-token",
        f"/my/rmas/{case + 100000}",
        "/my/rmas/0",
    ]
    for kind in REPORT_KINDS:
        for report_type in ("pdf", "html"):
            base = f"/my/rmas/{case}/report/{kind}?report_type={report_type}"
            paths += [base, base + "&download=true", base + "&access_token=wrong"]
    # Odoo's generic report routes, by guessed URL
    for report_name in b["reports"]:
        paths += [
            f"/report/pdf/{report_name}/{case}",
            f"/report/html/{report_name}/{case}",
        ]
    paths += [
        f"/my/orders/{b['order']}",
        f"/my/orders/{b['order']}?access_token=wrong",
        f"/my/ticket/{b['ticket']}",
    ]
    for path in paths:
        assert_refused(portal_a.get(path, allow_redirects=False), *secrets)
    # the list and its search do not leak it either
    for path in (
        "/my/rmas",
        f"/my/rmas?search={b['number']}",
        "/my/rmas?filterby=all",
        "/my/orders",
        "/my/tickets",
    ):
        response = portal_a.get(path)
        assert response.status_code == 200, path
        # (the searched number is echoed in the search box, hence no check on it)
        for secret in (
            b["marker"],
            f'href="/my/rmas/{case}"',
            f"/my/orders/{b['order']}?",
        ):
            assert secret not in response.text, f"{path} shows {secret}"


def test_x2_portal_post_on_other_customers_quotation_changes_nothing(
    admin, portal_a, records_of_b
):
    token = WebSession.csrf_token(portal_a.get("/my/support-requests/new").text)
    response = portal_a.post(
        f"/my/orders/{records_of_b['order']}/rma_po",
        data={"client_order_ref": "PO-FORGED", "csrf_token": token},
        allow_redirects=False,
    )
    assert_refused(response, records_of_b["marker"])
    order = admin(
        "sale.order", "read", [records_of_b["order"]], fields=["client_order_ref"]
    )
    assert order[0]["client_order_ref"] == records_of_b["marker"]


def rma_models(admin):
    """Every model rma_unex defines, with a writable text field to try."""
    model_ids = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", "rma_unex"), ("model", "=", "ir.model")],
        fields=["res_id"],
    )
    models = admin(
        "ir.model",
        "read",
        [m["res_id"] for m in model_ids],
        fields=["model", "transient"],
    )
    return sorted(m["model"] for m in models if m["model"].startswith("rma.unex."))


@pytest.fixture(scope="module")
def stranger(server, admin):
    """An internal user without any RMA group."""
    group = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", "base"), ("name", "=", "group_user")],
        fields=["res_id"],
    )
    login = f"stranger-{uuid.uuid4().hex[:6]}"
    admin(
        "res.users",
        "create",
        {
            "name": "Stranger",
            "login": login,
            "password": login,
            "groups_id": [(6, 0, [group[0]["res_id"]])],
        },
    )
    return Rpc(server, login)


def test_x2_rpc_reads_and_writes_refused_without_rma_groups(
    server, admin, catalogue, stranger, records_of_b
):
    portal = Rpc(server, "lumen")
    own_case = make_cases(admin, catalogue, 1)[0]
    models = rma_models(admin)
    assert "rma.unex.case" in models and "rma.unex.unit" in models
    # portal users read their own cases and units on the portal (through
    # record rules); everything else of RMA is internal
    portal_readable = {
        "rma.unex.case",
        "rma.unex.unit",
        "rma.unex.ticket.device",
        "rma.unex.return.reason",
        "rma.unex.reject.reason",
    }
    # employees read the devices of the support requests they follow, as
    # helpdesk_mgmt lets them read those requests: the stranger follows none
    employee_readable = {"rma.unex.ticket.device"}
    readable = {"portal": portal_readable, "stranger": employee_readable}
    case_b, device_b = records_of_b["case"], records_of_b["device"]
    for user, label in ((portal, "portal"), (stranger, "stranger")):
        devices = user("rma.unex.ticket.device", "search", [])
        assert device_b not in devices, (label, devices)
        error = user.error("rma.unex.ticket.device", "read", [device_b], ["serial"])
        assert error.name == "odoo.exceptions.AccessError", (label, error)
        if user is stranger:
            assert devices == [], devices
        for model in models:
            try:
                some = admin(model, "search", [], limit=1)
            except RpcError:  # abstract: no table, no access for anyone
                some = None
            if model not in readable[label]:
                error = user.error(model, "search_read", [], fields=["id"], limit=1)
                assert error.name == "odoo.exceptions.AccessError", (
                    label,
                    model,
                    error,
                )
            if some:
                error = user.error(model, "write", some, {})
                assert error.name == "odoo.exceptions.AccessError", (
                    label,
                    model,
                    error,
                )
                error = user.error(model, "unlink", some)
                assert error.name == "odoo.exceptions.AccessError", (
                    label,
                    model,
                    error,
                )
            error = user.error(model, "create", {})
            assert error.name == "odoo.exceptions.AccessError", (label, model, error)
        for method in ("action_authorise", "action_cancel", "action_close"):
            error = user.error("rma.unex.case", method, [own_case])
            assert error.name == "odoo.exceptions.AccessError", (label, method, error)
            assert "not allowed" in error.message
        error = user.error("rma.unex.case", "read", [case_b], fields=["name"])
        assert error.name == "odoo.exceptions.AccessError", (label, error)
    # the portal user's own case is readable (the control), B's number is not
    # in what they can list
    mine = portal("rma.unex.case", "search_read", [], fields=["name", "partner_id"])
    assert own_case in [c["id"] for c in mine]
    assert {c["partner_id"][0] for c in mine} == {catalogue["customer_a"]}
    state = admin("rma.unex.case", "read", [own_case, case_b], fields=["state"])
    assert [s["state"] for s in state] == ["sales_review", "authorised"]
