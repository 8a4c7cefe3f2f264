"""Delays (đơn trễ): usual stage durations measured from history, the flags kept on each order,
and the upcoming-shipments calendar.

* ``measure_stage_durations`` reads recent status changes from the activity log and stores the
  median time orders of each kind spend in each status (``stage_durations``).
* ``usual_durations`` gives those medians where there are enough samples, else the settings.
* ``refresh_order_delay`` recomputes one order's flags inside the caller's transaction (the
  order service calls it after every status move and estimate change); ``refresh_delay_flags``
  recomputes every tracked order (the timer; dates pass without anyone touching the order).
When an order becomes delayed or expecting delay, its care staff (and, when delayed, the
managers) are told, so the estimate is updated and the customer hears about it.
"""
from __future__ import annotations

import time as clock_time
import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, bindparam, delete, literal_column, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.delay_rule import (DELAYED, DELAY_REASON_LABELS, EXPECTING, NOT_TRACKED, ON_TIME,
                        DelayAssessment, OrderDates, assess, median, time_in_status)
from app.errors import NotFound
from app.i18n import Lazy, N_
from app.models import ActivityEvent, Customer, Order, StageDuration, User
from app.permissions import SYSTEM_ACTOR, Actor, Perm, Role, require
from app.progress import Progress
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import staff_ids_with_role
from app.services.staff_inbox import tell_staff
from app.settings import STAGE_HOURS_SETTINGS
from app.workflows.orders import CLOSED, CONSIGNMENT_FLOW, PURCHASE_FLOW, OrderKind, OrderStatus

#: the activity-log actions that move an order from one status to another
STATUS_ACTIONS = frozenset(PURCHASE_FLOW.actions) | frozenset(CONSIGNMENT_FLOW.actions)
#: accepted, not yet left China: what the shipments calendar shows
NOT_SHIPPED = (OrderStatus.AWAITING_APPROVAL.value, OrderStatus.ACCEPTED.value, OrderStatus.PURCHASING.value, OrderStatus.PURCHASED.value,
               OrderStatus.SELLER_SHIPPED.value, OrderStatus.IN_CN_WAREHOUSE.value)
#: statuses whose orders carry delay flags (committed, not delivered yet)
TRACKED = NOT_SHIPPED + (OrderStatus.IN_TRANSIT.value, OrderStatus.AWAITING_DELIVERY.value, OrderStatus.DELIVERING.value)
#: "carries a delay flag": the partial indexes' WHERE (app/models/notify.py) written out as SQL,
#: not with a bound parameter, so both planners can prove a query implies it and use them
FLAGGED = Order.delay_state != literal_column("''")
#: the most recent status changes read when measuring (bounded work at any company size)
MAX_EVENTS = 50_000


# -- usual durations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UsualDuration:
    kind: str
    status: str
    duration: timedelta
    samples: int
    measured: bool       # True: the company's own median; False: the setting


class UsualDurations:
    """(kind, status) -> usual time in that status: measured where history suffices."""

    def __init__(self, measured: dict[tuple[str, str], tuple[timedelta, int]],
                 fallback_hours: dict[str, int], min_samples: int) -> None:
        self.measured, self.fallback_hours, self.min_samples = measured, fallback_hours, min_samples

    def detail(self, kind: str, status: str) -> UsualDuration:
        found = self.measured.get((kind, status))
        if found is not None and found[1] >= self.min_samples:
            return UsualDuration(kind, status, found[0], found[1], True)
        hours = self.fallback_hours.get(f"{kind}:{status}", self.fallback_hours.get(status, 0))
        return UsualDuration(kind, status, timedelta(hours=hours), found[1] if found else 0, False)

    def __call__(self, kind: str, status: str) -> timedelta:
        return self.detail(kind, status).duration


_USUAL_KEYS = (*STAGE_HOURS_SETTINGS.values(), "delays.min_samples")
_MEASURED = select(StageDuration.kind, StageDuration.status, StageDuration.median_seconds,
                   StageDuration.samples)


#: how long a desktop reuses the usual durations it read: every scan that moves an order asks for
#: them. This desktop's own change of the settings or the measurements drops them at once;
#: another desktop's change is seen within this many seconds.
USUAL_TTL_SECONDS = 60.0
_SOURCES = frozenset({"settings", "stage_durations"})
_usual_cache: weakref.WeakKeyDictionary[Database, tuple[float, UsualDurations]] = \
    weakref.WeakKeyDictionary()
