"""Every role's queues, declared once: what each lists, its columns, sort, search and filters.

``QUEUES.for_role(role)`` is the left-hand navigation of the main window for that role; the
tests and benchmarks page through the very same declarations.
"""
from __future__ import annotations

import re

from sqlalchemy import Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from app.activity_labels import action_label
from app.entities import ENTITY_LABELS
from app.i18n import N_, render_stored
from app.models import ActivityEvent, Customer, Order, Task, User, Warehouse
from app.permissions import ROLE_LABELS, STAFF_ROLES, Actor, Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, QueueRegistry, Search, search_clause
from app.text import fold
from app.workflows.orders import CLOSED, ORDER_KIND_LABELS, STATUS_LABELS, OrderKind, OrderStatus
from app.workflows.tasks import TASK_KIND_LABELS, TASK_STATUS_LABELS, TaskStatus

R = Role
QUEUES = QueueRegistry()
ALL_STAFF = STAFF_ROLES

# -- tasks -------------------------------------------------------------------------------------

_assignee = aliased(User)


def _task_select() -> Select:
    return (select(Task.id.label("id"), Task.kind.label("kind"), Task.title.label("title"),
                   Task.title_key.label("title_key"), Task.title_params.label("title_params"),
                   Task.role.label("role"), _assignee.full_name.label("assignee"),
                   Task.due_at.label("due_at"), Task.created_at.label("created_at"),
                   Task.status.label("status"))
            .outerjoin(_assignee, _assignee.id == Task.assignee_id))


def _overdue(row, ctx: Context) -> str | None:
    return "overdue" if row.due_at is not None and row.due_at < ctx.now else None


def _kind_options(session: Session, actor: Actor) -> list[tuple[str, str]]:
    return list(TASK_KIND_LABELS.items())


_TASK_COLUMNS = (
    Column("id", N_("ID"), "int", sortable=True, width=70),
    Column("kind", N_("Task"), "label", labels=TASK_KIND_LABELS, width=180),
    Column("title", N_("Subject"), width=340,
           text=lambda row: render_stored(row.title, row.title_key, row.title_params)),
    Column("assignee", N_("Assignee"), width=160),
    Column("created_at", N_("Created"), "datetime", sortable=True, width=140),
    Column("due_at", N_("Due"), "datetime", width=140),
    Column("role", N_("Role"), "label", labels={r.value: l for r, l in ROLE_LABELS.items()}, width=140),
)
_TASK_FILTERS = (
    Filter("kind", N_("Task type"), _kind_options, lambda s, v: s.where(Task.kind == v)),
)
_TASK_SEARCH = Search(Task.search_text)

QUEUES.add(Queue(
    "tasks.role", N_("Tasks of my role"), "task",
    lambda ctx: _task_select().where(Task.role == ctx.actor.role.value, Task.status == TaskStatus.OPEN),
    _TASK_COLUMNS, ("id", False), frozenset({"tasks", "users"}), _TASK_SEARCH, _TASK_FILTERS,
    flag=_overdue, hint=N_("Open tasks waiting on anyone who holds this role.")), ALL_STAFF)

QUEUES.add(Queue(
    "tasks.mine", N_("My tasks"), "task",
    lambda ctx: _task_select().where(Task.assignee_id == ctx.actor.user_id,
                                     Task.status == TaskStatus.OPEN),
    _TASK_COLUMNS, ("id", False), frozenset({"tasks"}), _TASK_SEARCH, _TASK_FILTERS,
    flag=_overdue, hint=N_("Open tasks assigned to you, whatever role they belong to.")), ALL_STAFF)

QUEUES.add(Queue(
    "tasks.all_open", N_("All open tasks"), "task",
    lambda ctx: _task_select().where(Task.status == TaskStatus.OPEN),
    _TASK_COLUMNS, ("id", False), frozenset({"tasks", "users"}), _TASK_SEARCH,
    _TASK_FILTERS + (Filter("role", N_("Role"),
                            lambda s, a: [(r.value, ROLE_LABELS[r]) for r in STAFF_ROLES],
                            lambda s, v: s.where(Task.role == v)),),
    perm=Perm.ASSIGN_TASKS, flag=_overdue,
    hint=N_("Every open task of every role, to assign and to chase.")), [R.MANAGER])

