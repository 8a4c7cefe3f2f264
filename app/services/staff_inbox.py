"""The staff notification centre (trung tâm thông báo): unread count, the list, mark read.

Notifications are rows written by the services that announce something (app.services
.notifications.notify_staff); this module reads and marks them for the person signed in, and
``tell_staff`` writes one from msgids and values. What is stored is the message (key and values),
so a notification reads in the language the reader uses now, whatever it was when written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import Database
from app.i18n import LANGUAGES, Message, render_stored
from app.models import StaffNotification, User
from app.permissions import Actor, Perm, require
from app.services.activity import now
from app.services.notifications import notify_staff


@dataclass(frozen=True)
class NotificationView:
    id: int
    title: str
    body: str
    entity: str | None
    entity_id: int | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def tell_staff(tx: Session, user_ids: Iterable[int | None], title_msgid: str, body_msgid: str = "",
               entity: str | None = None, entity_id: int | None = None, **params: Any) -> int:
    """Notify the active people among ``user_ids``; title and body are shown in each reader's
    language when read (``Lazy`` values and nested ``Message``s are translated too)."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return 0
    people = list(tx.scalars(select(User.id).where(User.id.in_(ids), User.is_active.is_(True))))
    return notify_staff(tx, people, Message(title_msgid, **params),
                        Message(body_msgid, **params) if body_msgid else "", entity, entity_id)


def unread_count(db: Database, actor: Actor) -> int:
    require(actor, Perm.VIEW_TASKS)
    if actor.user_id is None:
        return 0
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(StaffNotification).where(
            StaffNotification.user_id == actor.user_id, StaffNotification.read_at.is_(None))) or 0


def inbox(db: Database, actor: Actor, unread_only: bool = False, before_id: int | None = None,
          limit: int = 100) -> list[NotificationView]:
    """One page of the person's notifications, newest first (keyset: pass the last id seen),
    each in the language the person reads now (``actor.language``), whatever it was written in."""
    require(actor, Perm.VIEW_TASKS)
    if actor.user_id is None:
        return []
    q = select(StaffNotification).where(StaffNotification.user_id == actor.user_id)
    if unread_only:
        q = q.where(StaffNotification.read_at.is_(None))
    if before_id is not None:
        q = q.where(StaffNotification.id < before_id)
    lang = actor.language if actor.language in LANGUAGES else None
    with db.read() as s:
        rows = s.scalars(q.order_by(StaffNotification.id.desc()).limit(limit))
        return [NotificationView(n.id, render_stored(n.title, n.title_key, n.title_params, lang),
                                 render_stored(n.body, n.body_key, n.body_params, lang),
                                 n.entity, n.entity_id, n.created_at, n.read_at)
                for n in rows]


def mark_read(db: Database, actor: Actor, notification_ids: Iterable[int]) -> int:
    """Mark some of one's own notifications read (other people's are never touched)."""
    require(actor, Perm.VIEW_TASKS)
    ids = sorted(set(notification_ids))
    if not ids or actor.user_id is None:
        return 0
    with db.transaction() as tx:
        result = tx.execute(update(StaffNotification)
                            .where(StaffNotification.user_id == actor.user_id,
                                   StaffNotification.id.in_(ids), StaffNotification.read_at.is_(None))
                            .values(read_at=now(tx)))
        return result.rowcount or 0


def mark_all_read(db: Database, actor: Actor) -> int:
    require(actor, Perm.VIEW_TASKS)
    if actor.user_id is None:
        return 0
    with db.transaction() as tx:
        result = tx.execute(update(StaffNotification)
                            .where(StaffNotification.user_id == actor.user_id,
                                   StaffNotification.read_at.is_(None))
                            .values(read_at=now(tx)))
        return result.rowcount or 0
