"""The activity log (lịch sử thao tác): every service writes one event per change, in its transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import StaleEdit
from app.i18n import Lazy, Message, message_parts, render_stored
from app.models import ActivityEvent, Customer, Order, User, Warehouse
from app.money import Money
from app.permissions import Actor, Perm, require


def now(tx: Session) -> datetime:
    """The current time by the database's clock (a settable clock in tests)."""
    return tx.info["db"].clock.now()


def jsonable(value: Any) -> Any:
    """Values as the log stores them: money as "123.45 CNY", times as ISO text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def record(tx: Session, actor: Actor, entity: str, entity_id: int | None, action: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           note: str | Message = "") -> ActivityEvent:
    """One line of history. A note the app writes is a ``Message`` (read in the reader's
    language); a str is what a person typed (a reason, a comment)."""
    text, key, params = message_parts(note or "")
    event = ActivityEvent(at=now(tx), actor_id=actor.user_id, actor_name=actor.name,
                          role=str(actor.role), entity=entity, entity_id=entity_id, action=action,
                          before=jsonable(before), after=jsonable(after), note=text,
                          note_key=key, note_params=params)
    tx.add(event)
    return event


def changes(obj: Any, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set ``fields`` on ``obj`` and return (before, after) of only what really changed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(obj, name, value)
    return before, after


@dataclass(frozen=True)
class ActivityLine:
    id: int
    at: datetime
    actor_name: str
    role: str
    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str
    #: the workflow the record follows ("order.purchase" for a purchase order; else the entity)
    flow: str = ""
    #: ("user" | "warehouse" | "customer", id) -> name, for the ids the timeline's changes mention
    names: dict[tuple[str, int], str] = field(default_factory=dict)


#: what an id key names: ("user", id), ("warehouse", id) or ("customer", id) in a names mapping
_ID_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_staff_id", "user"), ("assignee_id", "user"), ("user_id", "user"),
    ("warehouse_id", "warehouse"), ("customer_id", "customer"))


def id_kind(key: str) -> str | None:
    """Which kind of record an id key of a before/after dict refers to, if any."""
    for suffix, kind in _ID_SUFFIXES:
        if key.endswith(suffix):
            return kind
    return None


#: kind of id -> (model, the column that names it)
_NAMED = {"user": (User, User.full_name), "warehouse": (Warehouse, Warehouse.name),
          "customer": (Customer, Customer.name)}


def referenced_names(session: Session, changes: list[dict[str, Any] | None]) -> dict[tuple[str, int], str]:
    """The names of the people, warehouses and customers the before/after dicts refer to by id:
    one query per kind, for only the ids present."""
    ids: dict[str, set[int]] = {}
    for change in changes:
        for key, value in (change or {}).items():
            kind = id_kind(key)
            if kind is not None and isinstance(value, int) and not isinstance(value, bool):
                ids.setdefault(kind, set()).add(value)
    names: dict[tuple[str, int], str] = {}
    for kind, wanted in ids.items():
        model, column = _NAMED[kind]
        for row_id, name in session.execute(select(model.id, column).where(model.id.in_(wanted))):
            names[(kind, row_id)] = name
    return names


def history(db: Database, actor: Actor, entity: str, entity_id: int, limit: int = 500) -> list[ActivityLine]:
    """The timeline of one record, oldest first; each line carries the names its changes mention."""
    require(actor, Perm.VIEW_TASKS)
    with db.read() as s:
        events = list(s.execute(
            select(ActivityEvent).where(ActivityEvent.entity == entity,
                                        ActivityEvent.entity_id == entity_id)
            .order_by(ActivityEvent.id).limit(limit)).scalars())
        names = referenced_names(s, [c for e in events for c in (e.before, e.after)])
        flow = entity
        if entity == "order":
            kind = s.execute(select(Order.kind).where(Order.id == entity_id)).scalar_one_or_none()
            flow = f"order.{kind}" if kind else entity
        return [ActivityLine(e.id, e.at, e.actor_name, e.role, e.entity, e.entity_id, e.action,
                             e.before, e.after, render_stored(e.note, e.note_key, e.note_params), flow, names)
                for e in events]


def stale_edit(session: Session, entity: str, entity_id: int, what_msgid: str) -> StaleEdit:
    """The refusal for a save based on an old version: names who changed the record last, and when."""
    last = session.execute(select(ActivityEvent.actor_name, ActivityEvent.at)
                           .where(ActivityEvent.entity == entity, ActivityEvent.entity_id == entity_id)
                           .order_by(ActivityEvent.id.desc()).limit(1)).first()
    who, when = (last.actor_name, last.at) if last else ("?", None)
    return StaleEdit(what=Lazy(what_msgid), who=who, when=when)


def stale_edit_after(db: Database, entity: str, entity_id: int, what_msgid: str) -> StaleEdit:
    """As ``stale_edit``, for a conflict found at commit (the failed transaction is gone)."""
    with db.read() as s:
        return stale_edit(s, entity, entity_id, what_msgid)
