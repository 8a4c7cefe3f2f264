"""The spine every capability writes to: settings, the activity log, tasks and notifications."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SettingValue(Base):
    """A company setting's stored text; its type and range live in app.settings.SETTINGS."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ActivityEvent(Base):
    """One immutable line of history: who, when, which record, what, before → after.

    Written by every service that changes data, in the same transaction as the change; the
    database refuses UPDATE and DELETE on this table (triggers in the initial migration).
    """

    __tablename__ = "activity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    #: a note the app wrote, as msgid and values (app.i18n.Message): read in the reader's language
    note_key: Mapped[str | None] = mapped_column(Text)
    note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_activity_entity", "entity", "entity_id", "id"),
        Index("ix_activity_at", "at", "id"),
        Index("ix_activity_actor", "actor_id", "at", "id"),
    )


class Task(Base):
    """Work waiting on a person (nhiệm vụ): in a role's queue, optionally assigned, with a due time."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    role: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the subject as written (in English where ``title_key`` is set; the text itself on rows
    #: written before subjects were stored as messages)
    title: Mapped[str] = mapped_column(String(300))
    #: the subject's msgid and values (app.i18n.Message), shown in the reader's language
    title_key: Mapped[str | None] = mapped_column(Text)
    title_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the title folded for accent-insensitive search (app.text.fold), in every language
    search_text: Mapped[str] = mapped_column(String(300), default="")
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalated_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    note_key: Mapped[str | None] = mapped_column(Text)
    note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_tasks_role_queue", "role", "status", "due_at", "id"),
        Index("ix_tasks_assignee_queue", "assignee_id", "status", "due_at", "id"),
        Index("ix_tasks_subject", "entity", "entity_id", "status"),
        # one open task of a kind per record and role (app.services.tasks.open_task)
        Index("uq_tasks_open", "kind", "entity", "entity_id", "role", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )


class StaffNotification(Base):
    """An in-app message to one staff member (thông báo); live across desktops on PostgreSQL."""

    __tablename__ = "staff_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: as written (English where a key is set; the text itself on rows from before keys)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    #: msgid and values (app.i18n.Message): shown in the reader's language when read
    title_key: Mapped[str | None] = mapped_column(Text)
    title_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    body_key: Mapped[str | None] = mapped_column(Text)
    body_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_staff_notifications_inbox", "user_id", "read_at", "id"),)


class CustomerMessage(Base):
    """The customer outbox: a message waits here until a transport delivers it; never lost."""

    __tablename__ = "customer_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a staff member's copy of an in-app notice (``user_id``), sent the same way
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    to_address: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    #: a document sent with the message (a quote's PDF), stored once in stored_files
    attachment_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    attachment_name: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (Index("ix_customer_messages_due", "status", "next_attempt_at", "id"),)
