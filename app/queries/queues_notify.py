"""Queues of tasks, delays and notifications: escalated tasks, delayed orders, the outbox.

Each filter/sort pair has its composite index in app/models/notify.py.
"""
from __future__ import annotations

from app.i18n import N_
from app.models import Task
from app.permissions import Role
from app.queries.paging import Column, Queue
from app.queries.queues import (_TASK_COLUMNS, _TASK_FILTERS, _TASK_SEARCH, QUEUES, _task_select)
from app.workflows.tasks import TaskStatus

R = Role

# -- tasks that went past due: the managers' queue ------------------------------------------------------

QUEUES.add(Queue(
    "tasks.escalated", N_("Overdue tasks"), "task",
    lambda ctx: _task_select().add_columns(Task.escalated_at.label("escalated_at"))
    .where(Task.status == TaskStatus.OPEN.value, Task.escalated_at.isnot(None)),
    _TASK_COLUMNS + (Column("escalated_at", N_("Escalated"), "datetime", width=140),),
    ("due_at", False), frozenset({"tasks", "users"}), _TASK_SEARCH, _TASK_FILTERS,
    flag=lambda row, ctx: "overdue",
    hint=N_("Tasks still open after their due time, most overdue first: assign, reschedule or chase.")),
    [R.MANAGER])
