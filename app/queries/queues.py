"""Every role's queues, declared once: what each lists, its columns, sort, search and filters.

``QUEUES.for_role(role)`` is the left-hand navigation of the main window for that role; the
tests and benchmarks page through the very same declarations.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from app.i18n import N_
from app.models import ActivityEvent, Task, User, Warehouse
from app.permissions import ROLE_LABELS, STAFF_ROLES, Actor, Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, QueueRegistry, Search
from app.workflows.tasks import TASK_KIND_LABELS, TASK_STATUS_LABELS, TaskStatus

R = Role
QUEUES = QueueRegistry()
ALL_STAFF = STAFF_ROLES

# -- tasks -------------------------------------------------------------------------------------

_assignee = aliased(User)


def _task_select() -> Select:
    return (select(Task.id.label("id"), Task.kind.label("kind"), Task.title.label("title"),
                   Task.role.label("role"), _assignee.full_name.label("assignee"),
                   Task.due_at.label("due_at"), Task.created_at.label("created_at"),
                   Task.status.label("status"))
            .outerjoin(_assignee, _assignee.id == Task.assignee_id))


def _overdue(row, ctx: Context) -> str | None:
    return "overdue" if row.due_at is not None and row.due_at < ctx.now else None


def _kind_options(session: Session, actor: Actor) -> list[tuple[str, str]]:
    return list(TASK_KIND_LABELS.items())


_TASK_COLUMNS = (
    Column("id", N_("No."), "int", sortable=True, width=70),
    Column("kind", N_("Task"), "label", labels=TASK_KIND_LABELS, width=180),
    Column("title", N_("Subject"), width=340),
    Column("assignee", N_("Assignee"), width=160),
    Column("created_at", N_("Created"), "datetime", sortable=True, width=140),
    Column("due_at", N_("Due"), "datetime", width=140),
    Column("role", N_("Role"), "label", labels={r.value: l for r, l in ROLE_LABELS.items()}, width=140),
)
_TASK_FILTERS = (
    Filter("kind", N_("Task type"), _kind_options, lambda s, v: s.where(Task.kind == v)),
)
_TASK_SEARCH = Search(Task.title)

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
                       ActivityEvent.action.label("action"), ActivityEvent.note.label("note")),
    (Column("id", N_("No."), "int", sortable=True, width=80),
     Column("at", N_("When"), "datetime", width=140),
     Column("actor_name", N_("Who"), width=160),
     Column("role", N_("Role"), "label", labels={r.value: l for r, l in ROLE_LABELS.items()}, width=130),
     Column("entity", N_("Record"), width=100),
     Column("entity_id", N_("Record no."), "int", width=90),
     Column("action", N_("Action"), width=140),
     Column("note", N_("Note"), width=240)),
    ("id", True), frozenset({"activity_events"}), Search(ActivityEvent.action),
    filters=(Filter("entity", N_("Record type"),
                    lambda s, a: [(e, e) for e in ("order", "customer", "user", "task", "setting",
                                                   "warehouse", "parcel", "shipment", "complaint")],
                    lambda s, v: s.where(ActivityEvent.entity == v)),),
    perm=Perm.VIEW_ACTIVITY), [R.ADMIN, R.MANAGER])

TASK_STATUS = TASK_STATUS_LABELS
