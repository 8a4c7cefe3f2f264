"""Delivery (giao hàng) from the Vietnam warehouse: a delivery request for a customer's parcels,
packed box by box (each parcel scanned into its box), the export slip (phiếu xuất) printed,
the hand-over to the customer or courier, and the signed slip; the orders become delivered.

Money: what the customer's orders owe is paid from their wallet first; a request is then refused
while the customer still owes more than their credit limit, and the slip's COD adds what they owe.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from app.clock import local_day
from app.bounds import check_text
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import (Customer, CustomerAddress, DeliveryParcel, DeliveryRequest, Order, OrderMoney,
                        Parcel, User, Warehouse)
from app.money import VND, Money
from app.permissions import Actor, Perm, Role, require
from app.services import files as file_store
from app.services import ledger, order_money, wallets
from app.services.activity import now, record
from app.services.alerts import alert_detail, alert_title, open_alerts
from app.services.delays import expected_delivery
from app.services.scanning import Outcome, ScanResult, fmt_kg, follow_orders, refused
from app.services.writes import log_event
from app.services.tasks import close_tasks, open_task
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer
from app.services.transitions import move
from app.text import clean, clean_input
from app.tracking import is_plausible, normalize_code, tracking_link
from app.workflows.tasks import TaskKind, TaskStatus
from app.workflows.deliveries import (DELIVERY_FLOW, DELIVERY_METHOD_LABELS, DELIVERY_STATUS_LABELS,
                                      DeliveryStatus)
from app.workflows.parcels import PARCEL_FLOW, PARCEL_STATUS_LABELS, ParcelStatus, Stage, shelf_label

DELIVERABLE = (ParcelStatus.RECEIVED_VN.value, ParcelStatus.READY.value)
ACTIVE = (DeliveryStatus.REQUESTED.value, DeliveryStatus.SLIP_ISSUED.value, DeliveryStatus.HANDED_OVER.value)
MAX_BOXES = 99


# -- the money capability's two questions ---------------------------------------------------------

def customer_debt_allows_delivery(tx: Session, customer_id: int) -> bool:
    """May this customer's goods leave the warehouse? False while the customer owes more than the
    allowed debt: the credit limit a manager granted on the wallet (none: nothing may be owed)."""
    _held, limit = ledger.wallet_money(tx, customer_id)
    return customer_debt(tx, customer_id).amount <= limit.amount


def customer_debt(tx: Session, customer_id: int) -> Money:
    """What the customer owes now: the orders' balances due plus any overdraft of the wallet.
    The export slip collects it on delivery (COD = VN delivery fee + this)."""
    held, _limit = ledger.wallet_money(tx, customer_id)
    minor = type_coerce(OrderMoney.balance_due, BigInteger)     # stored in đồng
    owed = tx.scalar(select(func.coalesce(func.sum(minor), 0))
                     .where(OrderMoney.customer_id == customer_id, minor > 0))
    overdraft = -held if held.is_negative() else Money.zero(VND)
    return Money.from_minor(int(owed), VND) + overdraft


def _settle_from_wallet(tx: Session, actor: Actor, customer_id: int) -> None:
    """Before asking whether the customer owes too much, pay what their orders owe from the
    money already in their wallet (as far as it goes)."""
    minor = type_coerce(OrderMoney.balance_due, BigInteger)
    due = tx.scalars(select(OrderMoney.order_id).where(OrderMoney.customer_id == customer_id, minor > 0)
                     .order_by(OrderMoney.order_id))
    for order_id in list(due):
        wallets.settle(tx, actor, order_money.lock_order(tx, order_id))


class DebtTooHigh(DomainError):
    msgid = N_("{customer} owes more than the allowed debt: collect payment before delivering.")


# -- creating -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliverableParcel:
    id: int
    tracking_code: str
    order_code: str
    status: str
    shelf: str
    weight_kg: Decimal | None
    received_vn_at: datetime | None


def deliverable_parcels(db: Database, actor: Actor, customer_id: int, warehouse_id: int) -> list[DeliverableParcel]:
    """The customer's parcels on this warehouse's shelves that no open delivery holds."""
    require(actor, Perm.DELIVER)
    with db.read() as s:
        rows = s.execute(select(Parcel, Order.code).outerjoin(Order, Order.id == Parcel.order_id)
                         .outerjoin(DeliveryRequest, DeliveryRequest.id == Parcel.delivery_id)
                         .where(Parcel.customer_id == customer_id, Parcel.warehouse_id == warehouse_id,
                                Parcel.status.in_(DELIVERABLE),
                                (Parcel.delivery_id.is_(None)) | (DeliveryRequest.status.not_in(ACTIVE)))
                         .order_by(Parcel.received_vn_at, Parcel.id))
        return [DeliverableParcel(p.id, p.tracking_code, ocode or "", p.status, p.shelf,
                                  p.vn_weight_kg or p.weight_kg, p.received_vn_at) for p, ocode in rows]


@dataclass
class DeliveryInput:
    customer_id: int
    warehouse_id: int
    parcel_ids: list[int]
    method: str = "courier"
    recipient: str = ""
    phone: str = ""
    address: str = ""
    delivery_fee: Money = Money.zero(VND)
    note: str = ""


def create_delivery(db: Database, actor: Actor, data: DeliveryInput) -> int:
    """A delivery request (yêu cầu giao) for some of the customer's parcels in the warehouse;
    refused while the customer owes more than allowed."""
    require(actor, Perm.DELIVER)
    data = clean_input(data)
    errors: dict[str, str] = {}
    if not data.parcel_ids:
        errors["parcels"] = _("Choose the parcels to deliver.")
    for key in ("recipient", "phone", "address"):   # what was typed; the address book's fit already
        check_text(errors, key, getattr(data, key), getattr(DeliveryRequest, key))
    if data.method not in DELIVERY_METHOD_LABELS:
        errors["method"] = _("Choose how the goods leave.")
    if not isinstance(data.delivery_fee, Money) or data.delivery_fee.currency != VND or data.delivery_fee.amount < 0:
        errors["delivery_fee"] = _("The delivery fee is an amount in VND, 0 or more.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        customer = tx.get(Customer, data.customer_id)
        wh = tx.get(Warehouse, data.warehouse_id)
        if customer is None:
            raise NotFound(what=Lazy(N_("The customer")))
        if wh is None or wh.country != "VN":
            raise ValidationFailed({"warehouse": _("Choose a warehouse in Vietnam.")})
        _settle_from_wallet(tx, actor, customer.id)
        if not customer_debt_allows_delivery(tx, customer.id):
            raise DebtTooHigh(customer=f"{customer.code} {customer.name}")
        rows = list(tx.scalars(select(Parcel).where(Parcel.id.in_(set(data.parcel_ids)))
                               .order_by(Parcel.id).with_for_update()))
        bad = [p.tracking_code for p in rows if p.customer_id != customer.id or p.warehouse_id != wh.id
               or p.status not in DELIVERABLE]
        if len(rows) != len(set(data.parcel_ids)) or bad:
            raise DomainError(N_("These parcels cannot be delivered from here: {codes}."),
                              codes=", ".join(bad) or "?")
        busy = [p.tracking_code for p in rows if p.delivery_id is not None and tx.scalar(
            select(DeliveryRequest.status).where(DeliveryRequest.id == p.delivery_id)) in ACTIVE]
        if busy:
            raise DomainError(N_("Already on another delivery request: {codes}."), codes=", ".join(busy))
        addr = tx.scalar(select(CustomerAddress).where(CustomerAddress.customer_id == customer.id)
                         .order_by(CustomerAddress.is_default.desc(), CustomerAddress.id))
        at = now(tx)
        owed = customer_debt(tx, customer.id)
        d = DeliveryRequest(code=f"~{uuid.uuid4().hex[:16]}", customer_id=customer.id,
                            warehouse_id=wh.id, status=DeliveryStatus.REQUESTED.value, method=data.method,
                            recipient=(data.recipient or (addr.recipient if addr else customer.name)).strip()[:120],
                            phone=(data.phone or (addr.phone if addr and addr.phone else customer.phone)).strip()[:40],
                            address=(data.address or (addr.one_line() if addr else "")).strip()[:400],
                            delivery_fee=data.delivery_fee, cod=data.delivery_fee + owed,
                            note=data.note.strip(), created_at=at, created_by_id=actor.user_id, updated_at=at)
        tx.add(d)
        tx.flush()
        d.code = f"PX{d.id:07d}"
        for p in rows:
            tx.add(DeliveryParcel(delivery_id=d.id, parcel_id=p.id))
            p.delivery_id, p.updated_at = d.id, at
        record(tx, actor, "delivery", d.id, "requested",
               after={"code": d.code, "customer": customer.code, "parcels": [p.tracking_code for p in rows],
                      "method": d.method, "cod": d.cod})
        open_task(tx, actor, TaskKind.DELIVER, Role.WAREHOUSE_VN,
                  Message(N_("Deliver {code} to {customer}: {n} parcels"), code=d.code, customer=customer.name,
                          n=len(rows)), "delivery", d.id)
        return d.id


def _load(tx: Session, delivery_id: int) -> DeliveryRequest:
    d = tx.get(DeliveryRequest, delivery_id, with_for_update=True)
    if d is None:
        raise NotFound(what=Lazy(N_("The delivery request")))
    return d


def _lines(tx: Session, d: DeliveryRequest) -> list[DeliveryParcel]:
    return list(tx.scalars(select(DeliveryParcel).where(DeliveryParcel.delivery_id == d.id)
                           .order_by(DeliveryParcel.id)))


@dataclass(frozen=True)
class _GuardView:
    """The delivery as the workflow's guard sees it (its lines loaded)."""

    status: str
    lines: list[DeliveryParcel]


