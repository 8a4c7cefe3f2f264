"""Tasks: the work each role's queue shows. Owners open and close them inside their own actions.

``open_task`` and ``close_tasks`` take the caller's transaction (they are steps of a bigger user
action); ``assign_task``, ``claim_task``, ``complete_task``, ``cancel_task`` and
``reschedule_task`` are user actions; ``escalate_overdue`` is the timer that hands overdue work
to the managers. A task's due time comes from the company's setting for its kind unless the
owner gives one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import LANGUAGES, Lazy, Message, N_, _, message_parts, render_stored
from app.models import Order, Task, User, UserRole
from app.permissions import ROLE_LABELS, SYSTEM_ACTOR, Actor, Perm, Role, require
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import staff_ids_with_role
from app.services.staff_inbox import tell_staff
from app.services.transitions import move
from app.services.unique import broken_constraint
from app.settings import TASK_DUE_SETTINGS
from app.bounds import too_long
from app.text import clean, fold
from app.workflows.tasks import TASK_FLOW, TASK_KIND_LABELS, TASK_STATUS_LABELS, TaskKind, TaskStatus


def default_due_in(tx: Session, kind: TaskKind | str) -> timedelta | None:
    """How long a task of this kind may wait, from the company's settings (None: no due time)."""
    key = TASK_DUE_SETTINGS.get(str(kind))
    return timedelta(hours=settings_service.get(tx, key)) if key else None


def open_task(tx: Session, actor: Actor, kind: TaskKind | str, role: Role, title: str | Message,
              entity: str | None = None, entity_id: int | None = None,
              due_in: timedelta | None = None, due_at: datetime | None = None,
              assignee_id: int | None = None, note: str | Message = "") -> Task:
    """Put a task in ``role``'s queue (and on ``assignee_id``'s list), unless the same one is open.

    Without ``due_in`` or ``due_at`` the task is due after the hours set for its kind. A title or
    note the app writes is a ``Message`` (stored as key and values, read in the reader's
    language); a plain str is text a person typed."""
    same = select(Task).where(Task.kind == str(kind), Task.entity == entity, Task.entity_id == entity_id,
                              Task.role == role.value, Task.status == TaskStatus.OPEN)
    existing = tx.scalar(same)
    if existing is None:
        task = _new_task(tx, actor, kind, role, title, entity, entity_id, due_in, due_at, assignee_id, note)
        if task is not None:
            return task
        existing = tx.scalar(same)          # another desktop opened it this very moment
    if assignee_id is not None and existing.assignee_id != assignee_id:
        existing.assignee_id = assignee_id
    return existing


def _new_task(tx: Session, actor: Actor, kind: TaskKind | str, role: Role, title: str | Message, entity: str | None,
              entity_id: int | None, due_in: timedelta | None, due_at: datetime | None, assignee_id: int | None,
              note: str | Message) -> Task | None:
    at = now(tx)
    if due_in is None and due_at is None:
        due_in = default_due_in(tx, kind)
    title_text, title_key, title_params = message_parts(title)
    note_text, note_key, note_params = message_parts(note)
    task = Task(kind=str(kind), status=TaskStatus.OPEN.value, role=role.value, title=title_text[:300],
                title_key=title_key, title_params=title_params,
                search_text=_search_text(title)[:300],
                entity=entity, entity_id=entity_id, assignee_id=assignee_id,
                due_at=due_at or (at + due_in if due_in else None), created_at=at,
                created_by_id=actor.user_id, note=note_text, note_key=note_key, note_params=note_params)
    tx.flush()                              # the savepoint holds the task alone
    try:
        with tx.begin_nested():
            tx.add(task)
            tx.flush()
    except IntegrityError as exc:
        if broken_constraint(exc) != "uq_tasks_open":
            raise
        return None
    record(tx, actor, "task", task.id, "opened",
           after={"kind": task.kind, "role": task.role, "assignee_id": assignee_id,
                  "entity": entity, "entity_id": entity_id, "due_at": task.due_at})
    return task


def _search_text(title: str | Message) -> str:
    """The subject folded for search in every language a reader may search in."""
    if not isinstance(title, Message):
        return fold(title)
    seen: list[str] = []
    for lang in LANGUAGES:
        text = fold(title.render(lang))
        if text not in seen:
            seen.append(text)
    return " ".join(seen)


def task_title(task: Task) -> str | Message:
    """A task's subject as a value to put in another message (translated where it is read)."""
    return Message.from_json(task.title_key, task.title_params) if task.title_key else task.title


