"""Queues of orders: the care staff's, the manager's (to confirm, unassigned, awaiting approval),
the ordering staff's orders to buy, and every order (searched by code or through the customer).
"""
from __future__ import annotations

import re

from sqlalchemy import Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from app.i18n import N_
from app.models import Customer, Order, User
from app.permissions import Actor, Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, Search, search_clause
from app.queries.queues.registry import CUSTOMER_SEARCH, QUEUES
from app.text import fold
from app.workflows.orders import CLOSED, ORDER_KIND_LABELS, STATUS_LABELS, OrderKind, OrderStatus


# -- orders ------------------------------------------------------------------------------------

_care, _buyer = aliased(User), aliased(User)
_OPEN_ORDER = [s.value for s in OrderStatus if s not in CLOSED and s is not OrderStatus.DRAFT]


def _order_select() -> Select:
    return (select(Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
                   Order.status.label("status"), Customer.code.label("customer_code"),
                   Customer.name.label("customer_name"), Order.item_count.label("item_count"),
                   Order.goods_cny.label("goods_cny"), _care.full_name.label("care_staff"),
                   _buyer.full_name.label("ordering_staff"), Order.created_at.label("created_at"),
                   Order.updated_at.label("updated_at"),
                   Order.awaiting_customer.label("awaiting_customer"))
            .join(Customer, Customer.id == Order.customer_id)
            .outerjoin(_care, _care.id == Order.care_staff_id)
            .outerjoin(_buyer, _buyer.id == Order.ordering_staff_id))


_ORDER_COLUMNS = (
    Column("code", N_("Order"), sortable=True, width=110),
    Column("kind", N_("Type"), "label", labels=ORDER_KIND_LABELS, width=120),
    Column("status", N_("Status"), "label", labels=STATUS_LABELS, width=150),
    Column("customer_code", N_("Customer code"), width=100),
    Column("customer_name", N_("Customer"), width=180),
    Column("item_count", N_("Qty"), "int", width=60),
    Column("goods_cny", N_("Goods (CNY)"), "money", width=110),
    Column("care_staff", N_("Customer care"), width=140),
    Column("ordering_staff", N_("Ordering staff"), width=140),
    Column("created_at", N_("Created"), "datetime", sortable=True, width=130),
    Column("updated_at", N_("Last change"), "datetime", sortable=True, width=130),
)
_CODE_WORD = re.compile(r"^(dh|kg)\d{1,7}$")


#: on SQLite, when at least this many customers match the words their orders are everywhere:
#: walking the queue's own sort index and keeping the rows of a matching customer finds a page
#: at once, where gathering every order of every match and sorting them reads tens of thousands
#: (a 1,000,000-order benchmark: "hằng" matched 9,000 customers, 45,000 orders, 200 ms)
DENSE_CUSTOMER_MATCHES = 1000


def _order_search(term: str, dialect: str, session: Session | None = None):
    """Order codes by their unique index; every other word through the customer (name with or
    without accents, customer code, phone) — the customers' trigram index, 5× smaller than
    the orders and fast even for a name a third of the customers share."""
    words = [w for w in fold(term).split(" ") if w]
    clauses = []
    for w in [w for w in words if _CODE_WORD.match(w)]:
        low = w.upper()
        high = low[:-1] + chr(ord(low[-1]) + 1)
        clauses.append(and_(Order.code >= low, Order.code < high))
    rest = " ".join(w for w in words if not _CODE_WORD.match(w))
    if rest:
        matching = search_clause(CUSTOMER_SEARCH, Customer.id, rest, dialect)
        customers = select(Customer.id).where(matching)
        owner = Order.customer_id
        if dialect == "sqlite" and session is not None and session.scalar(
                select(func.count()).select_from(customers.limit(DENSE_CUSTOMER_MATCHES).subquery())
        ) >= DENSE_CUSTOMER_MATCHES:
            owner = Order.customer_id + 0       # SQLite: not by the customer index, by the sort's
        clauses.append(owner.in_(customers))
    return and_(*clauses) if clauses else None


_ORDER_SEARCH = Search(clause=_order_search)
_ORDER_TABLES = frozenset({"orders", "customers", "users", "order_items"})


def _status_options(session: Session, actor: Actor) -> list[tuple[str, str]]:
    return list(STATUS_LABELS.items())


_ORDER_FILTERS = (
    Filter("kind", N_("Type"), lambda s, a: list(ORDER_KIND_LABELS.items()),
           lambda sel, v: sel.where(Order.kind == v)),
    Filter("status", N_("Status"), _status_options, lambda sel, v: sel.where(Order.status == v)),
)