def _WithLines(d: DeliveryRequest, lines: list[DeliveryParcel]) -> _GuardView:
    return _GuardView(d.status, lines)


def _apply(tx: Session, d: DeliveryRequest, action: str, actor: Actor, reason: str | None = None) -> str:
    before = d.status
    stamp: dict[str, object] = {"updated_at": now(tx)}
    if reason:
        stamp["status_reason"] = reason.strip()
    # (the callers log the step with what it did: the boxes, the parcels handed over)
    move(tx, actor, d, DELIVERY_FLOW, action, reason, seen_as=_WithLines(d, _lines(tx, d)), stamp=stamp, log=False)
    return before


# -- packing: every parcel scanned into its box --------------------------------------------------

def pack_scan(db: Database, actor: Actor, delivery_id: int, raw_code: str, box_no: int = 1) -> ScanResult:
    """Scan a parcel into box ``box_no`` of the delivery; an alert note for the delivery stage
    stops it, a parcel not on this request is refused."""
    require(actor, Perm.DELIVER)
    code = normalize_code(raw_code)
    if not is_plausible(code):
        return refused(raw_code)
    if not isinstance(box_no, int) or not 1 <= box_no <= MAX_BOXES:
        raise ValidationFailed({"box_no": _("A box number is 1 to {n}.").format(n=MAX_BOXES)})
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        if d.status != DeliveryStatus.REQUESTED:
            return ScanResult(Outcome.WRONG, code, _("Delivery {code} is already packed").format(code=d.code),
                              _("Its export slip was issued."))
        p = tx.scalar(select(Parcel).where(Parcel.tracking_code == code))
        line = tx.scalar(select(DeliveryParcel).where(DeliveryParcel.delivery_id == d.id,
                                                      DeliveryParcel.parcel_id == p.id)) if p else None
        if line is None:
            return ScanResult(Outcome.WRONG, code, _("Not on this delivery request"),
                              _("Put it back on its shelf ({shelf}).").format(shelf=shelf_label(p.shelf)) if p else
                              _("Unknown code."), p.id if p else None)
        alerts = open_alerts(tx, Stage.DELIVERY, code, p.order_id)
        if alerts:
            return ScanResult(Outcome.ALERT, code, alert_title(alerts), alert_detail(alerts), p.id, alerts=alerts)
        lines = _lines(tx, d)
        if line.box_no == box_no:
            packed = sum(1 for ln in lines if ln.box_no is not None)
            return ScanResult(Outcome.ALREADY, code, _("Already in box {n}").format(n=box_no),
                              _("{packed} of {total} parcels packed.").format(packed=packed, total=len(lines)), p.id)
        at = now(tx)
        before = line.box_no
        line.box_no, line.packed_at, line.packed_by_id = box_no, at, actor.user_id
        log_event(tx, actor, at, "parcel", p.id, "packed_for_delivery", {"box": before},
                  {"box": box_no, "delivery": d.code})
        packed = sum(1 for ln in lines if ln.box_no is not None)
        return ScanResult(Outcome.PACKED, code, _("Box {n}").format(n=box_no),
                          _("{packed} of {total} parcels packed.").format(packed=packed, total=len(lines)),
                          p.id, shelf=p.shelf, weight_kg=p.vn_weight_kg or p.weight_kg,
                          facts={"packed": packed, "total": len(lines)})