def close_tasks(tx: Session, actor: Actor, entity: str, entity_id: int,
                kinds: set[str] | None = None, status: TaskStatus = TaskStatus.DONE) -> int:
    """Close the open tasks about a record (finishing the work closes its task by itself)."""
    q = select(Task).where(Task.entity == entity, Task.entity_id == entity_id,
                           Task.status == TaskStatus.OPEN)
    if kinds:
        q = q.where(Task.kind.in_([str(k) for k in kinds]))
    n = 0
    at = now(tx)
    done = status is TaskStatus.DONE
    for task in tx.scalars(q):
        move(tx, actor, task, TASK_FLOW, "close" if done else "drop", cascade=True,
             event="closed" if done else "cancelled", stamp={"closed_at": at, "closed_by_id": actor.user_id})
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
        if user_id is not None and user_id != actor.user_id and user_id != before:
            tell_staff(tx, [user_id], N_("{who} gave you a task: {title}"),
                       N_("Due {due}.") if task.due_at else "", "task", task.id, who=actor.name,
                       title=task_title(task), due=task.due_at)


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
        move(tx, actor, task, TASK_FLOW, "close", event="closed", note=note,
             stamp={"closed_at": now(tx), "closed_by_id": actor.user_id})


def cancel_task(db: Database, actor: Actor, task_id: int, reason: str) -> None:
    require(actor, Perm.ASSIGN_TASKS)
    with db.transaction() as tx:
        task = _load(tx, task_id)
        move(tx, actor, task, TASK_FLOW, "cancel", reason, event="cancelled", note=reason,
             stamp={"closed_at": now(tx), "closed_by_id": actor.user_id})


#: the longest subject a person may write (the column's length)
MAX_TITLE = 300


def create_manual_task(db: Database, actor: Actor, role: Role, title: str,
                       assignee_id: int | None = None, due_at: datetime | None = None,
                       entity: str | None = None, entity_id: int | None = None) -> int:
    """A manager writes a task by hand (nhiệm vụ khác) for a department, or one person in it, who
    is told. Each one is a task of its own (not merged with another open one, as the tasks the
    app opens are); without a due time the setting for other tasks gives one."""
    require(actor, Perm.ASSIGN_TASKS)
    title = clean(title or "")
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Describe the task.")
    elif len(title) > MAX_TITLE:
        errors["title"] = too_long(_("Task"), MAX_TITLE)
    if role is Role.SYSTEM:
        errors["role"] = _("Choose a department.")
    if due_at is not None and due_at.tzinfo is None:
        raise ValueError("naive datetime")
    with db.transaction() as tx:
        if due_at is not None and due_at <= now(tx):
            errors["due_at"] = _("The due time has already passed.")
        if assignee_id is not None and "role" not in errors:
            holds = tx.scalar(select(UserRole.user_id).join(User).where(
                UserRole.user_id == assignee_id, UserRole.role == role.value, User.is_active.is_(True)))
            if holds is None:
                errors["assignee"] = _("That person does not work in this department.")
        if errors:
            raise ValidationFailed(errors)
        task = _new_task(tx, actor, TaskKind.OTHER, role, title, entity, entity_id, None, due_at, assignee_id, "")
        if task is None:        # the same record's task of this department is open (an entity was named)
            raise DomainError(N_("That department already has this task open."))
        if assignee_id is not None and assignee_id != actor.user_id:
            tell_staff(tx, [assignee_id], N_("{who} gave you a task: {title}"),
                       N_("Due {due}.") if task.due_at else "", "task", task.id, who=actor.name,
                       title=title, due=task.due_at)
        return task.id


def reschedule_task(db: Database, actor: Actor, task_id: int, due_at: datetime | None, reason: str) -> None:
    """A manager moves a task's due time (with a reason); a later due time may escalate again."""
    require(actor, Perm.ASSIGN_TASKS)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("Say why the due time changes.")})
    if due_at is not None and due_at.tzinfo is None:
        raise ValueError("naive datetime")
    with db.transaction() as tx:
        task = _load(tx, task_id)
        if task.status != TaskStatus.OPEN:
            raise DomainError(N_("Only open tasks can be rescheduled."))
        before = {"due_at": task.due_at, "escalated_at": task.escalated_at}
        task.due_at = due_at
        if due_at is None or due_at > now(tx):
            task.escalated_at = None
        record(tx, actor, "task", task.id, "rescheduled", before,
               {"due_at": due_at, "escalated_at": task.escalated_at}, reason.strip())
        if task.assignee_id not in (None, actor.user_id):
            tell_staff(tx, [task.assignee_id], N_("New due time for your task: {title}"),
                       N_("Due {due}. Reason: {reason}") if due_at else N_("No due time. Reason: {reason}"),
                       "task", task.id, title=task_title(task), due=due_at, reason=reason.strip())


