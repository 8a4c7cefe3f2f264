"""Queues of complaints: the care staff's and the ordering staff's active complaints, the plans
waiting for a manager, every complaint; the ordering staff's claims against sellers sorted by
the time left before the platform's after-sale window closes (amber once the timer warned,
red once it closed), and every seller complaint.

Each filter/sort pair reads a composite index (app.models.complaints): complaints
(care_staff_id, opened_at, id) and (ordering_staff_id, opened_at, id) partial on the active
statuses · (status, opened_at, id) for the plans to approve and the status filter ·
(opened_at, id); seller_complaints (deadline_at, id) partial on the active statuses ·
(opened_at, id). The claims' archive has no status filter on purpose: an index led by status
would draw SQLite's planner away from the active claims' partial index.
"""
from __future__ import annotations

from sqlalchemy import Select, select, text
from sqlalchemy.orm import aliased

from app.entities import ENTITY_LABELS
from app.i18n import N_
from app.models import Complaint, Customer, Order, SellerComplaint, Shop, ShopOrder, User
from app.models.complaints import ACTIVE, SELLER_ACTIVE
from app.permissions import Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, Search
from app.queries.queues.registry import QUEUES
from app.workflows.complaints import (COMPLAINT_KIND_LABELS, COMPLAINT_STAGE_LABELS, COMPLAINT_STATUS_LABELS,
                                      SELLER_REASON_LABELS, SELLER_STATUS_LABELS, ComplaintStatus)

ENTITY_LABELS.setdefault("seller_complaint", N_("Seller complaint"))

# -- customer complaints ----------------------------------------------------------------------------------

_c_order, _c_care, _c_buyer = aliased(Order), aliased(User), aliased(User)


def _complaint_select() -> Select:
    return (select(Complaint.id.label("id"), Complaint.code.label("code"), Complaint.status.label("status"),
                   Complaint.kind.label("kind"), Complaint.stage.label("stage"),
                   _c_order.code.label("order_code"), Customer.name.label("customer_name"),
                   _c_care.full_name.label("care_staff"), _c_buyer.full_name.label("ordering_staff"),
                   Complaint.opened_at.label("opened_at"), Complaint.proposed_at.label("proposed_at"))
            .join(_c_order, _c_order.id == Complaint.order_id)
            .join(Customer, Customer.id == Complaint.customer_id)
            .outerjoin(_c_care, _c_care.id == Complaint.care_staff_id)
            .outerjoin(_c_buyer, _c_buyer.id == Complaint.ordering_staff_id))


_COMPLAINT_COLUMNS = (
    Column("code", N_("Complaint"), width=110),
    Column("status", N_("Status"), "label", labels=COMPLAINT_STATUS_LABELS, width=170),
    Column("kind", N_("What is wrong"), "label", labels=COMPLAINT_KIND_LABELS, width=120),
    Column("stage", N_("Found"), "label", labels=COMPLAINT_STAGE_LABELS, width=200),
    Column("order_code", N_("Order"), width=110),
    Column("customer_name", N_("Customer"), width=180),
    Column("care_staff", N_("Customer care"), width=140),
    Column("ordering_staff", N_("Ordering staff"), width=140),
    Column("opened_at", N_("Opened"), "datetime", sortable=True, width=130),
)
_COMPLAINT_SEARCH = Search(Complaint.search_text)
_COMPLAINT_TABLES = frozenset({"complaints", "complaint_plans", "complaint_contacts"})


def _complaint_flag(row, ctx: Context) -> str | None:
    """Amber: an approved plan waits to be carried out. Grey: closed."""
    if row.status == ComplaintStatus.APPROVED:
        return "warning"
    if row.status in (ComplaintStatus.CLOSED, ComplaintStatus.DISMISSED, ComplaintStatus.WITHDRAWN):
        return "done"
    return None


#: the partial indexes' conditions, qualified (orders, joined in, have a status too)
_ACTIVE = text(f"complaints.{ACTIVE}")

QUEUES.add(Queue(
    "complaints.care", N_("My complaints"), "complaint",
    lambda ctx: _complaint_select().where(Complaint.care_staff_id == ctx.actor.user_id, _ACTIVE),
    _COMPLAINT_COLUMNS, ("opened_at", False), _COMPLAINT_TABLES, _COMPLAINT_SEARCH,
    perm=Perm.HANDLE_COMPLAINTS, flag=_complaint_flag,
    hint=N_("Complaints on the orders you look after that still wait on someone, oldest first: talk to "
            "the customer, propose a plan, carry out approved plans (amber).")), [Role.CARE])

QUEUES.add(Queue(
    "complaints.ordering", N_("Complaints to take up with shops"), "complaint",
    lambda ctx: _complaint_select().where(Complaint.ordering_staff_id == ctx.actor.user_id, _ACTIVE),
    _COMPLAINT_COLUMNS, ("opened_at", False), _COMPLAINT_TABLES, _COMPLAINT_SEARCH,
    perm=Perm.HANDLE_COMPLAINTS, flag=_complaint_flag,
    hint=N_("Complaints on the orders you bought that still wait on someone: contact the shop and record "
            "its answer; claim from the seller before the after-sale window closes.")), [Role.ORDERING])

