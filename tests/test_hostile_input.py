"""Hostile input from the portal form and JSON-RPC (P1, X3): never a server
error, never a record when the request is refused, and a refusal that says
what was wrong. Property-based (hypothesis), bounded and reproducible."""

import html
import re

import pytest
from conftest import Rpc, RpcError, WebSession
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written into the repository
    derandomize=True,  # the same examples on every run (CI)
    phases=(Phase.explicit, Phase.generate),  # no shrinking: bounded time
    suppress_health_check=list(HealthCheck),
)

# Refusals a client may get; anything else (KeyError, TypeError, psycopg2...)
# escaping from the addon is a bug.
REFUSALS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
}

huge_text = st.text(min_size=1, max_size=3).map(lambda s: s * 40000)
hostile_text = st.one_of(
    st.just(""),
    st.text(max_size=80),  # any unicode
    st.text(alphabet="\x00\u202e\ufeff<>&\"'%;\\", max_size=20),
    huge_text,
    st.sampled_from(
        [
            "-1",
            "0",
            "1e308",
            "NaN",
            "99999999999999999999999",
            "²",
            "١٢٣",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
        ]
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN/inf
)
# scalar values of any type, for text and selection fields
any_scalar = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
# what a client may send as a record id: unknown, negative, zero, none
record_ids = st.one_of(
    st.just(False), st.integers(min_value=-(2**31), max_value=2**31 - 1)
)
macs = st.one_of(
    st.just("00:01:A7:12:34:56"),  # a valid one
    st.text(alphabet="0123456789abcdefABCDEFG:-. ", max_size=25),
    st.sampled_from(
        [
            "00:01:A7:12:34",
            "00:01:A7:12:34:56:78",
            "zz:zz:zz:zz:zz:zz",
            "0001.a712.3456",
            "00-01-A7-12-34-5G",
            ":::::",
            "0" * 5000,
        ]
    ),
    hostile_text,
)


# The ORM's own refusal of an ill-typed value ("Wrong value for ...", "invalid
# literal for int()"): fine when raised by Odoo, a bug when raised in rma_unex.
ORM_CONVERSION = {"builtins.ValueError", "builtins.TypeError"}


def assert_clear_refusal(error):
    frames = re.findall(r'File "([^"]+)"', error.debug)
    raised_by_us = bool(frames) and "/rma_unex/" in frames[-1]
    assert error.name in REFUSALS or (
        error.name in ORM_CONVERSION and not raised_by_us
    ), f"{error.name}: {error.message}\n{error.debug[-3000:]}"
    assert error.message.strip(), f"{error.name} without a message"


@pytest.fixture(scope="module")
def portal_form(server):
    session = WebSession(server).login("lumen")
    page = session.get("/my/support-requests/new")
    assert page.status_code == 200
    product = re.search(r'<option value="(\d+)"', page.text)
    assert product, "no product on the support request form"
    return session, WebSession.csrf_token(page.text), product.group(1)


def count(admin, model, domain=()):
    return admin(model, "search_count", list(domain))


@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(st.just("Radio dead"), hostile_text),
            "device_0_product": st.one_of(
                st.just("VALID"), hostile_text, numbers.map(str)
            ),
            "device_0_mac_address": macs,
            "device_0_serial": hostile_text,
            "device_0_firmware_version": st.one_of(st.just("7.1.3"), hostile_text),
            "device_0_sdk_version": hostile_text,
            "device_0_driver_version": hostile_text,
            "device_0_symptom": hostile_text,
            "device_0_return_reason": st.one_of(hostile_text, numbers.map(str)),
            "device_1_product": st.one_of(st.just("VALID"), hostile_text),
            "device_1_mac_address": macs,
            "steps_to_reproduce": st.one_of(st.just("Enable 6 GHz"), hostile_text),
            "description": hostile_text,
            "sales_document_ref": hostile_text,
            "disclaimer": st.sampled_from(["on", "", "0", "yes"]),
        },
    ),
    files=st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(["log.txt", "a.exe", "noext", "x.TXT"]),
                hostile_text.filter(lambda s: 0 < len(s) < 200),
            ),
            st.binary(max_size=64),
        ),
        max_size=2,
    ),
)
@SETTINGS
def test_p1_portal_form_survives_hostile_posts(
    server, admin, portal_form, fields, files
):
    session, token, product = portal_form
    for key in ("device_0_product", "device_1_product"):
        if fields.get(key) == "VALID":
            fields[key] = product
    tickets_before = count(admin, "helpdesk.ticket")
    upload = [("attachments", (name, content)) for name, content in files]
    response = session.post(
        "/my/support-requests/submit",
        data=dict(fields, csrf_token=token),
        files=upload or None,
    )
    assert response.status_code == 200, response.status_code
    created = re.search(r"/my/ticket/(\d+)", response.url)
    if created:
        assert count(admin, "helpdesk.ticket") == tickets_before + 1
        return
    # refused: the form again, with the reasons, and nothing created
    assert count(admin, "helpdesk.ticket") == tickets_before
    error = re.search(
        r'id="rma_unex_tsr_error"[^>]*>(.*?)</div>\s*</div>', response.text, re.S
    )
    assert error, "refused without saying why"
    reasons = html.unescape(re.sub(r"<[^>]+>", " ", error.group(1))).strip()
    assert reasons, "empty error box"


