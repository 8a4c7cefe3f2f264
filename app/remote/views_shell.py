"""Wire-shaped read models and wrappers of the shell area (app.remote.decl.shell declares them):
the main window and its queues, the generic detail window, notifications, the queue export,
users and warehouses, backups.

Where a service or read model does not fit the wire (SQLAlchemy rows, a progress callback, file
paths, several calls for one paint) a small function here does."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from app.db import Database
from app.errors import DomainError
from app.i18n import _, fmt_datetime
from app.permissions import Actor, Perm, require
from app.queries import reader
from app.queries.paging import PageRequest
from app.remote.views import QueuePage, queue_page, queue_row_type
from app.services import activity, backup, staff_inbox, users
from app.services import settings as settings_service


# -- queues ------------------------------------------------------------------------------------------

def queue_count(db: Database, actor: Actor, name: str, req: PageRequest) -> int:
    """The filtered queue's total (``app.queries.reader.queue_count``)."""
    return reader.queue_count(db, actor, name, req)


def filter_options(db: Database, actor: Actor, name: str) -> dict[str, list[tuple[Any, str]]]:
    """Each filter's choices (value, untranslated label) (``app.queries.reader.filter_options``)."""
    return reader.filter_options(db, actor, name)


@dataclass(frozen=True)
class QueueOpening:
    """What a queue's view needs for its first paint: each filter's choices (value, untranslated
    label) and the first page."""

    options: dict[str, list[tuple[Any, str]]]
    page: QueuePage


def queue_open(db: Database, actor: Actor, name: str, req: PageRequest) -> QueueOpening:
    options = reader.filter_options(db, actor, name) if reader.QUEUES[name].filters else {}
    return QueueOpening(options, queue_page(db, actor, name, req))


@dataclass(frozen=True)
class WindowOpening:
    """The main window's first paint: the company's settings and the first queue's opening
    (None: no queue, or it could not be read — the queue then asks again and shows why)."""

    settings: dict[str, Any]
    queue: QueueOpening | None


def window_open(db: Database, actor: Actor, name: str | None, req: PageRequest) -> WindowOpening:
    """Everything the main window paints first, in one call (one round trip to a server).
    ``req.limit`` 0 stands for the company's page size (the desktop does not know it yet)."""
    values = settings_service.read_all(db)
    if name is None:
        return WindowOpening(values, None)
    if not req.limit:
        req = replace(req, limit=int(values["ui.page_size"]))
    try:
        return WindowOpening(values, queue_open(db, actor, name, req))
    except DomainError:
        return WindowOpening(values, None)


@dataclass(frozen=True)
class QueueRecord:
    """One row of a queue as the queue shows it (``fields`` name ``values``) and the record's
    activity timeline (None: the person may not read it)."""

    fields: tuple[str, ...]
    values: tuple[Any, ...]
    history: list[activity.ActivityLine] | None

    @property
    def row(self) -> Any:
        return queue_row_type(self.fields)(*self.values)


def queue_record(db: Database, actor: Actor, name: str, entity: str, entity_id: int) -> QueueRecord:
    row = reader.queue_row(db, actor, name, entity_id)
    history = activity.history(db, actor, entity, entity_id) if actor.can(Perm.VIEW_TASKS) else None
    return QueueRecord(tuple(row._fields), tuple(row), history)


@dataclass(frozen=True)
class QueueExport:
    data: bytes
    rows: int


def export_queue(db: Database, actor: Actor, name: str, req: PageRequest, filters: list[str]) -> QueueExport:
    """The queue exactly as filtered and sorted on the desktop, every row, as an XLSX workbook:
    headed by the company, the queue, when and by whom it was printed and the filters shown."""
    from app.services.order_export import queue_xlsx

    require(actor, Perm.EXPORT_DATA)
    company = settings_service.read_all(db)["company.name"]
    title = f"{company} — {_(reader.QUEUES[name].title)}"
    parts = [_("Printed {when} by {who}").format(when=fmt_datetime(db.clock.now()), who=actor.name)] + \
        [f for f in filters if f]
    with tempfile.TemporaryDirectory(prefix="importdesk-export-") as tmp:
        path = Path(tmp) / "queue.xlsx"
        rows = queue_xlsx(db, actor, name, req, path, title, " · ".join(parts))
        return QueueExport(path.read_bytes(), rows)


# -- notifications -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotificationBadge:
    unread: int
    newest_title: str | None


