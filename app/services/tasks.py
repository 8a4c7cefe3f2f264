"""Tasks: the work each role's queue shows. Owners open and close them inside their own actions.

``open_task`` and ``close_tasks`` take the caller's transaction (they are steps of a bigger user
action); ``assign_task``, ``claim_task``, ``complete_task`` and ``cancel_task`` are user actions.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.i18n import Lazy, N_
from app.models import Task, User, UserRole
from app.permissions import Actor, Perm, Role, require
from app.services.activity import now, record
from app.text import fold
from app.workflows.tasks import TASK_FLOW, TaskKind, TaskStatus


def open_task(tx: Session, actor: Actor, kind: TaskKind | str, role: Role, title: str,
              entity: str | None = None, entity_id: int | None = None,
              due_in: timedelta | None = None, due_at: datetime | None = None,
              assignee_id: int | None = None, note: str = "") -> Task:
    """Put a task in ``role``'s queue (and on ``assignee_id``'s list), unless the same one is open."""
    existing = tx.scalar(select(Task).where(Task.kind == str(kind), Task.entity == entity,
                                            Task.entity_id == entity_id, Task.role == role.value,
                                            Task.status == TaskStatus.OPEN))
    if existing is not None:
        if assignee_id is not None and existing.assignee_id != assignee_id:
            existing.assignee_id = assignee_id
        return existing
    at = now(tx)
    task = Task(kind=str(kind), status=TaskStatus.OPEN.value, role=role.value, title=title[:300],
                search_text=fold(title)[:300],
                entity=entity, entity_id=entity_id, assignee_id=assignee_id,
                due_at=due_at or (at + due_in if due_in else None), created_at=at,
                created_by_id=actor.user_id, note=note)
    tx.add(task)
    tx.flush()
    record(tx, actor, "task", task.id, "opened",
           after={"kind": task.kind, "role": task.role, "assignee_id": assignee_id,
                  "entity": entity, "entity_id": entity_id, "due_at": task.due_at})
    return task


def close_tasks(tx: Session, actor: Actor, entity: str, entity_id: int,
                kinds: set[str] | None = None, status: TaskStatus = TaskStatus.DONE) -> int:
    """Close the open tasks about a record (finishing the work closes its task by itself)."""
    q = select(Task).where(Task.entity == entity, Task.entity_id == entity_id,
                           Task.status == TaskStatus.OPEN)
    if kinds:
        q = q.where(Task.kind.in_([str(k) for k in kinds]))
    n = 0
    at = now(tx)
    for task in tx.scalars(q):
        task.status, task.closed_at, task.closed_by_id = status.value, at, actor.user_id
        record(tx, actor, "task", task.id, "closed" if status is TaskStatus.DONE else "cancelled",
               {"status": "open"}, {"status": status.value})
        n += 1
    return n


def _load(tx: Session, task_id: int) -> Task:
    task = tx.get(Task, task_id, with_for_update=True)
    if task is None:
        raise NotFound(what=Lazy(N_("The task")))
    return task


def assign_task(db: Database, actor: Actor, task_id: int, user_id: int | None) -> None:
    """A manager gives a task to a person who holds the task's role (or back to the whole queue)."""
    require(actor, Perm.ASSIGN_TASKS)
    with db.transaction() as tx:
        task = _load(tx, task_id)
        if task.status != TaskStatus.OPEN:
            raise DomainError(N_("Only open tasks can be assigned."))
        if user_id is not None:
            holds = tx.scalar(select(UserRole.user_id).join(User).where(
                UserRole.user_id == user_id, UserRole.role == task.role, User.is_active.is_(True)))
            if holds is None:
                raise DomainError(N_("That person does not hold the role this task belongs to."))
        before = task.assignee_id
        task.assignee_id = user_id
        record(tx, actor, "task", task.id, "assigned", {"assignee_id": before}, {"assignee_id": user_id})


def claim_task(db: Database, actor: Actor, task_id: int) -> None:
    """Take an unassigned task of one's own role."""
    require(actor, Perm.WORK_TASKS)
    with db.transaction() as tx:
        task = _load(tx, task_id)
        if task.role != actor.role.value:
            raise DomainError(N_("This task belongs to another role's queue."))
        if task.status != TaskStatus.OPEN:
            raise DomainError(N_("This task is already closed."))
        if task.assignee_id not in (None, actor.user_id):
            raise DomainError(N_("Someone else already took this task."))
        task.assignee_id = actor.user_id
        record(tx, actor, "task", task.id, "claimed", {"assignee_id": None}, {"assignee_id": actor.user_id})


def complete_task(db: Database, actor: Actor, task_id: int, note: str = "") -> None:
    require(actor, Perm.WORK_TASKS)
    with db.transaction() as tx:
        task = _load(tx, task_id)
        if task.role != actor.role.value and actor.role is not Role.MANAGER:
            raise DomainError(N_("This task belongs to another role's queue."))
        TASK_FLOW.apply(task, "close", actor)
        task.closed_at, task.closed_by_id = now(tx), actor.user_id
        record(tx, actor, "task", task.id, "closed", {"status": "open"}, {"status": task.status}, note)


def cancel_task(db: Database, actor: Actor, task_id: int, reason: str) -> None:
    require(actor, Perm.ASSIGN_TASKS)
    with db.transaction() as tx:
        task = _load(tx, task_id)
        TASK_FLOW.apply(task, "cancel", actor, reason)
        task.closed_at, task.closed_by_id = now(tx), actor.user_id
        record(tx, actor, "task", task.id, "cancelled", {"status": "open"}, {"status": task.status}, reason)


def create_manual_task(db: Database, actor: Actor, role: Role, title: str,
                       assignee_id: int | None = None, due_at: datetime | None = None,
                       entity: str | None = None, entity_id: int | None = None) -> int:
    """A manager writes a task by hand (nhiệm vụ khác)."""
    require(actor, Perm.ASSIGN_TASKS)
    if not (title or "").strip():
        from app.errors import ValidationFailed
        from app.i18n import _

        raise ValidationFailed({"title": _("Describe the task.")})
    with db.transaction() as tx:
        return open_task(tx, actor, TaskKind.OTHER, role, title.strip(), entity, entity_id,
                         due_at=due_at, assignee_id=assignee_id).id