@pytest.fixture(scope="module")
def sales(server):
    return Rpc(server, "sales")


@pytest.fixture(scope="module")
def existing_case(admin, catalogue):
    from conftest import make_cases

    return make_cases(admin, catalogue, 1, agree=False)[0]


unit_values = st.fixed_dictionaries(
    {},
    optional={
        "product_id": st.one_of(st.just("VALID"), record_ids),
        "lot_id": record_ids,
        "mac_address": macs,
        "symptom": hostile_text,
    },
)
case_values = st.fixed_dictionaries(
    {},
    optional={
        "partner_id": st.one_of(st.just("VALID"), record_ids),
        "customer_ref": any_scalar,
        "description": any_scalar,
        "contact_id": record_ids,
        "state": st.sampled_from(["closed", "authorised", "bogus", 7]),
        "name": hostile_text,
        "unit_ids": st.lists(unit_values.map(lambda v: [0, 0, v]), max_size=2),
    },
)


def resolve(values, catalogue):
    """Put real ids where the strategy asked for a valid one."""
    values = dict(values)
    if values.get("partner_id") == "VALID":
        values["partner_id"] = catalogue["customer_a"]
    for command in values.get("unit_ids", []):
        if command[2].get("product_id") == "VALID":
            command[2]["product_id"] = catalogue["product"]
    return values


@given(values=case_values)
@SETTINGS
def test_x3_rpc_create_survives_hostile_payloads(admin, sales, catalogue, values):
    values = resolve(values, catalogue)
    before = count(admin, "rma.unex.case"), count(admin, "rma.unex.unit")
    try:
        sales("rma.unex.case", "create", values)
    except RpcError as error:
        assert_clear_refusal(error)
        assert (count(admin, "rma.unex.case"), count(admin, "rma.unex.unit")) == before


@given(case_vals=case_values, unit_vals=unit_values)
@SETTINGS
def test_x3_rpc_write_survives_hostile_payloads(
    admin, sales, catalogue, existing_case, case_vals, unit_vals
):
    case_vals, unit_vals = resolve(case_vals, catalogue), resolve(unit_vals, catalogue)
    unit_vals.pop("unit_ids", None)
    fields = ["state", "name", "customer_ref", "partner_id", "unit_ids"]
    before = admin("rma.unex.case", "read", [existing_case], fields=fields)
    try:
        sales("rma.unex.case", "write", [existing_case], case_vals)
    except RpcError as error:
        assert_clear_refusal(error)
        assert admin("rma.unex.case", "read", [existing_case], fields=fields) == before
    unit = admin("rma.unex.case", "read", [existing_case], fields=["unit_ids"])[0][
        "unit_ids"
    ]
    if unit and unit_vals:
        before = admin(
            "rma.unex.unit", "read", unit[:1], fields=["mac_address", "lot_id"]
        )
        try:
            sales("rma.unex.unit", "write", unit[:1], unit_vals)
        except RpcError as error:
            assert_clear_refusal(error)
            after = admin(
                "rma.unex.unit", "read", unit[:1], fields=["mac_address", "lot_id"]
            )
            assert after == before