def notification_badge(db: Database, actor: Actor) -> NotificationBadge:
    """The toolbar button's figure and the newest unread title (for "New notification: …")."""
    newest = staff_inbox.inbox(db, actor, unread_only=True, limit=1)
    return NotificationBadge(staff_inbox.unread_count(db, actor), newest[0].title if newest else None)


def mark_notifications_read(db: Database, actor: Actor, notification_ids: list[int]) -> int:
    return staff_inbox.mark_read(db, actor, notification_ids)


# -- users and warehouses ----------------------------------------------------------------------------

@dataclass(frozen=True)
class UsersAdmin:
    users: list[users.UserView]
    warehouses: list[users.WarehouseView]


def users_admin(db: Database, actor: Actor) -> UsersAdmin:
    return UsersAdmin(users.list_users(db, actor), users.list_warehouses(db))


# -- backups -----------------------------------------------------------------------------------------
# The backups are the server's (or the single desktop's own) files: the desktop names them by file
# name, never by a path, and sends a file to restore from as bytes.

#: where a backup sent from a desktop is kept before it is checked and restored
RECEIVED = "received"
_SAFE_NAME = re.compile(r"^[\w.\- ]{1,200}$")


@dataclass(frozen=True)
class BackupEntry:
    name: str
    taken_at: datetime
    size: int
    kind: str
    tag: str
    revision: str | None
    counts: dict[str, int] | None


@dataclass(frozen=True)
class BackupOverview:
    folder: str
    keep: int
    database_kind: str
    backups: list[BackupEntry]


@dataclass(frozen=True)
class RestoreOutcome:
    restored: BackupEntry
    aside: str | None


def _entry(info: backup.BackupInfo) -> BackupEntry:
    return BackupEntry(info.path.name, info.taken_at, info.size, info.kind, info.tag, info.revision,
                       dict(info.counts) if info.counts is not None else None)


def backup_overview(db: Database, actor: Actor) -> BackupOverview:
    plan = backup.plan_for(db)
    return BackupOverview(str(plan.folder), plan.keep, db.kind,
                          [_entry(i) for i in backup.list_backups(db, actor)])


def back_up_now(db: Database, actor: Actor) -> BackupEntry:
    return _entry(backup.back_up_now(db, actor))


def _named(db: Database, name: str) -> Path:
    """A backup of the folder (or one received from a desktop) by its file name only."""
    if not _SAFE_NAME.match(name or "") or name in (".", ".."):
        raise backup.BackupRefused(reason=_("There is no backup named {name}.").format(name=name))
    folder = backup.plan_for(db).folder
    for path in (folder / name, folder / RECEIVED / name):
        if path.is_file():
            return path
    raise backup.BackupRefused(reason=_("There is no backup named {name}.").format(name=name))


def receive_backup(db: Database, actor: Actor, file_name: str, data: bytes) -> BackupEntry:
    """Keep a backup file sent from a desktop in the backup folder (``received/``) and check it."""
    require(actor, Perm.MANAGE_BACKUPS)
    base = os.path.basename(file_name or "") or "backup.sqlite"
    base = re.sub(r"[^\w.\- ]", "_", base)[:150]
    target = backup.plan_for(db).folder / RECEIVED
    target.mkdir(parents=True, exist_ok=True)
    path = target / base
    n = 1
    while path.exists():
        path = target / f"{Path(base).stem}.{n}{Path(base).suffix}"
        n += 1
    path.write_bytes(data)
    try:
        info = backup.inspect_backup(path)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return BackupEntry(path.name, info.taken_at, info.size, info.kind, info.tag, info.revision,
                       dict(info.counts) if info.counts is not None else None)


def inspect_backup(db: Database, actor: Actor, name: str) -> BackupEntry:
    """Every check before a restore, on the named backup; its date and counts."""
    require(actor, Perm.MANAGE_BACKUPS)
    info = backup.inspect_backup(_named(db, name))
    return BackupEntry(name, info.taken_at, info.size, info.kind, info.tag, info.revision,
                       dict(info.counts) if info.counts is not None else None)


def restore_backup(db: Database, actor: Actor, name: str) -> RestoreOutcome:
    result = backup.restore(db, actor, _named(db, name))
    restored = result.restored
    return RestoreOutcome(BackupEntry(name, restored.taken_at, restored.size, restored.kind, restored.tag,
                                      restored.revision,
                                      dict(restored.counts) if restored.counts is not None else None),
                          str(result.aside) if result.aside is not None else None)
