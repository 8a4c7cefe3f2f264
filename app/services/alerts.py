"""Alert notes (lưu ý hàng hóa): pinned to an order or a tracking code for one stage, they stop
the scan at that stage and show themselves until someone acknowledges them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import AlertNote, Order, Parcel
from app.permissions import Actor, Perm, require
from app.services.activity import now, record
from app.services.notifications import notify_staff
from app.services.scanning import AlertView
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import STAGE_LABELS, Stage

#: who may acknowledge an alert at each stage: whoever scans there
STAGE_PERMS = {Stage.RECEIVE_CN: Perm.RECEIVE_CN, Stage.PACK: Perm.PACK_SHIPMENTS,
               Stage.RECEIVE_VN: Perm.RECEIVE_VN, Stage.DELIVERY: Perm.DELIVER}

_OPEN = (select(AlertNote.id, AlertNote.stage, AlertNote.text, AlertNote.created_by_name,
                AlertNote.created_at, AlertNote.tracking_code, Order.code)
         .outerjoin(Order, Order.id == AlertNote.order_id)
         .where(AlertNote.stage == bindparam("stage"), AlertNote.acknowledged_at.is_(None),
                or_(AlertNote.tracking_code == bindparam("code"),
                    AlertNote.order_id == bindparam("order_id")))
         .order_by(AlertNote.id))


def open_alerts(tx: Session, stage: Stage, code: str, order_id: int | None) -> tuple[AlertView, ...]:
    """The unacknowledged notes that stop a scan of ``code`` (of order ``order_id``) at ``stage``."""
    rows = tx.execute(_OPEN, {"stage": stage.value, "code": code, "order_id": order_id or -1})
    return tuple(AlertView(r.id, r.stage, r.text, r.created_by_name, r.created_at,
                           r.code or r.tracking_code or "") for r in rows)


def alert_title(alerts: tuple[AlertView, ...]) -> str:
    return _("Stop — read the alert note") if len(alerts) == 1 else \
        _("Stop — read the {n} alert notes").format(n=len(alerts))


def alert_detail(alerts: tuple[AlertView, ...]) -> str:
    return "\n".join(f"• {a.text} — {a.created_by}" for a in alerts)


def pin_alert(db: Database, actor: Actor, stage: str, text: str, order_id: int | None = None,
              tracking_code: str | None = None) -> int:
    """Pin a note to an order (every parcel of it) or to one tracking code, for one stage."""
    require(actor, Perm.PIN_ALERTS)
    errors: dict[str, str] = {}
    if stage not in {s.value for s in Stage}:
        errors["stage"] = _("Choose the stage the note is for.")
    body = (text or "").strip()
    if not body:
        errors["text"] = _("Write what the warehouse must know.")
    elif len(body) > 1000:
        errors["text"] = _("An alert note has at most 1,000 characters.")
    code = normalize_code(tracking_code or "") if tracking_code else None
    if (order_id is None) == (not code):
        errors["target"] = _("Pin the note to an order or to a tracking code.")
    elif code and not is_plausible(code):
        errors["target"] = _("“{code}” does not look like a tracking code.").format(code=tracking_code)
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        if order_id is not None:
            order = tx.get(Order, order_id)
            if order is None:
                raise NotFound(what=Lazy(N_("The order")))
        at = now(tx)
        note = AlertNote(stage=stage, order_id=order_id, tracking_code=code, text=body,
                         created_at=at, created_by_id=actor.user_id, created_by_name=actor.name)
        tx.add(note)
        tx.flush()
        record(tx, actor, "alert", note.id, "pinned",
               after={"stage": stage, "order_id": order_id, "tracking_code": code, "text": body})
        if order_id is not None:
            record(tx, actor, "order", order_id, "alert_pinned",
                   after={"stage": stage, "text": body})
        elif code:
            pid = tx.scalar(select(Parcel.id).where(Parcel.tracking_code == code))
            if pid is not None:
                record(tx, actor, "parcel", pid, "alert_pinned", after={"stage": stage, "text": body})
        return note.id


def acknowledge_alerts(db: Database, actor: Actor, alert_ids: list[int]) -> int:
    """The person at the stage has read the notes: the next scan goes through. Returns how many
    were still open."""
    with db.transaction() as tx:
        n = 0
        for aid in sorted(set(alert_ids)):
            note = tx.get(AlertNote, aid, with_for_update=True)
            if note is None:
                raise NotFound(what=Lazy(N_("The alert note")))
            require(actor, STAGE_PERMS[Stage(note.stage)])
            if note.acknowledged_at is not None:
                continue
            note.acknowledged_at, note.acknowledged_by_id = now(tx), actor.user_id
            note.acknowledged_by_name = actor.name
            record(tx, actor, "alert", note.id, "acknowledged", {"acknowledged": False},
                   {"acknowledged": True})
            if note.created_by_id and note.created_by_id != actor.user_id:
                notify_staff(tx, [note.created_by_id],
                             Message(N_("{who} read your alert note ({stage})"),
                                     who=actor.name, stage=Lazy(STAGE_LABELS[note.stage])),
                             note.text[:200], "alert", note.id)
            n += 1
        return n


@dataclass(frozen=True)
class AlertLine:
    id: int
    stage: str
    text: str
    target: str
    created_by: str
    created_at: datetime
    acknowledged_by: str
    acknowledged_at: datetime | None


def alerts_for(db: Database, actor: Actor, order_id: int | None = None,
               tracking_codes: list[str] | None = None) -> list[AlertLine]:
    """The notes on an order and on its tracking codes, open ones first."""
    require(actor, Perm.VIEW_ORDERS)
    conds = []
    if order_id is not None:
        conds.append(AlertNote.order_id == order_id)
    if tracking_codes:
        conds.append(AlertNote.tracking_code.in_([normalize_code(c) for c in tracking_codes]))
    if not conds:
        raise DomainError(N_("Say which order or tracking code."))
    with db.read() as s:
        rows = s.execute(select(AlertNote, Order.code).outerjoin(Order, Order.id == AlertNote.order_id)
                         .where(or_(*conds))
                         .order_by(AlertNote.acknowledged_at.is_not(None), AlertNote.id.desc()))
        return [AlertLine(a.id, a.stage, a.text, code or a.tracking_code or "", a.created_by_name,
                          a.created_at, a.acknowledged_by_name, a.acknowledged_at) for a, code in rows]
