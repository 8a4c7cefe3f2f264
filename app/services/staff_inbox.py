"""The staff notification centre (trung tâm thông báo): unread count, the list, mark read.

Notifications are rows written by the services that announce something (app.services
.notifications.notify_staff); this module reads and marks them for the person signed in, and
``tell_staff`` writes one in each recipient's own language.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import Database
from app.i18n import Lazy, display, translate
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
    """Notify people, each in the language they chose (``Lazy`` params are translated too)."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return 0
    by_lang: dict[str, list[int]] = defaultdict(list)
    for uid, lang in tx.execute(select(User.id, User.language).where(User.id.in_(ids),
                                                                      User.is_active.is_(True))):
        by_lang[lang or "vi"].append(uid)
    n = 0
    for lang, people in by_lang.items():
        values = {k: translate(v, lang) if isinstance(v, Lazy) else display(v, lang)
                  for k, v in params.items()}
        title = _fill(translate(title_msgid, lang), values)
        body = _fill(translate(body_msgid, lang), values) if body_msgid else ""
        n += notify_staff(tx, people, title, body, entity, entity_id)
    return n


def _fill(text: str, values: dict[str, Any]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def unread_count(db: Database, actor: Actor) -> int:
    require(actor, Perm.VIEW_TASKS)
    if actor.user_id is None:
        return 0
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(StaffNotification).where(
            StaffNotification.user_id == actor.user_id, StaffNotification.read_at.is_(None))) or 0


def inbox(db: Database, actor: Actor, unread_only: bool = False, before_id: int | None = None,
          limit: int = 100) -> list[NotificationView]:
    """One page of the person's notifications, newest first (keyset: pass the last id seen)."""
    require(actor, Perm.VIEW_TASKS)
    if actor.user_id is None:
        return []
    q = select(StaffNotification).where(StaffNotification.user_id == actor.user_id)
    if unread_only:
        q = q.where(StaffNotification.read_at.is_(None))
    if before_id is not None:
        q = q.where(StaffNotification.id < before_id)
    with db.read() as s:
        rows = s.scalars(q.order_by(StaffNotification.id.desc()).limit(limit))
        return [NotificationView(n.id, n.title, n.body, n.entity, n.entity_id, n.created_at, n.read_at)
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
