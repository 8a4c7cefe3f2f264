"""The one way a record's status moves (every entity but orders, which have their lifecycle).

``move(tx, actor, obj, flow, action)`` asks the record's workflow (``app.workflows.FLOWS``)
whether the step may happen for this actor, sets the status, stamps the columns the model has
for who/when/why (given by the caller in ``stamp``), and writes the activity event with the
status before and after. A Core UPDATE kept for speed does not call it but takes its WHERE and
SET from the same table (``flow.sources(action)``, ``flow.target(action)``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.errors import DomainError
from app.i18n import Message
from app.permissions import SYSTEM_ACTOR, Actor
from app.services.activity import record
from app.workflows.engine import Step, Workflow


def move(tx: Session, actor: Actor, obj: Any, flow: Workflow, action: str, reason: str | None = None, *,
         stamp: dict[str, Any] | None = None, log: bool = True, entity: str | None = None,
         event: str | None = None, before: dict[str, Any] | None = None,
         after: dict[str, Any] | None = None, note: str | Message | None = None,
         cascade: bool = False, refused: DomainError | None = None, seen_as: Any = None) -> Step:
    """Take the step ``action`` of ``flow`` on ``obj`` for ``actor``.

    ``stamp``: columns set with the status (``{"closed_at": at, "closed_by_id": actor.user_id}``).
    ``log``: write the activity event ``event`` (the action by default) on ``entity`` (the
    flow's name by default), ``{"status": old, **before}`` → ``{"status": new, **after}``, the
    ``note`` (the reason by default). ``cascade``: the step follows from another one the actor
    took (a task closing with its work, a plan abandoned with its complaint), so the system's
    steps are checked rather than the actor's role. ``refused``: the error to raise when the
    flow has no such step from the record's status (a service's own wording)."""
    if refused is not None and flow.state_of(seen_as or obj) not in flow.sources(action):
        raise refused
    old = flow.state_of(obj)
    step = flow.apply(obj, action, SYSTEM_ACTOR if cascade else actor, reason, seen_as=seen_as)
    for name, value in (stamp or {}).items():
        setattr(obj, name, value)
    if log:
        record(tx, actor, entity or flow.name, obj.id, event or action,
               {flow.attribute: old, **(before or {})}, {flow.attribute: flow.state_of(obj), **(after or {})},
               note if note is not None else (reason or "").strip())
    return step