_watched: weakref.WeakSet[Database] = weakref.WeakSet()


def _forget_usual(db: Database) -> None:
    if db in _watched:
        return
    _watched.add(db)

    def listener(tables: frozenset[str], origin: str) -> None:
        if tables & _SOURCES:
            _usual_cache.pop(db, None)
    db.subscribe(listener)


def usual_durations(session: Session) -> UsualDurations:
    db: Database | None = session.info.get("db")
    touched = session.info.get("touched") or ()
    fresh = db is not None and not (_SOURCES & set(touched))   # nothing uncommitted of ours in it
    if fresh:
        hit = _usual_cache.get(db)
        if hit is not None and clock_time.monotonic() - hit[0] < USUAL_TTL_SECONDS:
            return hit[1]
    values = settings_service.load_keys(session, _USUAL_KEYS)
    fallback = {status: values[key] for status, key in STAGE_HOURS_SETTINGS.items()}
    measured = {(kind, status): (timedelta(seconds=seconds), n)
                for kind, status, seconds, n in session.execute(_MEASURED)}
    usual = UsualDurations(measured, fallback, values["delays.min_samples"])
    if fresh:
        _forget_usual(db)
        _usual_cache[db] = (clock_time.monotonic(), usual)
    return usual


def measure_stage_durations(db: Database) -> dict[tuple[str, str], tuple[timedelta, int]]:
    """Median time in each status per kind of order, over the recent status changes."""
    with db.read() as s:
        since = db.clock.now() - timedelta(days=settings_service.get(s, "delays.history_days"))
        rows = s.execute(
            select(ActivityEvent.entity_id, ActivityEvent.id, ActivityEvent.at, ActivityEvent.after,
                   Order.kind)
            .join(Order, Order.id == ActivityEvent.entity_id)
            .where(ActivityEvent.entity == "order", ActivityEvent.action.in_(sorted(STATUS_ACTIONS)),
                   ActivityEvent.at >= since)
            .order_by(ActivityEvent.id.desc()).limit(MAX_EVENTS)).all()
    per_order: dict[int, list[tuple[int, datetime, str]]] = defaultdict(list)
    kinds: dict[int, str] = {}
    for order_id, event_id, at, after, kind in rows:
        status = (after or {}).get("status")
        if status:
            per_order[order_id].append((event_id, at, status))
            kinds[order_id] = kind
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for order_id, events in per_order.items():
        events.sort()
        for status, spent in time_in_status([(at, st) for _id, at, st in events]):
            samples[(kinds[order_id], status)].append(spent.total_seconds())
    result = {key: (timedelta(seconds=round(median(v))), len(v)) for key, v in samples.items()}
    with db.transaction() as tx:
        at = now(tx)
        tx.execute(delete(StageDuration))
        for (kind, status), (duration, n) in sorted(result.items()):
            tx.add(StageDuration(kind=kind, status=status, median_seconds=int(duration.total_seconds()),
                                 samples=n, measured_at=at))
    return result


# -- the flags on each order ---------------------------------------------------------------------------

def _dates(o: Any) -> OrderDates:
    return OrderDates(o.kind, o.status, o.status_changed_at, o.committed_ship_by, o.committed_deliver_by,
                      o.estimated_ship_at, o.estimated_deliver_at)


def _values(a: DelayAssessment) -> dict[str, Any]:
    return {"delay_state": a.state, "delay_reason": a.reason, "forecast_ship_at": a.forecast_ship_at,
            "forecast_deliver_at": a.forecast_deliver_at}


#: forecasts of an order stuck past its usual pace creep forward with the clock; rewriting them
#: on every run would touch every late order every ten minutes for nothing
FORECAST_TOLERANCE = timedelta(hours=6)
#: more new flags than this for one person in one write of the timer (a run normally writes all its
#: changes at once): one summary per state instead of a flood
SUMMARY_AFTER = 5


def _differs(o: Any, values: dict[str, Any]) -> bool:
    for k, v in values.items():
        old = getattr(o, k)
        if k.startswith("forecast_") and old is not None and v is not None:
            if abs(old - v) > FORECAST_TOLERANCE:
                return True
        elif old != v:
            return True
    return False