QUEUES.add(Queue(
    "complaints.to_approve", N_("Complaint plans to approve"), "complaint",
    lambda ctx: _complaint_select().where(Complaint.status == ComplaintStatus.PROPOSED.value),
    _COMPLAINT_COLUMNS + (Column("proposed_at", N_("Proposed"), "datetime", width=130),),
    ("opened_at", False), _COMPLAINT_TABLES, _COMPLAINT_SEARCH, perm=Perm.APPROVE_COMPLAINTS,
    hint=N_("Plans proposed for complaints, oldest first: open one to approve or reject it. You cannot "
            "approve a plan you proposed.")), [Role.MANAGER])

QUEUES.add(Queue(
    "complaints.all", N_("All complaints"), "complaint", lambda ctx: _complaint_select(),
    _COMPLAINT_COLUMNS, ("opened_at", True), _COMPLAINT_TABLES, _COMPLAINT_SEARCH,
    filters=(Filter("status", N_("Status"), lambda s, a: list(COMPLAINT_STATUS_LABELS.items()),
                    lambda sel, v: sel.where(Complaint.status == v)),),
    perm=Perm.VIEW_ORDERS, flag=_complaint_flag,
    hint=N_("Every complaint, newest first; search by complaint or order code, customer name or phone.")),
    [Role.MANAGER, Role.CARE, Role.ORDERING])

# -- seller complaints ---------------------------------------------------------------------------------------

_sc_order, _sc_buyer = aliased(Order), aliased(User)


def _seller_select() -> Select:
    return (select(SellerComplaint.id.label("id"), SellerComplaint.code.label("code"),
                   SellerComplaint.status.label("status"), SellerComplaint.reason.label("reason"),
                   Shop.name.label("shop"), ShopOrder.platform_order_no.label("platform_order_no"),
                   _sc_order.code.label("order_code"), SellerComplaint.claimed_cny.label("claimed_cny"),
                   SellerComplaint.recovered_cny.label("recovered_cny"),
                   SellerComplaint.deadline_at.label("deadline_at"), SellerComplaint.warned_at.label("warned_at"),
                   _sc_buyer.full_name.label("ordering_staff"), SellerComplaint.opened_at.label("opened_at"))
            .join(Shop, Shop.id == SellerComplaint.shop_id)
            .join(ShopOrder, ShopOrder.id == SellerComplaint.shop_order_id)
            .join(_sc_order, _sc_order.id == SellerComplaint.order_id)
            .outerjoin(_sc_buyer, _sc_buyer.id == SellerComplaint.ordering_staff_id))


_SELLER_COLUMNS = (
    Column("code", N_("Claim"), width=110),
    Column("status", N_("Status"), "label", labels=SELLER_STATUS_LABELS, width=180),
    Column("deadline_at", N_("After-sale closes"), "datetime", width=140),
    Column("shop", N_("Shop"), width=170),
    Column("platform_order_no", N_("Seller order no."), width=150),
    Column("order_code", N_("Order"), width=110),
    Column("reason", N_("Reason"), "label", labels=SELLER_REASON_LABELS, width=160),
    Column("claimed_cny", N_("Claimed (CNY)"), "money", width=110),
    Column("recovered_cny", N_("Recovered (CNY)"), "money", width=120),
    Column("ordering_staff", N_("Ordering staff"), width=140),
    # not sortable: each queue pages along its own index only (the active claims by deadline,
    # the archive by opening time)
    Column("opened_at", N_("Opened"), "datetime", width=130),
)
_SELLER_SEARCH = Search(SellerComplaint.search_text)
_SELLER_TABLES = frozenset({"seller_complaints"})


def seller_flag(row, ctx: Context) -> str | None:
    """Red once the window closed, amber once the timer warned it is closing (its hours are a setting)."""
    if row.status not in ("open", "claimed"):
        return "done"
    if row.deadline_at <= ctx.now:
        return "overdue"
    return "warning" if row.warned_at is not None else None


QUEUES.add(Queue(
    "seller_complaints.active", N_("Claims against sellers"), "seller_complaint",
    lambda ctx: _seller_select().where(text(f"seller_complaints.{SELLER_ACTIVE}")),
    _SELLER_COLUMNS, ("deadline_at", False), _SELLER_TABLES, _SELLER_SEARCH, perm=Perm.SELLER_COMPLAINTS,
    flag=seller_flag,
    hint=N_("Claims not settled yet, the after-sale window closing first at the top: amber when it closes "
            "soon, red when it has closed.")), [Role.ORDERING, Role.MANAGER])

QUEUES.add(Queue(
    "seller_complaints.all", N_("All claims against sellers"), "seller_complaint", lambda ctx: _seller_select(),
    _SELLER_COLUMNS, ("opened_at", True), _SELLER_TABLES, _SELLER_SEARCH, perm=Perm.SELLER_COMPLAINTS, flag=seller_flag,
    hint=N_("Every claim against a seller, newest first, with what was claimed and recovered.")),
    [Role.ORDERING, Role.MANAGER])
