"""What an activity event's action code says to people: ``action_label(entity, action)``.

Services log short codes (``arrive_cn``, ``delay_flag``, a journal entry's kind…); the history
tab shows them in the user's language. A workflow step's code reads as the step's own label
(``app.workflows.FLOWS``); every other code is declared in ``LABELS`` below, by (entity, action)
or, where it means the same for every record, by action alone. A code nobody declared is shown
with its underscores as spaces rather than failing.
"""
from __future__ import annotations

from app.i18n import N_, _
from app.services.ledger import ENTRY_KIND_LABELS
from app.workflows import FLOWS


def _step_labels() -> dict[str, dict[str, str]]:
    """entity -> action -> step label (N_); where two flows of an entity (purchase and
    consignment orders) share an action, the first one's label."""
    out: dict[str, dict[str, str]] = {}
    for name, flow in FLOWS.items():
        steps = out.setdefault(name.split(".")[0], {})
        for s in flow.steps:
            steps.setdefault(s.action, s.label)
    return out


STEP_LABELS = _step_labels()

#: entities whose action is a value rather than a code: every action reads the same
#: (journal entries are the exception: their action is the entry kind, see ENTRY_KIND_LABELS)
ANY_ACTION: dict[str, str] = {
    "setting": N_("Setting changed"),
}

#: (entity, action) or action -> N_ label, for the actions that are not workflow steps
LABELS: dict[tuple[str, str] | str, str] = {
    # the same for any record
    "created": N_("Record created"),
    "edited": N_("Details edited"),
    "updated": N_("Details edited"),
    "alert_pinned": N_("Alert note pinned"),
    "seller_complaint": N_("Seller complaint opened"),
    ("alert", "pinned"): N_("Alert note pinned"),
    ("alert", "acknowledged"): N_("Alert note read"),
    ("bill", "proposed"): N_("Supplementary bill proposed"),
    ("company", "created"): N_("Set up the company"),
    ("complaint", "opened"): N_("Complaint opened"),
    ("complaint", "contact"): N_("Record contact"),
    ("complaint", "photos"): N_("Photos added"),
    ("customer", "credit_limit"): N_("Credit limit changed"),
    ("customer_message", "phoned"): N_("Told by phone"),
    ("customer_message", "retry"): N_("Sent again"),
    ("delivery", "requested"): N_("Delivery requested"),
    ("exchange_rate", "set"): N_("Set rate"),
    ("order", "assigned"): N_("Staff assigned"),
    ("order", "awaiting_customer"): N_("Waiting for the customer changed"),
    ("order", "billed"): N_("Billing notice issued"),
    ("order", "commissions_accrued"): N_("Commissions accrued"),
    ("order", "complaint_closed"): N_("Complaint closed"),
    ("order", "complaint_opened"): N_("Complaint opened"),
    ("order", "delay_flag"): N_("Delay flag changed"),
    ("order", "discount_code"): N_("Discount code changed"),
    ("order", "estimates"): N_("Estimated dates changed"),
    ("order", "file_added"): N_("File attached"),
    ("order", "inspection"): N_("Goods inspected"),
    ("order", "items_shop"): N_("Set shop"),
    ("order", "parcel_matched"): N_("Parcel matched"),
    ("order", "reship_order"): N_("Reship order created"),
    ("order", "return_to_china"): N_("Return to China"),
    ("order", "shop_order_paid"): N_("Shop order paid"),
    ("order", "supplementary_bill"): N_("Supplementary bill approved"),
    ("order_money", "rate_applied"): N_("Exchange rate applied"),
    ("parcel", "delivered"): N_("Delivered"),
    ("parcel", "departed"): N_("Departed"),
    ("parcel", "described"): N_("Description edited"),
    ("parcel", "matched"): N_("Matched to an order"),
    ("parcel", "measured"): N_("Weighed and measured"),
    ("parcel", "missing_on_arrival"): N_("Missing on arrival"),
    ("parcel", "packed_for_delivery"): N_("Packed for delivery"),
    ("parcel", "received_cn"): N_("Received in the China warehouse"),
    ("parcel", "shelf"): N_("Shelf changed"),
    ("parcel", "unpacked"): N_("Take out of the shipment"),
    ("parcel", "weight_difference"): N_("Weight difference"),
    ("parcel_import", "imported"): N_("Tracking list imported"),
    ("payment", "posted"): N_("Posted"),
    ("payment", "recorded"): N_("Payment recorded"),
    ("payment", "reversed"): N_("Reversal"),
    ("seller_complaint", "opened"): N_("Seller complaint opened"),
    ("seller_complaint", "deadline_warning"): N_("After-sale deadline warning"),
    ("shipment", "opened"): N_("Shipment opened"),
    ("shop_order", "tracking_codes"): N_("Tracking codes added"),
    ("stocktake", "started"): N_("Stocktake started"),
    ("stocktake", "closed"): N_("Stocktake closed"),
    ("task", "opened"): N_("Task opened"),
    ("task", "assigned"): N_("Staff assigned"),
    ("task", "claimed"): N_("Task claimed"),
    ("task", "closed"): N_("Task done"),
    ("task", "cancelled"): N_("Task cancelled"),
    ("task", "escalated"): N_("Escalated"),
    ("task", "rescheduled"): N_("Due date changed"),
    ("user", "language"): N_("Language changed"),
    ("user", "locked"): N_("Account locked"),
    ("user", "unlocked"): N_("Account unlocked"),
    ("user", "login"): N_("Signed in"),
    ("user", "login_failed"): N_("Sign-in failed"),
    ("user", "password_changed"): N_("Password changed"),
    ("user", "password_reset"): N_("Password reset"),
}


def declared_label(entity: str, action: str) -> str | None:
    """The message id the code has, or None where nothing declares one."""
    step_label = STEP_LABELS.get(entity, {}).get(action)
    if step_label is not None:
        return step_label
    if (entity, action) in LABELS:
        return LABELS[(entity, action)]
    if entity == "journal_entry":
        return ENTRY_KIND_LABELS.get(action)
    return ANY_ACTION.get(entity) or LABELS.get(action)


def action_label(entity: str, action: str) -> str:
    """The action as people read it, in the current language (an unknown code: its words)."""
    msgid = declared_label(entity, action)
    return _(msgid) if msgid is not None else action.replace("_", " ")