@dataclass
class _News:
    """Who is to hear about which order's new flag (collected per transaction)."""

    people: list[int | None]
    state: str
    code: str
    order_id: int
    reason: str
    committed: datetime | None
    forecast: datetime | None


def announce_delay(tx: Session, actor: Actor, o: Any, before: str, a: DelayAssessment,
                   news: list[_News] | None = None) -> None:
    """A changed flag goes in the order's history; a new delay is told to the people on it
    (at once, or collected in ``news`` for ``_tell`` to send per person)."""
    if a.state == before:
        return
    record(tx, actor, "order", o.id, "delay_flag", {"delay": before or "on_time"},
           {"delay": a.state or "on_time", "reason": a.reason,
            "forecast_deliver_at": a.forecast_deliver_at})
    if a.state == ON_TIME:
        return
    if "managers" not in tx.info:   # once per transaction: a run may flag thousands of orders
        tx.info["managers"] = staff_ids_with_role(tx, Role.MANAGER)
    if a.state == DELAYED:
        people = [o.care_staff_id, o.ordering_staff_id] + tx.info["managers"]
    else:
        people = [o.care_staff_id]
        if o.status in (OrderStatus.ACCEPTED, OrderStatus.PURCHASING, OrderStatus.PURCHASED, OrderStatus.SELLER_SHIPPED):
            people.append(o.ordering_staff_id)
        if not any(people):
            people = tx.info["managers"]
    item = _News([p for p in people if p is not None and p != actor.user_id], a.state, o.code, o.id,
                 a.reason, o.committed_deliver_by, a.forecast_deliver_at)
    if news is None:
        _tell(tx, [item])
    else:
        news.append(item)


def _tell(tx: Session, news: list[_News]) -> None:
    per_person: dict[int, list[_News]] = defaultdict(list)
    for item in news:
        for person in dict.fromkeys(item.people):
            per_person[person].append(item)
    for person, items in per_person.items():
        if len(items) > SUMMARY_AFTER:
            for state, title in ((DELAYED, N_("Orders newly delayed: {n}")),
                                 (EXPECTING, N_("Orders newly expecting a delay: {n}"))):
                n = sum(i.state == state for i in items)
                if n:
                    tell_staff(tx, [person], title, N_("See the queue “Delayed orders”."), n=n)
            continue
        for i in items:
            tell_staff(tx, [person], N_("Order {code} is delayed: {reason}") if i.state == DELAYED
                       else N_("Order {code} is expecting a delay: {reason}"),
                       N_("To be delivered by {committed}; at the usual pace it arrives {forecast}. "
                          "Change the estimated dates to tell the customer."),
                       "order", i.order_id, code=i.code, reason=Lazy(DELAY_REASON_LABELS[i.reason]),
                       committed=i.committed, forecast=i.forecast)


#: what the delay rule reads of an order besides its identity, status and people (the receiving
#: scan reads them with the parcel and passes them to order_lifecycle.follow_parcels as ``seen``)
ORDER_DELAY_COLUMNS = ("status_changed_at", "committed_ship_by", "committed_deliver_by",
                       "estimated_ship_at", "estimated_deliver_at", "delay_state", "delay_reason",
                       "forecast_ship_at", "forecast_deliver_at")


def delay_flags_after_move(tx: Session, o: Any,
                           usual: UsualDurations | None = None) -> tuple[dict[str, Any], DelayAssessment]:
    """The flag columns to write for an order read as plain columns (``_SCAN_COLUMNS`` and the
    people on it, its status already the new one) — empty when they stand — and the
    assessment, for ``announce_delay`` once they are written."""
    a = assess(_dates(o), now(tx), usual or usual_durations(tx)) if o.status in TRACKED else NOT_TRACKED
    values = _values(a)
    return (values if _differs(o, values) else {}), a


def expected_delivery(tx: Session, order: Any) -> datetime | None:
    """The delivery date the customer is told (shipping messages): the forecast the order window's
    Schedule tab shows (the stages left at their usual pace, from now), or, for an order the rule
    does not track, its estimate, else the committed date."""
    a = assess(_dates(order), now(tx), usual_durations(tx)) if order.status in TRACKED else NOT_TRACKED
    return a.forecast_deliver_at or order.estimated_deliver_at or order.committed_deliver_by


