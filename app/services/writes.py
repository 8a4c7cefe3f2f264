"""Write plumbing every service may use: the transaction's connection for prebuilt Core
statements, activity events written without the ORM, and the system actor acting for a person.

Statements on a hot path (a scan station's) are built once at import: building a SQLAlchemy
statement per call costs about half a millisecond (measured).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from sqlalchemy.orm import Session

from app.models import ActivityEvent
from app.permissions import Actor, Role
from app.services.activity import jsonable


# -- Core writes ---------------------------------------------------------------------------------

_EVENTS = ActivityEvent.__table__.insert()


def core(tx: Session, *writes: str):
    """The transaction's connection, for prebuilt Core statements: no ORM bookkeeping per call
    (an ORM-enabled execute costs several times the statement itself on the scan path). The
    tables written are announced as the ORM's would be (live refresh on other desktops)."""
    touched = tx.info.get("touched")
    if touched is not None and writes:
        touched.update(writes)
    conn = tx.info.get("core_connection")       # asking the session each time costs ~0.1 ms
    if conn is None:
        conn = tx.info["core_connection"] = tx.connection()
    return conn


def log_event(tx: Session, actor: Actor, at: datetime, entity: str, entity_id: int | None,
              action: str, before: dict | None = None, after: dict | None = None,
              note: str = "") -> None:
    """The activity event of a scan, written with a prebuilt Core insert (same row as
    app.services.activity.record writes, without the ORM unit of work)."""
    values = {"at": at, "actor_id": actor.user_id, "actor_name": actor.name, "role": str(actor.role),
              "entity": entity, "entity_id": entity_id, "action": action,
              "before": jsonable(before), "after": jsonable(after), "note": note or ""}
    batch = tx.info.get("event_batch")
    if batch is not None:
        batch.append(values)
    else:
        core(tx, "activity_events").execute(_EVENTS, values)


@contextmanager
def events_together(tx: Session) -> Iterator[None]:
    """Activity events ``log_event`` writes inside the block go to the database together at its
    end, in one statement (one round trip to PostgreSQL instead of one each), in their order."""
    if "event_batch" in tx.info:        # inside another batch: that one writes them
        yield
        return
    batch: list[dict] = []
    tx.info["event_batch"] = batch
    try:
        yield
    finally:
        del tx.info["event_batch"]
    if batch:
        core(tx, "activity_events").execute(_EVENTS, batch)


def system_actor_for(actor: Actor) -> Actor:
    """The automation acting on a person's behalf: order moves caused by their scan are the
    system's steps, logged with the person's name."""
    return Actor(actor.user_id, actor.name, Role.SYSTEM, frozenset({Role.SYSTEM}),
                 actor.warehouse_id, actor.language)