# -- orders ------------------------------------------------------------------------------------

S = OrderStatus
_care, _buyer = aliased(User), aliased(User)
_OPEN_ORDER = [s.value for s in S if s not in CLOSED and s is not S.DRAFT]


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
CUSTOMER_SEARCH = Search(Customer.search_text, "customers_fts")


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
    if row.status in (S.CANCELLED, S.OUT_OF_STOCK, S.LOST, S.REFUSED):
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
        lambda ctx: and_(Order.status.in_([S.NEW.value, S.DEPOSITED.value]),
                         _mine_or_free(Order.care_staff_id, ctx)), [R.CARE],
        hint=N_("Submitted orders waiting for the deposit or for confirmation: yours and unassigned."))
_orders("orders.care_mine", N_("My orders"),
        lambda ctx: and_(Order.care_staff_id == ctx.actor.user_id, Order.status.in_(_OPEN_ORDER)),
        [R.CARE], sort=("updated_at", True), hint=N_("Open orders you look after."))
_orders("orders.care_waiting", N_("Waiting on the customer"),
        lambda ctx: and_(or_(Order.status == S.NEW.value,
                             and_(Order.awaiting_customer.is_(True), Order.status.in_(_OPEN_ORDER))),
                         _mine_or_free(Order.care_staff_id, ctx)), [R.CARE],
        hint=N_("Orders waiting for the customer's deposit or answer."))
_orders("orders.carts", N_("Carts (drafts)"), lambda ctx: Order.status == S.DRAFT.value, [R.CARE],
        hint=N_("Orders not submitted yet; they expire after the configured days."))
#: app.models.orders.TO_CONFIRM_SQL with its literal values (not bound parameters), so both
#: planners see that the partial index ix_orders_to_confirm holds exactly these orders
TO_CONFIRM = or_(*(and_(Order.status == literal_column(f"'{status.value}'"),
                        Order.kind == literal_column(f"'{kind.value}'"))
                   for status, kind in ((S.DEPOSITED, OrderKind.PURCHASE), (S.NEW, OrderKind.CONSIGNMENT))))
_orders("orders.to_confirm", N_("Orders to confirm"), lambda ctx: TO_CONFIRM,
        [R.MANAGER], hint=N_("Deposited purchase orders and new consignment orders: confirm and assign staff."))
_orders("orders.unassigned", N_("Unassigned orders"),
        lambda ctx: and_(Order.status.in_(_OPEN_ORDER),
                         or_(Order.care_staff_id.is_(None),
                             and_(Order.kind == OrderKind.PURCHASE.value, Order.ordering_staff_id.is_(None),
                                  Order.status.notin_([S.NEW.value, S.DEPOSITED.value])))),
        [R.MANAGER], hint=N_("Open orders missing a customer-care or ordering staff member."))
_orders("orders.awaiting_approval", N_("Awaiting approval"),
        lambda ctx: Order.status == S.AWAITING_APPROVAL.value, [R.MANAGER],
        hint=N_("Orders whose chosen services need a manager's approval."))
_orders("orders.to_buy", N_("Confirmed orders to buy"),
        lambda ctx: and_(Order.status.in_([S.ACCEPTED.value, S.PURCHASING.value]),
                         Order.kind == OrderKind.PURCHASE.value,
                         _mine_or_free(Order.ordering_staff_id, ctx)), [R.ORDERING],
        hint=N_("Accepted orders to place with the shops: yours and unclaimed."))
_orders("orders.all", N_("All orders"), lambda ctx: Order.id.isnot(None),
        [R.CARE, R.MANAGER, R.ORDERING, R.ACCOUNTANT, R.WAREHOUSE_VN], sort=("created_at", True),
        hint=N_("Every order; search by order code, customer name, code or phone."))

# -- customers ----------------------------------------------------------------------------------

