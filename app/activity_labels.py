"""What an activity event says to people: ``action_label(entity, action)`` and
``describe_change(entity, before, after, names)``.

Services log short codes (``arrive_cn``, ``delay_flag``, a journal entry's kind…); the history
tab shows them in the user's language. A workflow step's code reads as the step's own label
(``app.workflows.FLOWS``); every other code is declared in ``LABELS`` below, by (entity, action)
or, where it means the same for every record, by action alone. A code nobody declared is shown
with its underscores as spaces rather than failing.

The before/after values read the same way: field keys by ``FIELD_LABELS``, a status by the
entity's workflow, ids of people and warehouses by the names the history looked up.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.i18n import N_, _, display, fmt_date, fmt_datetime, fmt_decimal, fmt_money, ngettext
from app.money import Money
from app.services.activity import id_kind
from app.services.ledger import ENTRY_KIND_LABELS
from app.workflows import FLOWS
from app.workflows.orders import ORDER_KIND_LABELS, STATUS_LABELS as ORDER_STATUS_LABELS
from app.permissions import ROLE_LABELS
from app.workflows.quotes import QUOTE_STATUS_LABELS
from app.workflows.tasks import TASK_KIND_LABELS


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
    ("carrier_bill", "recorded"): N_("Carrier's bill recorded"),
    ("carrier_bill", "accepted"): N_("Carrier's bill accepted"),
    ("carrier_bill", "disputed"): N_("Carrier's bill disputed"),
    ("company", "created"): N_("Set up the company"),
    ("company", "backed_up"): N_("Database backed up"),
    ("company", "restored"): N_("Database restored from a backup"),
    ("complaint", "opened"): N_("Complaint opened"),
    ("complaint", "contact"): N_("Record contact"),
    ("complaint", "photos"): N_("Photos added"),
    ("customer", "credit_limit"): N_("Credit limit changed"),
    ("customer_message", "phoned"): N_("Told by phone"),
    ("customer_message", "retry"): N_("Sent again"),
    ("delivery", "requested"): N_("Delivery requested"),
    ("delivery", "courier_tracking"): N_("Courier tracking number entered"),
    ("exchange_rate", "set"): N_("Set rate"),
    ("order", "assigned"): N_("Staff assigned"),
    ("order", "awaiting_customer"): N_("Waiting for the customer changed"),
    ("order", "billed"): N_("Billing notice issued"),
    ("order", "commissions_accrued"): N_("Commissions accrued"),
    ("order", "complaint_closed"): N_("Complaint closed"),
    ("order", "complaint_opened"): N_("Complaint opened"),
    ("order", "customer_mail"): N_("Customer's e-mail received"),
    ("order", "rated"): N_("Satisfaction rated"),
    ("inbound_mail", "dismissed"): N_("E-mail dismissed"),
    ("order", "delay_flag"): N_("Delay flag changed"),
    ("order", "discount_code"): N_("Discount code changed"),
    ("order", "committed_dates"): N_("Committed dates changed"),
    ("order", "priority_voucher_used"): N_("Priority shipping voucher used"),
    ("customer", "priority_voucher"): N_("Priority shipping voucher given"),
    ("user", "email_notices"): N_("E-mail copies of notices changed"),
    ("order", "estimates"): N_("Estimated dates changed"),
    ("order", "file_added"): N_("File attached"),
    ("order", "goods_counted"): N_("Goods counted"),
    ("order", "tally_exempt"): N_("Tally exemptions changed"),
    ("order", "inspection"): N_("Goods inspected"),
    ("order", "items_shop"): N_("Set shop"),
    ("order", "parcel_matched"): N_("Parcel matched"),
    ("order", "reship_order"): N_("Reship order created"),
    ("order", "return_to_china"): N_("Return to China"),
    ("order", "shop_order_paid"): N_("Shop order paid"),
    ("order", "supplementary_bill"): N_("Supplementary bill approved"),
    ("import_columns", "remembered"): N_("Column choices remembered for imports"),
    ("order_money", "rate_applied"): N_("Exchange rate applied"),
    ("order", "quote_sent"): N_("Quote sent"),
    ("order", "requoted"): N_("Quoted again at today's rate"),
    ("order", "quote_accepted"): N_("Customer accepted the quote"),
    ("order", "quote_refused"): N_("Customer refused the quote"),
    ("quote", "close"): N_("Quote replaced by a later version"),
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
    ("shipment", "seal_refused"): N_("Seal refused on arrival: receipt stopped"),
    ("shipment", "seal_released"): N_("Released for receiving despite the claim"),
    ("shipment", "carrier_claim_closed"): N_("Claim against the carrier closed"),
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


# -- the change: before → after, field by field ---------------------------------------------

#: key a service writes in before/after -> N_ label (a key nobody declared reads as its words)
FIELD_LABELS: dict[str, str] = {
    "status": N_("Status"),
    "kind": N_("Type"),
    "code": N_("Code"),
    "name": N_("Name"),
    "full_name": N_("Full name"),
    "phone": N_("Phone"),
    "language": N_("Language"),
    "care_staff_id": N_("Customer care"),
    "ordering_staff_id": N_("Ordering staff"),
    "customer_id": N_("Customer"),
    "customer": N_("Customer"),
    "warehouse_id": N_("Warehouse"),
    "warehouse": N_("Warehouse"),
    "home_warehouse_id": N_("Home warehouse"),
    "destination_warehouse_id": N_("Destination warehouse"),
    "receiving_warehouse_id": N_("Receiving warehouse (China)"),
    "delivery_address_id": N_("Delivery address"),
    "goods_description": N_("Goods description"),
    "shelf": N_("Shelf"),
    "weight_kg": N_("Weight (kg)"),
    "chargeable_kg": N_("Chargeable weight"),
    "net_weight_kg": N_("Net weight (kg)"),
    "gross_weight_kg": N_("Gross weight (kg)"),
    "difference_kg": N_("Weight difference"),
    "dims_cm": N_("Dimensions (cm)"),
    "size": N_("Dimensions (cm)"),
    "excess": N_("Excess"),
    "ownerless": N_("Ownerless"),
    "delay": N_("Delay"),
    "reason": N_("Reason"),
    "forecast_deliver_at": N_("Forecast delivery"),
    "estimated_deliver_at": N_("Estimated delivery"),
    "estimated_ship_at": N_("Estimated shipping"),
    "committed_deliver_by": N_("Committed delivery"),
    "committed_ship_by": N_("Committed shipping"),
    "email_notices": N_("E-mail copies of notices"),
    "voucher": N_("Voucher"),
    "total": N_("Total"),
    "amount": N_("Amount"),
    "goods_cny": N_("Goods (CNY)"),
    "paid_cny": N_("Paid (CNY)"),
    "note": N_("Note"),
    "customer_note": N_("Customer note"),
    "title": N_("Title"),
    "assignee_id": N_("Assignee"),
    "due_at": N_("Due"),
    "deadline_at": N_("Deadline"),
    "role": N_("Role"),
    "roles": N_("Roles"),
    "version": N_("Version"),
    "credit_limit": N_("Credit limit"),
    "vip_level_id": N_("VIP level"),
    "discount_code": N_("Discount code"),
    "tracking_code": N_("Tracking code"),
    "tracking_codes": N_("Tracking codes"),
    "shop": N_("Shop"),
    "courier": N_("Courier"),
    "stage": N_("Stage"),
    "plan": N_("Plan"),
    "result": N_("Result"),
    "remedies": N_("Remedies"),
    "route": N_("Route"),
    "box": N_("Box"),
    "boxes": N_("Boxes"),
    "signed_by": N_("Signed by"),
    "reference": N_("Reference"),
    "valid_until": N_("Valid until"),
    "selling_rate": N_("Selling rate"),
    "previous_rate": N_("Previous rate"),
    "difference": N_("Difference"),
    "deposit": N_("Deposit"),
    "quote_version": N_("Quote version"),
    "value": N_("Value"),
    "shipment": N_("Shipment"),
    "order": N_("Order"),
    "items": N_("Items"),
    "fees": N_("Fees"),
    "rows": N_("Rows"),
    "entries": N_("Entries"),
    "account": N_("Account"),
    "services": N_("Services"),
    "addresses": N_("Addresses"),
    "locked": N_("Locked"),
    "received": N_("Received"),
    "damaged": N_("Damaged"),
    "tally_exempt": N_("Not counted piece by piece"),
    "wrong": N_("Wrong item"),
}

#: entity -> its status table (N_ labels); orders read by their kind's flow when it is known
STATUS_TABLES: dict[str, dict[str, str]] = {
    **{name: dict(flow.statuses) for name, flow in FLOWS.items()},
    "order": dict(ORDER_STATUS_LABELS),
    "quote": dict(QUOTE_STATUS_LABELS),
}

_MONEY = re.compile(r"^-?\d+(\.\d+)? [A-Z]{3}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+\.\d+$")
#: how many items of a list are shown before "…"
_LIST_SHOWN = 3


def field_label(key: str) -> str:
    msgid = FIELD_LABELS.get(key)
    return _(msgid) if msgid is not None else key.replace("_", " ")


def _text(value: Any) -> str:
    """A stored (JSON) value formatted for the user: money, times and numbers as the locale writes them."""
    if isinstance(value, bool) or not isinstance(value, str):
        return display(value)
    if _MONEY.match(value):
        amount, currency = value.split(" ")
        try:
            return fmt_money(Money(Decimal(amount), currency))
        except (ValueError, InvalidOperation):
            return value
    try:
        if _DATETIME.match(value):
            return fmt_datetime(datetime.fromisoformat(value))
        if _DATE.match(value):
            return fmt_date(date.fromisoformat(value))
        if _NUMBER.match(value):
            return fmt_decimal(Decimal(value))
    except (ValueError, InvalidOperation):
        return value
    return value


def _value(entity: str, key: str, value: Any, names: Mapping[tuple[str, int], str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if key == "status" and isinstance(value, str):
        for table in (STATUS_TABLES.get(entity, {}), STATUS_TABLES.get(entity.split(".")[0], {})):
            if value in table:
                return _(table[value])
        return value
    if key == "kind" and entity.split(".")[0] == "order" and value in ORDER_KIND_LABELS:
        return _(ORDER_KIND_LABELS[value])
    if entity == "task" and key == "kind" and value in TASK_KIND_LABELS:
        return _(TASK_KIND_LABELS[value])
    if entity == "task" and key == "role" and isinstance(value, str):
        return next((_(label) for role, label in ROLE_LABELS.items() if role.value == value), value)
    kind = id_kind(key)
    if kind is not None and isinstance(value, int) and not isinstance(value, bool):
        return names.get((kind, value), str(value))
    if isinstance(value, dict):
        return ngettext("{n} field", "{n} fields", len(value)).format(n=len(value))
    if isinstance(value, list):
        if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            shown = ", ".join(_text(v) for v in value[:_LIST_SHOWN])
            return shown + (", …" if len(value) > _LIST_SHOWN else "")
        return ngettext("{n} line", "{n} lines", len(value)).format(n=len(value))
    return _text(value)


def describe_change(entity: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                    names: Mapping[tuple[str, int], str] | None = None) -> str:
    """"Status: Cart (draft) → Waiting for deposit; Ordering staff: — → Vũ Minh Đức" in the
    current language. ``entity`` is the logged entity, or an order's flow ("order.purchase")
    where the kind is known; ``names`` maps ("user" | "warehouse" | "customer", id) to a name."""
    before, after, names = before or {}, after or {}, names or {}
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return ""
    parts = []
    for key in dict.fromkeys([*before, *after]):
        old, new = _value(entity, key, before.get(key), names), _value(entity, key, after.get(key), names)
        parts.append(f"{field_label(key)}: {old} → {new}")
    return "; ".join(parts)
