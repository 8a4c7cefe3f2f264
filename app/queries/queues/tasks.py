"""Queues of tasks: each role's open tasks, the person's own, every open task for the manager.
The columns, filters and search are public: the overdue tasks' queue (notify.py) reuses them.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from app.i18n import N_, render_stored
from app.models import Task, User
from app.permissions import ROLE_LABELS, STAFF_ROLES, Actor, Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, Search
from app.queries.queues.registry import ALL_STAFF, QUEUES
from app.workflows.tasks import TASK_KIND_LABELS, TASK_STATUS_LABELS, TaskStatus


# -- tasks -------------------------------------------------------------------------------------

_assignee = aliased(User)


def task_select() -> Select:
    return (select(Task.id.label("id"), Task.kind.label("kind"), Task.title.label("title"),
                   Task.title_key.label("title_key"), Task.title_params.label("title_params"),
                   Task.role.label("role"), _assignee.full_name.label("assignee"),
                   Task.due_at.label("due_at"), Task.created_at.label("created_at"),
                   Task.status.label("status"))
            .outerjoin(_assignee, _assignee.id == Task.assignee_id))


def overdue(row, ctx: Context) -> str | None:
    return "overdue" if row.due_at is not None and row.due_at < ctx.now else None


def _kind_options(session: Session, actor: Actor) -> list[tuple[str, str]]:
    return list(TASK_KIND_LABELS.items())


TASK_COLUMNS = (
    Column("id", N_("ID"), "int", sortable=True, width=70),
    Column("kind", N_("Task"), "label", labels=TASK_KIND_LABELS, width=180),
    Column("title", N_("Subject"), width=340,
           text=lambda row: render_stored(row.title, row.title_key, row.title_params)),
    Column("assignee", N_("Assignee"), width=160),
    Column("created_at", N_("Created"), "datetime", sortable=True, width=140),
    Column("due_at", N_("Due"), "datetime", width=140),
    Column("role", N_("Role"), "label", labels={r.value: l for r, l in ROLE_LABELS.items()}, width=140),
)
TASK_FILTERS = (
    Filter("kind", N_("Task type"), _kind_options, lambda s, v: s.where(Task.kind == v)),
)
TASK_SEARCH = Search(Task.search_text)

QUEUES.add(Queue(
    "tasks.role", N_("Tasks of my role"), "task",
    lambda ctx: task_select().where(Task.role == ctx.actor.role.value, Task.status == TaskStatus.OPEN),
    TASK_COLUMNS, ("id", False), frozenset({"tasks", "users"}), TASK_SEARCH, TASK_FILTERS,
    flag=overdue, hint=N_("Open tasks waiting on anyone who holds this role.")), ALL_STAFF)

QUEUES.add(Queue(
    "tasks.mine", N_("My tasks"), "task",
    lambda ctx: task_select().where(Task.assignee_id == ctx.actor.user_id,
                                     Task.status == TaskStatus.OPEN),
    TASK_COLUMNS, ("id", False), frozenset({"tasks"}), TASK_SEARCH, TASK_FILTERS,
    flag=overdue, hint=N_("Open tasks assigned to you, whatever role they belong to.")), ALL_STAFF)

QUEUES.add(Queue(
    "tasks.all_open", N_("All open tasks"), "task",
    lambda ctx: task_select().where(Task.status == TaskStatus.OPEN),
    TASK_COLUMNS, ("id", False), frozenset({"tasks", "users"}), TASK_SEARCH,
    TASK_FILTERS + (Filter("role", N_("Role"),
                            lambda s, a: [(r.value, ROLE_LABELS[r]) for r in STAFF_ROLES],
                            lambda s, v: s.where(Task.role == v)),),
    perm=Perm.ASSIGN_TASKS, flag=overdue,
    hint=N_("Every open task of every role, to assign and to chase.")), [Role.MANAGER])

TASK_STATUS = TASK_STATUS_LABELS