def issue_slip(db: Database, actor: Actor, delivery_id: int) -> None:
    """Every parcel is in a box: the export slip (phiếu xuất) is issued and printed."""
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        before = _apply(tx, d, "issue_slip", actor)
        d.box_count = len({ln.box_no for ln in _lines(tx, d)})
        d.slip_issued_at = d.updated_at
        record(tx, actor, "delivery", d.id, "issue_slip", {"status": before},
               {"status": d.status, "boxes": d.box_count})


def hand_over(db: Database, actor: Actor, delivery_id: int, handed_to: str, courier: str = "",
              courier_tracking: str = "") -> None:
    """The boxes leave with the customer or the courier's driver: parcels are out for delivery and
    their orders follow."""
    handed_to, courier, courier_tracking = clean(handed_to), clean(courier), clean(courier_tracking)
    errors: dict[str, str] = {}
    if not handed_to:
        errors["handed_to"] = _("Who took the goods (name of the customer or driver)?")
    for key, value in (("handed_to", handed_to), ("courier", courier), ("courier_tracking", courier_tracking)):
        check_text(errors, key, value, getattr(DeliveryRequest, key))
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        before = _apply(tx, d, "hand_over", actor)
        at = d.updated_at
        d.handed_over_at, d.handed_to = at, handed_to
        d.courier, d.courier_tracking = courier, courier_tracking
        parcels = _parcels(tx, d)
        for p in parcels:
            prior = p.status
            PARCEL_FLOW.apply(p, "hand_over", actor)
            p.warehouse_id, p.updated_at = None, at
            log_event(tx, actor, at, "parcel", p.id, "hand_over", {"status": prior},
                      {"status": p.status, "delivery": d.code})
        record(tx, actor, "delivery", d.id, "hand_over", {"status": before},
               {"status": d.status, "handed_to": d.handed_to, "courier": d.courier,
                "courier_tracking": d.courier_tracking})
        tx.flush()
        follow_orders(tx, actor, [p.order_id for p in parcels])
        _tell_on_the_way(tx, d, {p.order_id for p in parcels if p.order_id})


