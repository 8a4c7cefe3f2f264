"""Reading and changing company settings: typed, validated, every change in the activity log."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import ValidationFailed
from app.models import SettingValue
from app.permissions import Actor, Perm, require
from app.services.activity import now, record
from app.services.unique import insert_ignore
from app.settings import SETTINGS


_ALL_RAW = select(SettingValue.key, SettingValue.value)


def load_keys(session: Session, keys: tuple[str, ...]) -> dict[str, Any]:
    """Just these settings, typed (one query; what ``load`` gives for them)."""
    values = {k: SETTINGS[k].default for k in keys}
    # the table is a few dozen rows: reading them all beats an IN list compiled on every call
    for key, raw in session.execute(_ALL_RAW):
        if key not in values:
            continue
        try:
            values[key] = SETTINGS[key].parse(raw)
        except ValueError:
            pass  # an older value that no longer validates: the default applies
    return values


def load(session: Session) -> dict[str, Any]:
    """Every setting, typed: the stored value where one is valid, else the declared default."""
    return load_keys(session, tuple(SETTINGS))


def get(session: Session, key: str) -> Any:
    decl = SETTINGS[key]
    raw = session.scalar(select(SettingValue.value).where(SettingValue.key == key))
    if raw is None:
        return decl.default
    try:
        return decl.parse(raw)
    except ValueError:
        return decl.default


def read_all(db: Database) -> dict[str, Any]:
    with db.read() as s:
        return load(s)


def update_settings(db: Database, actor: Actor, raw_values: dict[str, Any]) -> dict[str, Any]:
    """Validate every value first; save all of them or none. Returns what changed (key → new)."""
    require(actor, Perm.EDIT_SETTINGS)
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, raw in raw_values.items():
        decl = SETTINGS.get(key)
        if decl is None:
            errors[key] = f"unknown setting {key}"
            continue
        try:
            parsed[key] = decl.parse(raw)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    changed: dict[str, Any] = {}
    with db.transaction() as tx:
        current = load(tx)
        at = now(tx)
        for key, value in parsed.items():
            if current[key] == value:
                continue
            decl = SETTINGS[key]
            stored = dict(value=decl.to_text(value), updated_at=at, updated_by_id=actor.user_id)
            # the key is the primary key: two admins saving a never-set setting at once both
            # save (the later wins, as for a setting that was set before) instead of one crashing
            insert_ignore(tx, SettingValue, dict(key=key, **stored))
            tx.execute(update(SettingValue).where(SettingValue.key == key).values(**stored)
                       .execution_options(synchronize_session=False))
            record(tx, actor, "setting", None, key, {key: current[key]}, {key: value})
            changed[key] = value
    return changed
