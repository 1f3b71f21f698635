"""The warehouse validates RMA receipts in batch (P3.4, #16): 100 RMA
receipts selected and validated at once cost no more queries per receipt
than 10, and their cases move to Received together.

The queries of a request are read from the server's request log: Odoo logs
every HTTP request (``werkzeug`` at INFO) with the number of SQL queries it
ran, so the count is that of the real JSON-RPC call of the warehouse user,
authentication included."""

import re

import pytest
from conftest import OdooServer, Rpc, load_catalogue

# Each further receipt of a batch: Odoo's own 10 (push rules 3, quants 2,
# the serial, the move lines, the analytic lines, the transfer's tracking 2:
# a bare incoming transfer pays them as well) and the case's tracking 2.
# Measured: 12.0 to 12.8. (The unit test, which marks the moves picked as
# the bench does, measures 9.)
MARGINAL_RECEIPT_QUERIES = 13
REQUEST = re.compile(r'"POST /jsonrpc HTTP/1\.1" 200 - (\d+) [\d.]+ [\d.]+')


@pytest.fixture(scope="module")
def receipts_server(system):
    """A server of its own that logs each request with its query count."""
    pg = system["pg"]
    db = pg.copy(system["db"], f"{system['db']}_receipts")
    odoo = OdooServer(
        system["conf"], db, "receipts", extra_args=("--log-handler=werkzeug:INFO",)
    )
    try:
        yield odoo.start()
    finally:
        odoo.stop()
        pg.drop(db)


def authorised_receipts(users, catalogue, count, prefix):
    """``count`` cases of one serial each, authorised by sales together; the
    ids of the cases and of their receipts."""
    admin, sales = users["admin"], users["sales"]
    lots = admin(
        "stock.lot",
        "create",
        [
            {"name": f"{prefix}{i:04d}", "product_id": catalogue["product"]}
            for i in range(count)
        ],
    )
    cases = admin(
        "rma.unex.case",
        "create",
        [
            {
                "partner_id": catalogue["customer_a"],
                "unit_ids": [
                    (0, 0, {"product_id": catalogue["product"], "lot_id": lot})
                ],
            }
            for lot in lots
        ],
    )
    # P2.4: the serials were never delivered, the customer agrees to charges
    wizards = sales(
        "rma.unex.charge.agreement.wizard",
        "create",
        [{"case_id": case, "method": "email"} for case in cases],
    )
    for wizard in wizards:
        sales("rma.unex.charge.agreement.wizard", "action_confirm", [wizard])
    sales("rma.unex.case", "action_authorise", cases)
    receipts = admin(
        "stock.picking",
        "search",
        [("rma_case_id", "in", cases), ("picking_type_code", "=", "incoming")],
    )
    assert len(receipts) == count
    return cases, receipts


def validate(server, warehouse, receipts):
    """The warehouse validates the receipts in one call; its query count."""
    since = server.log_offset()
    warehouse("stock.picking", "button_validate", receipts)
    counts = REQUEST.findall(server.log_text()[since:])
    assert counts, server.log_tail()
    return int(counts[-1])


def test_p3_4_receipts_validated_together_cost_the_same_per_receipt(
    receipts_server,
):
    users = {
        login: Rpc(receipts_server, login) for login in ("admin", "sales", "warehouse")
    }
    catalogue = load_catalogue(users["admin"])
    queries = {}
    for count, prefix in ((10, "WARM"), (10, "TEN"), (100, "HUNDRED")):
        cases, receipts = authorised_receipts(users, catalogue, count, prefix)
        queries[count] = validate(receipts_server, users["warehouse"], receipts)
        read = users["admin"](
            "rma.unex.case", "read", cases, fields=["state", "receipt_state"]
        )
        assert {(c["state"], c["receipt_state"]) for c in read} == {
            ("received", "done")
        }
    marginal = (queries[100] - queries[10]) / 90
    assert marginal <= MARGINAL_RECEIPT_QUERIES, queries
    assert queries[100] / 100 <= queries[10] / 10, queries
    assert receipts_server.errors() == []