def courier_link(tx: Session, d: DeliveryRequest) -> str:
    """The courier's tracking page for this delivery, from the company's templates ('' if none)."""
    from app.services import settings as settings_service

    return tracking_link(settings_service.get(tx, "delivery.tracking_links") or "", d.courier, d.courier_tracking)


def _tell_on_the_way(tx: Session, d: DeliveryRequest, order_ids: set[int]) -> None:
    """'On its way to you': who carries it, its tracking number and page, and the expected date."""
    if d.method == "pickup":
        return
    customer = tx.get(Customer, d.customer_id)
    link = courier_link(tx, d)
    for order in tx.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id)):
        notify_customer(tx, customer, "order_on_the_way" if link else "order_on_the_way_no_link", "order", order.id,
                        code=order.code, courier=d.courier or d.handed_to, tracking=d.courier_tracking or "—",
                        link=link, date=local_day(expected_delivery(tx, order)))


def set_courier_tracking(db: Database, actor: Actor, delivery_id: int, courier: str, courier_tracking: str) -> None:
    """Enter or correct the Vietnamese courier and its tracking number after the hand-over; while
    the goods are on their way the customer is sent the new number and its tracking page."""
    require(actor, Perm.DELIVER)
    courier, code = (courier or "").strip(), "".join((courier_tracking or "").split())
    errors = {}
    if len(courier) > 120:
        errors["courier"] = _("At most {maximum} characters.").format(maximum=120)
    if len(code) > 60:
        errors["courier_tracking"] = _("At most {maximum} characters.").format(maximum=60)
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        before = {"courier": d.courier, "courier_tracking": d.courier_tracking}
        d.courier, d.courier_tracking, d.updated_at = courier, code, now(tx)
        record(tx, actor, "delivery", d.id, "courier_tracking", before,
               {"courier": d.courier, "courier_tracking": d.courier_tracking})
        if code and before != {"courier": d.courier, "courier_tracking": d.courier_tracking} \
                and d.status == DeliveryStatus.HANDED_OVER:
            # still on its way: the customer gets the number (and its page) they can follow now
            _tell_on_the_way(tx, d, set(tx.scalars(
                select(Parcel.order_id).join(DeliveryParcel, DeliveryParcel.parcel_id == Parcel.id)
                .where(DeliveryParcel.delivery_id == d.id, Parcel.order_id.isnot(None)))))