def refresh_order_delay(tx: Session, actor: Actor, order: Order,
                        usual: UsualDurations | None = None) -> DelayAssessment:
    """Recompute one order's flags in the caller's transaction (after a move or a new estimate)."""
    flags, a = delay_flags_after_move(tx, order, usual)
    if flags:
        before = order.delay_state
        for k, v in flags.items():
            setattr(order, k, v)
        announce_delay(tx, actor, order, before, a)
    return a


_orders = Order.__table__
#: one statement for a whole batch (executemany), on the table: the ORM would bump the order's
#: version, which must stay a person's edit counter
_SET_FLAGS = (_orders.update().where(_orders.c.id == bindparam("oid"))
              .values({c: bindparam(c) for c in ("delay_state", "delay_reason", "forecast_ship_at",
                                                 "forecast_deliver_at")}))
#: the columns the rule reads and the flags it compares with (no whole ORM objects while scanning)
_SCAN_COLUMNS = (Order.id, Order.kind, Order.status, Order.status_changed_at, Order.committed_ship_by,
                 Order.committed_deliver_by, Order.estimated_ship_at, Order.estimated_deliver_at,
                 Order.delay_state, Order.delay_reason, Order.forecast_ship_at, Order.forecast_deliver_at)
#: orders that may need a write: tracked with a commitment (assess's own condition), or flagged
#: (a flag left on an order that moved on is cleared)
_MAY_CARRY = or_(and_(Order.status.in_(TRACKED),
                      or_(Order.committed_ship_by.isnot(None), Order.committed_deliver_by.isnot(None))),
                 FLAGGED)


def refresh_delay_flags(db: Database, progress: Progress | None = None, chunk: int = 2000) -> int:
    """Recompute the flags of every order that may carry one; returns how many changed.

    Time passing is enough to make an order late, so the timer runs this. First every order
    that may carry a flag is read in keyset chunks, without locks, to find the few whose flags
    are out of date. Those are then locked (skipping any a person holds right now — the next run
    takes them), assessed again and written in batches of ``chunk``, with a plain UPDATE that
    leaves the order's version alone: a background recomputation must not make a person's open
    edit of the order look stale. The people on the newly flagged orders are told in the same
    transaction as the flag; a person with more than SUMMARY_AFTER new flags in it gets one
    summary per state instead (a run normally writes a single batch).
    """
    with db.read() as s:
        usual = usual_durations(s)
    stale: list[int] = []
    done, after_id = 0, 0
    while True:
        with db.read() as s:
            at = db.clock.now()
            rows = s.execute(select(*_SCAN_COLUMNS).where(Order.id > after_id, _MAY_CARRY)
                             .order_by(Order.id).limit(chunk)).all()
        stale += [r.id for r in rows if _differs(r, _values(_assess(r, at, usual)))]
        done += len(rows)
        if progress is not None:
            progress.update(done, None, None)
        if len(rows) < chunk:
            break
        after_id = rows[-1].id
    changed = 0
    for start in range(0, len(stale), chunk):
        with db.transaction() as tx:
            at, news, moved = now(tx), [], []
            for o in tx.scalars(select(Order).where(Order.id.in_(stale[start:start + chunk]))
                                .order_by(Order.id).with_for_update(skip_locked=True)):
                a = _assess(o, at, usual)
                if _differs(o, _values(a)):
                    moved.append((o, o.delay_state, a))
            if moved:
                tx.execute(_SET_FLAGS, [{"oid": o.id, **_values(a)} for o, _before, a in moved])
            for o, before, a in moved:
                announce_delay(tx, SYSTEM_ACTOR, o, before, a, news)
            _tell(tx, news)
            changed += len(moved)
        if progress is not None:
            progress.update(done, None, None)
    return changed


def _assess(o: Any, at: datetime, usual: UsualDurations) -> DelayAssessment:
    return assess(_dates(o), at, usual) if o.status in TRACKED else NOT_TRACKED


# -- what the screens show -------------------------------------------------------------------------------

@dataclass(frozen=True)
class StageView:
    status: str
    usual: timedelta
    ends_at: datetime
    measured: bool
    samples: int