def _order_flag(row, ctx: Context) -> str | None:
    if row.awaiting_customer:
        return "warning"
    if row.status in (OrderStatus.CANCELLED, OrderStatus.OUT_OF_STOCK, OrderStatus.LOST, OrderStatus.REFUSED):
        return "done"
    return None


def _orders(name: str, title: str, where, roles, sort=("created_at", False), hint: str = "",
            perm: Perm = Perm.VIEW_ORDERS) -> None:
    QUEUES.add(Queue(name, title, "order", lambda ctx: _order_select().where(where(ctx)),
                     _ORDER_COLUMNS, sort, _ORDER_TABLES, _ORDER_SEARCH, _ORDER_FILTERS, perm=perm,
                     flag=_order_flag, hint=hint), roles)


def _mine_or_free(column, ctx: Context):
    return or_(column.is_(None), column == ctx.actor.user_id)


_orders("orders.care_new", N_("New orders to handle"),
        lambda ctx: and_(Order.status.in_([OrderStatus.NEW.value, OrderStatus.DEPOSITED.value]),
                         _mine_or_free(Order.care_staff_id, ctx)), [Role.CARE],
        hint=N_("Submitted orders waiting for the deposit or for confirmation: yours and unassigned."))
_orders("orders.care_mine", N_("My orders"),
        lambda ctx: and_(Order.care_staff_id == ctx.actor.user_id, Order.status.in_(_OPEN_ORDER)),
        [Role.CARE], sort=("updated_at", True), hint=N_("Open orders you look after."))
_orders("orders.care_waiting", N_("Waiting on the customer"),
        lambda ctx: and_(or_(Order.status == OrderStatus.NEW.value,
                             and_(Order.awaiting_customer.is_(True), Order.status.in_(_OPEN_ORDER))),
                         _mine_or_free(Order.care_staff_id, ctx)), [Role.CARE],
        hint=N_("Orders waiting for the customer's deposit or answer."))
_orders("orders.carts", N_("Carts (drafts)"), lambda ctx: Order.status == OrderStatus.DRAFT.value, [Role.CARE],
        hint=N_("Orders not submitted yet; they expire after the configured days."))
#: app.models.orders.TO_CONFIRM_SQL with its literal values (not bound parameters), so both
#: planners see that the partial index ix_orders_to_confirm holds exactly these orders
TO_CONFIRM = or_(*(and_(Order.status == literal_column(f"'{status.value}'"),
                        Order.kind == literal_column(f"'{kind.value}'"))
                   for status, kind in ((OrderStatus.DEPOSITED, OrderKind.PURCHASE), (OrderStatus.NEW, OrderKind.CONSIGNMENT))))
_orders("orders.to_confirm", N_("Orders to confirm"), lambda ctx: TO_CONFIRM,
        [Role.MANAGER], hint=N_("Deposited purchase orders and new consignment orders: confirm and assign staff."))
_orders("orders.unassigned", N_("Unassigned orders"),
        lambda ctx: and_(Order.status.in_(_OPEN_ORDER),
                         or_(Order.care_staff_id.is_(None),
                             and_(Order.kind == OrderKind.PURCHASE.value, Order.ordering_staff_id.is_(None),
                                  Order.status.notin_([OrderStatus.NEW.value, OrderStatus.DEPOSITED.value])))),
        [Role.MANAGER], hint=N_("Open orders missing a customer-care or ordering staff member."))
_orders("orders.awaiting_approval", N_("Awaiting approval"),
        lambda ctx: Order.status == OrderStatus.AWAITING_APPROVAL.value, [Role.MANAGER],
        hint=N_("Orders whose chosen services need a manager's approval."))
_orders("orders.to_buy", N_("Confirmed orders to buy"),
        lambda ctx: and_(Order.status.in_([OrderStatus.ACCEPTED.value, OrderStatus.PURCHASING.value]),
                         Order.kind == OrderKind.PURCHASE.value,
                         _mine_or_free(Order.ordering_staff_id, ctx)), [Role.ORDERING],
        hint=N_("Accepted orders to place with the shops: yours and unclaimed."))
_orders("orders.all", N_("All orders"), lambda ctx: Order.id.isnot(None),
        [Role.CARE, Role.MANAGER, Role.ORDERING, Role.ACCOUNTANT, Role.WAREHOUSE_VN], sort=("created_at", True),
        hint=N_("Every order; search by order code, customer name, code or phone."))