_cust_care = aliased(User)
QUEUES.add(Queue(
    "customers.all", N_("Customers"), "customer",
    lambda ctx: select(Customer.id.label("id"), Customer.code.label("code"), Customer.name.label("name"),
                       Customer.phone.label("phone"), Customer.email.label("email"),
                       _cust_care.full_name.label("care_staff"), Customer.created_at.label("created_at"))
    .outerjoin(_cust_care, _cust_care.id == Customer.care_staff_id),
    (Column("code", N_("Code"), sortable=True, width=100),
     Column("name", N_("Name"), sortable=True, width=200),
     Column("phone", N_("Phone"), width=130),
     Column("email", N_("E-mail"), width=180),
     Column("care_staff", N_("Customer care"), width=150),
     Column("created_at", N_("Created"), "datetime", sortable=True, width=130)),
    ("created_at", True), frozenset({"customers", "users"}), CUSTOMER_SEARCH,
    perm=Perm.VIEW_CUSTOMERS, hint=N_("Search by name (with or without accents), code or phone.")),
    [R.CARE, R.MANAGER, R.ACCOUNTANT])

# -- administration ----------------------------------------------------------------------------

_home = aliased(Warehouse)

QUEUES.add(Queue(
    "admin.users", N_("Users"), "user",
    lambda ctx: select(User.id.label("id"), User.username.label("username"),
                       User.full_name.label("full_name"), _home.code.label("warehouse"),
                       User.is_active.label("is_active"), User.locked_at.label("locked_at"),
                       User.last_login_at.label("last_login_at"))
    .outerjoin(_home, _home.id == User.home_warehouse_id),
    (Column("username", N_("User name"), sortable=True, width=140),
     Column("full_name", N_("Full name"), sortable=True, width=200),
     Column("warehouse", N_("Home warehouse"), width=120),
     Column("is_active", N_("Active"), "bool", width=70),
     Column("locked_at", N_("Locked since"), "datetime", width=140),
     Column("last_login_at", N_("Last sign-in"), "datetime", width=140)),
    ("username", False), frozenset({"users", "user_roles"}), Search(User.username),
    perm=Perm.MANAGE_USERS,
    flag=lambda row, ctx: "overdue" if row.locked_at else (None if row.is_active else "done")),
    [R.ADMIN])

QUEUES.add(Queue(
    "admin.activity", N_("Activity log"), "activity",
    lambda ctx: select(ActivityEvent.id.label("id"), ActivityEvent.at.label("at"),
                       ActivityEvent.actor_name.label("actor_name"), ActivityEvent.role.label("role"),
                       ActivityEvent.entity.label("entity"), ActivityEvent.entity_id.label("entity_id"),
                       ActivityEvent.action.label("action"), ActivityEvent.note.label("note"),
                       ActivityEvent.note_key.label("note_key"), ActivityEvent.note_params.label("note_params")),
    (Column("id", N_("ID"), "int", sortable=True, width=80),
     Column("at", N_("When"), "datetime", width=140),
     Column("actor_name", N_("Who"), width=160),
     Column("role", N_("Role"), "label", labels={r.value: l for r, l in ROLE_LABELS.items()}, width=130),
     Column("entity", N_("Record"), "label", labels=ENTITY_LABELS, width=100),
     Column("entity_id", N_("Record no."), "int", width=90),
     Column("action", N_("Action"), width=160, text=lambda row: action_label(row.entity, row.action)),
     Column("note", N_("Note"), width=240,
            text=lambda row: render_stored(row.note, row.note_key, row.note_params))),
    ("id", True), frozenset({"activity_events"}), Search(ActivityEvent.action),
    filters=(Filter("entity", N_("Record type"),
                    lambda s, a: list(ENTITY_LABELS.items()),
                    lambda s, v: s.where(ActivityEvent.entity == v)),),
    perm=Perm.VIEW_ACTIVITY), [R.ADMIN, R.MANAGER])

TASK_STATUS = TASK_STATUS_LABELS

from app.queries import queues_warehouse as _queues_warehouse  # noqa: E402,F401  (registers its queues)
from app.queries import queues_money as _queues_money  # noqa: E402,F401  (money and purchasing)
from app.queries import queues_notify as _queues_notify  # noqa: E402,F401  (tasks, delays, outbox)
from app.queries import queues_complaints as _queues_complaints  # noqa: E402,F401  (complaints)