@dataclass(frozen=True)
class ScheduleView:
    order_id: int
    code: str
    status: str
    state: str
    reason: str
    committed_ship_by: datetime | None
    committed_deliver_by: datetime | None
    estimated_ship_at: datetime | None
    estimated_deliver_at: datetime | None
    forecast_ship_at: datetime | None
    forecast_deliver_at: datetime | None
    stages: tuple[StageView, ...]

    @property
    def can_edit(self) -> bool:
        """Not closed (received or ended): its estimates may still change."""
        return self.status not in CLOSED


def order_schedule(db: Database, actor: Actor, order_id: int) -> ScheduleView:
    """An order's dates, its flag and the stages left with their usual durations."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        o = s.get(Order, order_id)
        if o is None:
            raise NotFound(what=Lazy(N_("The order")))
        usual = usual_durations(s)
        a = assess(_dates(o), db.clock.now(), usual) if o.status in TRACKED else NOT_TRACKED
        stages = tuple(StageView(st.status, st.usual, st.ends_at, usual.detail(o.kind, st.status).measured,
                                 usual.detail(o.kind, st.status).samples) for st in a.stages)
        return ScheduleView(o.id, o.code, o.status, a.state, a.reason, o.committed_ship_by,
                            o.committed_deliver_by, o.estimated_ship_at, o.estimated_deliver_at,
                            a.forecast_ship_at, a.forecast_deliver_at, stages)


def stage_table(db: Database, actor: Actor) -> list[UsualDuration]:
    """Every tracked status of both kinds with its usual duration and where it comes from."""
    require(actor, Perm.VIEW_ORDERS)
    from app.delay_rule import stages_left

    with db.read() as s:
        usual = usual_durations(s)
    out = []
    for kind, first in ((OrderKind.PURCHASE.value, OrderStatus.AWAITING_APPROVAL.value),
                        (OrderKind.CONSIGNMENT.value, OrderStatus.ACCEPTED.value)):
        out += [usual.detail(kind, st) for st in stages_left(kind, first)]
    return out


@dataclass(frozen=True)
class DayCount:
    total: int
    delayed: int
    expecting: int


@dataclass(frozen=True)
class ShipmentRow:
    id: int
    code: str
    kind: str
    status: str
    customer: str
    care_staff: str
    committed_ship_by: datetime | None
    estimated_ship_at: datetime
    delay_state: str
    delay_reason: str


def _day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def shipment_counts(db: Database, actor: Actor, first: date, last: date, tz: tzinfo) -> dict[date, DayCount]:
    """Orders not yet shipped from China, by the (local) day they are planned to ship."""
    require(actor, Perm.VIEW_ORDERS)
    start, _ = _day_bounds(first, tz)
    _, end = _day_bounds(last, tz)
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    with db.read() as s:
        rows = s.execute(select(Order.estimated_ship_at, Order.delay_state).where(
            Order.status.in_(NOT_SHIPPED), Order.estimated_ship_at >= start, Order.estimated_ship_at < end))
        for when, state in rows:
            c = counts[when.astimezone(tz).date()]
            c[0] += 1
            c[1] += state == DELAYED
            c[2] += state == EXPECTING
    return {d: DayCount(*c) for d, c in counts.items()}


def shipments_on(db: Database, actor: Actor, day: date, tz: tzinfo, limit: int = 5000) -> list[ShipmentRow]:
    """The orders planned to leave China on one (local) day, delayed ones first."""
    require(actor, Perm.VIEW_ORDERS)
    start, end = _day_bounds(day, tz)
    with db.read() as s:
        rows = s.execute(
            select(Order.id, Order.code, Order.kind, Order.status, Customer.name, User.full_name,
                   Order.committed_ship_by, Order.estimated_ship_at, Order.delay_state, Order.delay_reason)
            .join(Customer, Customer.id == Order.customer_id)
            .outerjoin(User, User.id == Order.care_staff_id)
            .where(and_(Order.status.in_(NOT_SHIPPED), Order.estimated_ship_at >= start,
                        Order.estimated_ship_at < end))
            .order_by(Order.estimated_ship_at, Order.id).limit(limit))
        out = [ShipmentRow(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7], r[8], r[9]) for r in rows]
    rank = {DELAYED: 0, EXPECTING: 1}
    return sorted(out, key=lambda r: rank.get(r.delay_state, 2))
