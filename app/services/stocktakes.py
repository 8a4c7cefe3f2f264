"""Stocktake (kiểm kê): scan every parcel on a warehouse's shelves; at the close the app lists
what should be there and was not found (missing) and what was found but should not be (excess).

"Should be there" is what the records say is physically in the warehouse now: parcels whose
``warehouse_id`` is that warehouse (received, on a shelf or in a sack not yet gone).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.i18n import Lazy, Message, N_, _
from app.models import Customer, Order, Parcel, Stocktake, StocktakeLine, User, Warehouse
from app.permissions import Actor, Perm, Role, require
from app.services.activity import now, record
from app.services.notifications import notify_staff, staff_ids_with_role
from app.services.scanning import Outcome, ScanResult, refused
from app.services.writes import core
from app.services.tasks import open_task
from app.services.unique import broken_constraint
from app.services.transitions import move
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import PARCEL_STATUS_LABELS
from app.workflows.tasks import TaskKind
from app.workflows.warehouse import STOCKTAKE_FLOW, StocktakeStatus

FOUND, EXCESS, MISSING = "found", "excess", "missing"
RESULT_LABELS = {FOUND: N_("Found"), EXCESS: N_("Should not be here"), MISSING: N_("Missing")}


def _load(tx: Session, stocktake_id: int, lock: bool = True) -> Stocktake:
    st = tx.get(Stocktake, stocktake_id, with_for_update=lock)
    if st is None:
        raise NotFound(what=Lazy(N_("The stocktake")))
    return st


def start_stocktake(db: Database, actor: Actor, warehouse_id: int, note: str = "") -> int:
    """Begin counting a warehouse (one open stocktake per warehouse at a time)."""
    require(actor, Perm.STOCKTAKE)
    with db.transaction() as tx:
        wh = tx.get(Warehouse, warehouse_id, with_for_update=True)
        if wh is None:
            raise NotFound(what=Lazy(N_("The warehouse")))
        open_one = tx.scalar(select(Stocktake.id).where(Stocktake.warehouse_id == wh.id,
                                                        Stocktake.status == StocktakeStatus.OPEN))
        if open_one is not None:
            raise DomainError(N_("A stocktake of {warehouse} is already open (no. {no}); continue that one."),
                              warehouse=wh.name, no=open_one)
        at = now(tx)
        expected = tx.scalar(select(func.count()).select_from(Parcel).where(Parcel.warehouse_id == wh.id))
        st = Stocktake(warehouse_id=wh.id, status=StocktakeStatus.OPEN, note=note.strip(), started_at=at,
                       started_by_id=actor.user_id, expected_count=expected or 0)
        tx.add(st)
        try:
            tx.flush()      # the warehouse row lock serialises starters; the unique index is the rule
        except IntegrityError as exc:
            if broken_constraint(exc) != "uq_stocktakes_open":
                raise
            raise DomainError(N_("A stocktake of {warehouse} is already open; continue that one."),
                              warehouse=wh.name) from None
        record(tx, actor, "stocktake", st.id, "started", after={"warehouse": wh.code, "expected": st.expected_count})
        return st.id


def _where(p: Parcel, tx: Session) -> str:
    """Where the records say a parcel is, in words."""
    status = _(PARCEL_STATUS_LABELS.get(p.status, p.status))
    if p.warehouse_id is None:
        return status
    wh = tx.get(Warehouse, p.warehouse_id)
    return f"{status} · {wh.code if wh else '?'}"


def stocktake_scan(db: Database, actor: Actor, stocktake_id: int, raw_code: str) -> ScanResult:
    require(actor, Perm.STOCKTAKE)
    code = normalize_code(raw_code)
    if not is_plausible(code):
        return refused(raw_code)
    with db.transaction() as tx:
        return stocktake_in_transaction(tx, actor, stocktake_id, code)


def stocktake_in_transaction(tx: Session, actor: Actor, stocktake_id: int, code: str) -> ScanResult:
    """``stocktake_scan`` inside the caller's transaction (a station's journalled scan)."""
    st = _load(tx, stocktake_id)
    if st.status != StocktakeStatus.OPEN:
        return ScanResult(Outcome.WRONG, code, _("This stocktake is closed"),
                          _("Start a new stocktake to count again."))
    line = tx.scalar(select(StocktakeLine).where(StocktakeLine.stocktake_id == st.id,
                                                 StocktakeLine.tracking_code == code))
    p = tx.scalar(select(Parcel).where(Parcel.tracking_code == code))
    customer = tx.get(Customer, p.customer_id) if p is not None and p.customer_id else None
    order = tx.get(Order, p.order_id) if p is not None and p.order_id else None
    ccode, ocode = (customer.code if customer else ""), (order.code if order else "")
    facts = {"scanned": st.scanned_count}
    if line is not None:
        return ScanResult(Outcome.ALREADY, code, _("Already counted"),
                          _("{n} parcels counted so far.").format(n=st.scanned_count),
                          p.id if p else None, ccode, ocode, p.shelf if p else "", facts=facts)
    at = now(tx)
    if p is not None and p.warehouse_id == st.warehouse_id:
        result, detail = FOUND, ""
    elif p is None:
        result, detail = EXCESS, _("unknown code")
    else:
        result, detail = EXCESS, _where(p, tx)
    tx.add(StocktakeLine(stocktake_id=st.id, tracking_code=code, parcel_id=p.id if p else None,
                         result=result, detail=detail[:200], scanned_at=at, scanned_by_id=actor.user_id))
    st.scanned_count += 1
    if result == EXCESS:
        st.excess_count += 1
    facts = {"scanned": st.scanned_count}
    who = " · ".join(x for x in (ccode, ocode) if x)
    if result == FOUND:
        return ScanResult(Outcome.FOUND, code, _("Found — {who}").format(who=who or _("ownerless")),
                          _("Shelf {shelf} · {n} counted.").format(shelf=p.shelf or "—", n=st.scanned_count),
                          p.id, ccode, ocode, p.shelf, facts=facts)
    return ScanResult(Outcome.EXCESS, code, _("Should not be here"),
                      _("The records say: {where}. Put it aside.").format(where=detail),
                      p.id if p else None, ccode, ocode, p.shelf if p else "", facts=facts)



@dataclass(frozen=True)
class StocktakeLineView:
    tracking_code: str
    result: str
    customer_code: str
    order_code: str
    shelf: str
    detail: str
    scanned_at: datetime | None


@dataclass(frozen=True)
class StocktakeView:
    id: int
    warehouse_id: int
    warehouse: str
    status: str
    started_at: datetime
    started_by: str
    closed_at: datetime | None
    expected_count: int
    scanned_count: int
    missing_count: int
    excess_count: int
    lines: tuple[StocktakeLineView, ...]
    #: scans are still taken (STOCKTAKE_FLOW: it can still be closed); else its result is final
    counting: bool = False


def close_stocktake(db: Database, actor: Actor, stocktake_id: int) -> StocktakeView:
    """Close the count: every parcel the records put in the warehouse that was not scanned is
    listed missing; missing and excess raise a task for the warehouse team and the manager hears."""
    require(actor, Perm.STOCKTAKE)
    with db.transaction() as tx:
        st = _load(tx, stocktake_id)
        already = DomainError(N_("This stocktake is already closed."))
        if st.status not in STOCKTAKE_FLOW.sources("close"):
            raise already
        at = now(tx)
        wh = tx.get(Warehouse, st.warehouse_id)
        scanned = select(StocktakeLine.parcel_id).where(StocktakeLine.stocktake_id == st.id,
                                                        StocktakeLine.parcel_id.is_not(None))
        missing = (select(literal(st.id), Parcel.tracking_code, Parcel.id, literal(MISSING), Parcel.status)
                   .where(and_(Parcel.warehouse_id == st.warehouse_id, Parcel.id.not_in(scanned))))
        core(tx, "stocktake_lines").execute(StocktakeLine.__table__.insert().from_select(
            ["stocktake_id", "tracking_code", "parcel_id", "result", "detail"], missing))
        n = tx.scalar(select(func.count()).select_from(StocktakeLine).where(
            StocktakeLine.stocktake_id == st.id, StocktakeLine.result == MISSING))
        st.missing_count = n or 0
        move(tx, actor, st, STOCKTAKE_FLOW, "close", event="closed", refused=already,
             stamp={"closed_at": at, "closed_by_id": actor.user_id},
             after={"scanned": st.scanned_count, "missing": st.missing_count, "excess": st.excess_count})
        if st.missing_count or st.excess_count:
            team = Role.FORWARDER_CN if wh.country == "CN" else Role.WAREHOUSE_VN
            title = Message(N_("Stocktake of {warehouse}: {missing} missing, {excess} should not be there"),
                            warehouse=wh.name, missing=st.missing_count, excess=st.excess_count)
            open_task(tx, actor, TaskKind.CHECK_PARCEL, team, title, "stocktake", st.id)
            notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER), title, entity="stocktake", entity_id=st.id)
    return get_stocktake(db, actor, stocktake_id)


def get_stocktake(db: Database, actor: Actor, stocktake_id: int, limit: int = 5000) -> StocktakeView:
    require(actor, Perm.STOCKTAKE)
    with db.read() as s:
        st = _load(s, stocktake_id, lock=False)
        wh = s.get(Warehouse, st.warehouse_id)
        who = s.scalar(select(User.full_name).where(User.id == st.started_by_id)) or ""
        rows = s.execute(select(StocktakeLine, Customer.code, Order.code, Parcel.shelf, Parcel.status)
                         .outerjoin(Parcel, Parcel.id == StocktakeLine.parcel_id)
                         .outerjoin(Customer, Customer.id == Parcel.customer_id)
                         .outerjoin(Order, Order.id == Parcel.order_id)
                         .where(StocktakeLine.stocktake_id == st.id)
                         .order_by(StocktakeLine.result, StocktakeLine.id).limit(limit))
        lines = []
        for line, ccode, ocode, shelf, status in rows:
            detail = line.detail
            if line.result == MISSING:
                detail = _(PARCEL_STATUS_LABELS.get(status, status or ""))
            lines.append(StocktakeLineView(line.tracking_code, line.result, ccode or "", ocode or "",
                                           shelf or "", detail, line.scanned_at))
        return StocktakeView(st.id, wh.id, wh.name, st.status, st.started_at, who, st.closed_at,
                             st.expected_count, st.scanned_count, st.missing_count, st.excess_count,
                             tuple(lines), st.status in STOCKTAKE_FLOW.sources("close"))


def open_stocktake_for(db: Database, actor: Actor, warehouse_id: int) -> int | None:
    require(actor, Perm.STOCKTAKE)
    with db.read() as s:
        return s.scalar(select(Stocktake.id).where(Stocktake.warehouse_id == warehouse_id,
                                                   Stocktake.status == StocktakeStatus.OPEN))