def order_courier_links(db: Database, actor: Actor, order_id: int) -> list[tuple[str, str, str]]:
    """(courier, tracking number, tracking page) of the deliveries carrying this order's parcels."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        rows = s.scalars(select(DeliveryRequest).join(DeliveryParcel, DeliveryParcel.delivery_id == DeliveryRequest.id)
                         .join(Parcel, Parcel.id == DeliveryParcel.parcel_id)
                         .where(Parcel.order_id == order_id, DeliveryRequest.courier_tracking != "")
                         .distinct().order_by(DeliveryRequest.id))
        return [(d.courier, d.courier_tracking, courier_link(s, d)) for d in rows]


CUSTOMER_TEMPLATES.setdefault("order_on_the_way", (
    N_("Order {code} is on its way to you"),
    N_("Dear {name}, order {code} left our warehouse with {courier}, tracking number {tracking}. Expected "
       "delivery: {date}. Follow it here: {link}")))
CUSTOMER_TEMPLATES.setdefault("order_on_the_way_no_link", (
    N_("Order {code} is on its way to you"),
    N_("Dear {name}, order {code} left our warehouse with {courier}, tracking number {tracking}. Expected "
       "delivery: {date}.")))


def _parcels(tx: Session, d: DeliveryRequest) -> list[Parcel]:
    return list(tx.scalars(select(Parcel).join(DeliveryParcel, DeliveryParcel.parcel_id == Parcel.id)
                           .where(DeliveryParcel.delivery_id == d.id).order_by(Parcel.id).with_for_update(of=Parcel)))


def confirm_delivered(db: Database, actor: Actor, delivery_id: int, signed_by: str, has_signed_copy: bool,
                      signed_slip: tuple[str, bytes] | None = None) -> None:
    """The signed slip is back: the parcels are delivered and their orders become delivered (the
    customer is told). A scan or photo of the signed slip is kept with the request."""
    errors = {}
    signed_by = clean(signed_by)
    if not signed_by:
        errors["signed_by"] = _("Who signed the slip?")
    check_text(errors, "signed_by", signed_by, DeliveryRequest.signed_by)
    if not has_signed_copy:
        errors["signed_copy"] = _("Confirm you hold the signed copy of the slip.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        before = _apply(tx, d, "confirm_delivered", actor)
        at = d.updated_at
        d.delivered_at, d.signed_by = at, signed_by
        if signed_slip is not None:
            d.signed_slip_file_id = file_store.store(tx, signed_slip[0], signed_slip[1]).id
        parcels = _parcels(tx, d)
        for p in parcels:
            prior = p.status
            PARCEL_FLOW.apply(p, "deliver", actor)
            p.delivered_at, p.updated_at = at, at
            log_event(tx, actor, at, "parcel", p.id, "delivered", {"status": prior},
                      {"status": p.status, "delivery": d.code})
        close_tasks(tx, actor, "delivery", d.id, {TaskKind.DELIVER})
        record(tx, actor, "delivery", d.id, "confirm_delivered", {"status": before},
               {"status": d.status, "signed_by": d.signed_by, "slip_file": d.signed_slip_file_id})
        tx.flush()
        follow_orders(tx, actor, [p.order_id for p in parcels])


def delivery_failed(db: Database, actor: Actor, delivery_id: int, reason: str) -> None:
    """The goods came back (nobody home, refused at the door): back on the shelves, the slip
    stands for the next attempt."""
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        before = _apply(tx, d, "failed", actor, reason)
        at = d.updated_at
        for p in _parcels(tx, d):
            prior = p.status
            PARCEL_FLOW.apply(p, "back_to_stock", actor, reason)
            p.warehouse_id, p.updated_at = d.warehouse_id, at
            log_event(tx, actor, at, "parcel", p.id, "back_to_stock", {"status": prior}, {"status": p.status},
                      reason.strip())
        d.handed_over_at = None
        order_ids = {p.order_id for p in _parcels(tx, d) if p.order_id is not None}
        record(tx, actor, "delivery", d.id, "failed", {"status": before}, {"status": d.status}, reason.strip())
        # The attempt's task ends; the next attempt is a task of its own, due afresh.
        close_tasks(tx, actor, "delivery", d.id, {TaskKind.DELIVER}, TaskStatus.CANCELLED)
        customer, wh = tx.get(Customer, d.customer_id), tx.get(Warehouse, d.warehouse_id)
        open_task(tx, actor, TaskKind.DELIVER, Role.WAREHOUSE_VN,
                  Message(N_("Delivery {code} failed ({reason}): agree a new time with {customer} and deliver "
                             "again"), code=d.code, reason=reason.strip(), customer=customer.name), "delivery", d.id)
        # one e-mail per order, named by the order's code the customer knows (not the delivery's), so
        # the reply it invites ("a day and time that suit you") finds the order's chat
        for order in tx.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id)):
            notify_customer(tx, customer, "delivery_failed", "order", order.id, code=order.code,
                            reason=reason.strip(), warehouse=(wh.city or wh.name) if wh else "")


CUSTOMER_TEMPLATES.setdefault("delivery_failed", (
    N_("We could not deliver {code}"),
    N_("Dear {name}, our delivery {code} could not be completed ({reason}). Your goods are safe, back in our "
       "warehouse {warehouse}. We will call you to agree a new time; you can also reply to this message with a "
       "day and time that suit you.")))


def cancel_delivery(db: Database, actor: Actor, delivery_id: int, reason: str) -> None:
    with db.transaction() as tx:
        d = _load(tx, delivery_id)
        before = _apply(tx, d, "cancel", actor, reason)
        for p in _parcels(tx, d):
            p.delivery_id = None
        close_tasks(tx, actor, "delivery", d.id, {TaskKind.DELIVER})
        record(tx, actor, "delivery", d.id, "cancel", {"status": before}, {"status": d.status}, reason.strip())


# -- reading --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveryLine:
    parcel_id: int
    tracking_code: str
    order_code: str
    status: str
    status_label: str
    shelf: str
    weight_kg: Decimal | None
    box_no: int | None


@dataclass(frozen=True)
class DeliveryView:
    id: int
    code: str
    status: str
    status_label: str
    status_reason: str
    customer_id: int
    customer_code: str
    customer_name: str
    customer_phone: str
    warehouse: str
    warehouse_name: str
    warehouse_address: str
    method: str
    method_label: str
    recipient: str
    phone: str
    address: str
    courier: str
    courier_tracking: str
    box_count: int
    delivery_fee: Money
    cod: Money
    note: str
    created_at: datetime
    created_by: str
    slip_issued_at: datetime | None
    handed_over_at: datetime | None
    handed_to: str
    delivered_at: datetime | None
    signed_by: str
    signed_slip_file_id: int | None
    lines: tuple[DeliveryLine, ...]
    actions: tuple[tuple[str, str, bool], ...]
    tracking_link: str = ""             # the courier's tracking page, from the company's templates
    can_set_courier: bool = False       # handed to a courier: its tracking number may be entered or corrected
    #: still packing: parcels are scanned into boxes until the export slip is issued (the screen
    #: offers "issue_slip" all along, refused with the reason while a parcel is unpacked)
    can_pack: bool = False

    @property
    def total_weight_kg(self) -> Decimal:
        return sum((ln.weight_kg or Decimal(0) for ln in self.lines), Decimal(0))

    def boxes(self) -> list[int]:
        return sorted({ln.box_no for ln in self.lines if ln.box_no is not None})


def get_delivery(db: Database, actor: Actor, delivery_id: int) -> DeliveryView:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        d = s.get(DeliveryRequest, delivery_id)
        if d is None:
            raise NotFound(what=Lazy(N_("The delivery request")))
        c, wh = s.get(Customer, d.customer_id), s.get(Warehouse, d.warehouse_id)
        who = s.scalar(select(User.full_name).where(User.id == d.created_by_id)) or ""
        rows = s.execute(select(DeliveryParcel, Parcel, Order.code)
                         .join(Parcel, Parcel.id == DeliveryParcel.parcel_id)
                         .outerjoin(Order, Order.id == Parcel.order_id)
                         .where(DeliveryParcel.delivery_id == d.id).order_by(DeliveryParcel.id))
        lines = tuple(DeliveryLine(p.id, p.tracking_code, ocode or "", p.status,
                                   PARCEL_STATUS_LABELS.get(p.status, p.status), p.shelf,
                                   p.vn_weight_kg or p.weight_kg, line.box_no) for line, p, ocode in rows)
        guard_view = _WithLines(d, _lines(s, d))
        actions = tuple((st.action, st.label, st.needs_reason) for st in DELIVERY_FLOW.allowed(guard_view, actor))
        return DeliveryView(d.id, d.code, d.status, DELIVERY_STATUS_LABELS[d.status], d.status_reason,
                            c.id, c.code, c.name, c.phone, wh.code, wh.name, wh.address or wh.city,
                            d.method, DELIVERY_METHOD_LABELS.get(d.method, d.method), d.recipient, d.phone,
                            d.address, d.courier, d.courier_tracking, d.box_count, d.delivery_fee, d.cod,
                            d.note, d.created_at, who, d.slip_issued_at, d.handed_over_at, d.handed_to,
                            d.delivered_at, d.signed_by, d.signed_slip_file_id, lines, actions,
                            courier_link(s, d),
                            d.handed_over_at is not None and d.method != "pickup" and actor.can(Perm.DELIVER),
                            d.status in DELIVERY_FLOW.sources("issue_slip"))


def weight_text(view: DeliveryView) -> str:
    return _("{kg} kg").format(kg=fmt_kg(view.total_weight_kg))


def write_delivery_note(db: Database, actor: Actor, delivery_id: int, path):
    """The packing slip / delivery note PDF: page one inside the box, then a label per box."""
    from app.documents.delivery_note import write_delivery_note_pdf
    from app.services import settings as settings_service

    view = get_delivery(db, actor, delivery_id)
    company = settings_service.read_all(db)["company.name"]
    return write_delivery_note_pdf(view, path, company, db.clock.now())
