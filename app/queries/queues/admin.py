"""The administrator's queues: users and the activity log."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.activity_labels import action_label
from app.entities import ENTITY_LABELS
from app.i18n import N_, render_stored
from app.models import ActivityEvent, User, Warehouse
from app.permissions import ROLE_LABELS, Perm, Role
from app.queries.paging import Column, Filter, Queue, Search
from app.queries.queues.registry import QUEUES


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
    [Role.ADMIN])

QUEUES.add(Queue(
    "admin.activity", N_("Activity log"), "activity",
    lambda ctx: select(ActivityEvent.id.label("id"), ActivityEvent.at.label("at"),
                       ActivityEvent.actor_name.label("actor_name"), ActivityEvent.role.label("role"),
                       ActivityEvent.entity.label("entity"), ActivityEvent.entity_id.label("entity_id"),
                       ActivityEvent.action.label("action"), ActivityEvent.note.label("note"),
                       ActivityEvent.note_key.label("note_key"), ActivityEvent.note_params.label("note_params")),
    (Column("id", N_("ID"), "int", sortable=True, width=80),
     Column("at", N_("When"), "datetime", width=140),
     Column("actor_name", N_("Who"), width=160),
     Column("role", N_("Role"), "label", labels={r.value: l for r, l in ROLE_LABELS.items()}, width=130),
     Column("entity", N_("Record"), "label", labels=ENTITY_LABELS, width=100),
     Column("entity_id", N_("Record no."), "int", width=90),
     Column("action", N_("Action"), width=160, text=lambda row: action_label(row.entity, row.action)),
     Column("note", N_("Note"), width=240,
            text=lambda row: render_stored(row.note, row.note_key, row.note_params))),
    ("id", True), frozenset({"activity_events"}), Search(ActivityEvent.action),
    filters=(Filter("entity", N_("Record type"),
                    lambda s, a: list(ENTITY_LABELS.items()),
                    lambda s, v: s.where(ActivityEvent.entity == v)),),
    perm=Perm.VIEW_ACTIVITY), [Role.ADMIN, Role.MANAGER])
