"""The words of the process, in one place: groups, states and the choices
the models offer (dispositions, CID findings, warranty statuses)."""

from typing import NamedTuple

from odoo.tools.translate import LazyGettext

# Groups ------------------------------------------------------------------

GROUP_USER = "rma_unex.rma_unex_group_user"
GROUP_SALES = "rma_unex.rma_unex_group_sales"
GROUP_QUALITY = "rma_unex.rma_unex_group_quality"
GROUP_MANAGER = "rma_unex.rma_unex_group_manager"
# Warehouse staff receive and ship units without being RMA users (P3.4).
GROUP_STOCK = "stock.group_stock_user"
# Internal fields: staff and warehouse read them, portal customers do not.
STAFF = f"{GROUP_USER},{GROUP_STOCK}"

# The case ----------------------------------------------------------------

STATES = [
    ("sales_review", "Sales Review"),
    ("authorised", "Authorised"),
    ("received", "Received"),
    ("evaluation", "Under Evaluation"),
    ("quoted", "Awaiting Approval"),
    ("approved", "Approved"),
    ("repair", "In Repair"),
    ("qc", "Quality Control"),
    ("ready", "Ready to Ship"),
    ("shipped", "Shipped"),
    ("closed", "Closed"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
]
# States in which a case holds, or is about to hold, the customer's goods and
# work can be put on hold (P5.2).
SUSPENDABLE_STATES = (
    "authorised",
    "received",
    "evaluation",
    "quoted",
    "approved",
    "repair",
    "qc",
)
CLOSED_STATES = ("closed", "cancelled")
OPEN_STATES = tuple(state for state, _label in STATES if state not in CLOSED_STATES)

# The unit ----------------------------------------------------------------

DISPOSITIONS = [
    ("free_repair", "Free repair"),
    ("free_replacement", "Free replacement"),
    ("paid_repair", "Paid repair"),
    ("ntf", "No trouble found"),
    ("credit_note", "Credit note (defective goods taken back)"),
    ("return_unrepaired", "Return unrepaired"),
    ("scrap", "Scrap at customer's request"),
]
# Dispositions after which the returned unit stays with us (M7).
KEPT_DISPOSITIONS = ("free_replacement", "credit_note", "scrap")
# Dispositions that send the unit through a repair order and QC (P6).
REPAIR_DISPOSITIONS = ("free_repair", "paid_repair")

CID_TYPES = [
    ("none", "No CID"),
    ("physical", "Physical impact"),
    ("liquid", "Liquid damage"),
    ("disassembly", "Unauthorised disassembly"),
    ("packaging", "Improper packaging in transit"),
]

WARRANTY_STATUSES = [
    ("in_warranty", "In Warranty"),
    ("doa", "Dead on Arrival"),
    ("expired", "Expired"),
    ("void", "Void (CID)"),
    ("unknown", "Unknown"),
]
# Statuses under which the vendor repairs or replaces free of charge.
COVERED_STATUSES = ("in_warranty", "doa")

# The support request ---------------------------------------------------

TSR_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("resolved_remotely", "Resolved Remotely"),
    ("escalated", "Escalated to RMA"),
]

# Scheduled actions -------------------------------------------------------

# The kinds of work of the crons, which run in committed batches
# (rma.unex.cron.batch); a record one of them could not handle is put aside
# under its code (rma.unex.cron.failure).
CRON_STEPS = [
    ("authorisation_mail", "Authorisation e-mail (P3.1, P3.2)"),
    ("authorisation_reminder", "Authorisation reminder (M2)"),
    ("authorisation_expiry", "Authorisation expiry (M2)"),
    ("quotation_expiry", "Quotation expiry (P4.5)"),
    ("custody_limit", "Custody limit (M5)"),
    ("advance_invoice", "Unreturned unit invoiced (M6)"),
    ("advance_reminder", "Unreturned unit reminder (M6)"),
    ("response_warning", "First-response warning (P1.5)"),
]

# Lifecycles --------------------------------------------------------------


class Transition(NamedTuple):
    """A step of a lifecycle: from which states, to which (None: back to
    where the record was before, as resume does), for which groups (one of),
    under which label; ``buttons`` are the header buttons that take it under
    another name than ``action_<transition>``."""

    sources: tuple
    target: str | None
    groups: tuple
    label: LazyGettext
    buttons: tuple = ()


class Action(NamedTuple):
    """Something done to a record without changing its state (a decision, a
    finding, a document): in which states, for which groups, under which
    label; ``buttons`` are the buttons that do it."""

    states: tuple
    groups: tuple
    label: LazyGettext
    buttons: tuple = ()