def escalate_overdue(db: Database, batch: int = 200) -> int:
    """Overdue open tasks go up to the managers, each exactly once (the timer calls this).

    An escalated task is stamped ``escalated_at`` — which puts it in the managers' "Overdue
    tasks" queue — and the managers and its assignee are told. Rows are claimed with
    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's write transactions are serial), so two
    desktops running the timer at once never tell anyone twice. Returns how many escalated.
    """
    total = 0
    while True:
        with db.transaction() as tx:
            at = now(tx)
            cutoff = at - timedelta(hours=settings_service.get(tx, "tasks.escalate_after_hours"))
            due = list(tx.scalars(
                select(Task).where(Task.status == TaskStatus.OPEN.value, Task.escalated_at.is_(None),
                                   Task.due_at < cutoff)
                .order_by(Task.due_at, Task.id).limit(batch).with_for_update(skip_locked=True)))
            managers = staff_ids_with_role(tx, Role.MANAGER) if due else []
            for task in due:
                task.escalated_at = at
                record(tx, SYSTEM_ACTOR, "task", task.id, "escalated", {"escalated_at": None},
                       {"escalated_at": at, "due_at": task.due_at, "assignee_id": task.assignee_id})
                kind = Lazy(TASK_KIND_LABELS.get(task.kind, N_("Other")))
                tell_staff(tx, managers, N_("Overdue: {kind} — {title}"),
                           N_("Due {due}, still open in the queue of {role}."), "task", task.id,
                           kind=kind, title=task_title(task), due=task.due_at,
                           role=Lazy(ROLE_LABELS[Role(task.role)]))
                if task.assignee_id is not None and task.assignee_id not in managers:
                    tell_staff(tx, [task.assignee_id], N_("Your task is overdue: {title}"),
                               N_("It was due {due}; the managers have been told."), "task", task.id,
                               title=task_title(task), due=task.due_at)
        total += len(due)
        if len(due) < batch:
            return total


# -- the task window ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    kind_label: str            # N_ msgid
    status: str
    status_label: str          # N_ msgid
    role: str
    title: str
    note: str
    assignee_id: int | None
    assignee_name: str
    created_at: datetime
    created_by: str
    due_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None
    entity: str | None
    entity_id: int | None
    subject: str               # what the task is about, as staff name it (an order code…)
    overdue: bool
    can_claim: bool
    can_assign: bool
    can_complete: bool
    can_cancel: bool


def get_task(db: Database, actor: Actor, task_id: int) -> TaskView:
    require(actor, Perm.VIEW_TASKS)
    with db.read() as s:
        t = s.get(Task, task_id)
        if t is None:
            raise NotFound(what=Lazy(N_("The task")))
        names = {u.id: u.full_name for u in s.scalars(select(User).where(
            User.id.in_([x for x in (t.assignee_id, t.created_by_id) if x])))}
        subject = ""
        if t.entity == "order" and t.entity_id is not None:
            subject = s.scalar(select(Order.code).where(Order.id == t.entity_id)) or ""
        at = db.clock.now()
        is_open = t.status == TaskStatus.OPEN
        mine_to_work = t.role == actor.role.value or actor.role is Role.MANAGER
        return TaskView(
            t.id, t.kind, TASK_KIND_LABELS.get(t.kind, N_("Other")), t.status,
            TASK_STATUS_LABELS.get(t.status, t.status), t.role,
            render_stored(t.title, t.title_key, t.title_params),
            render_stored(t.note, t.note_key, t.note_params), t.assignee_id,
            names.get(t.assignee_id, ""), t.created_at, names.get(t.created_by_id, ""), t.due_at,
            t.escalated_at, t.closed_at, t.entity, t.entity_id, subject,
            is_open and t.due_at is not None and t.due_at < at,
            can_claim=is_open and actor.can(Perm.WORK_TASKS) and t.role == actor.role.value
            and t.assignee_id is None,
            can_assign=is_open and actor.can(Perm.ASSIGN_TASKS),
            can_complete=is_open and actor.can(Perm.WORK_TASKS) and mine_to_work,
            can_cancel=is_open and actor.can(Perm.ASSIGN_TASKS),
        )
