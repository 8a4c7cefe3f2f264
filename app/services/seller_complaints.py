"""Seller complaints (khiếu nại người bán, KNNB): the company's claim against a Chinese shop for
a shop order — wrong or defective goods found at the China warehouse, pieces missing — filed on
the platform before its after-sale window closes.

Taobao and Tmall confirm receipt automatically some days after the seller ships and close
after-sale some days after that; the days per platform are typed settings. The window is fixed
when the claim is opened, the ordering staff's queue sorts by the time left, and
``warn_seller_deadlines`` (for a timer) warns before it closes and marks claims never filed as
expired once it has. The CNY a seller gives back is booked into the company CNY account it
arrived in, lowering the purchase cost.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import posting_rules
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import to_vnd
from app.i18n import Lazy, Message, N_, _, fmt_money
from app.models import (Complaint, ComplaintFile, LedgerAccount, Order, Parcel, SellerComplaint, Shop,
                        ShopOrder, StoredFile, User)
from app.money import CNY, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, Role, require
from app.services import ledger
from app.services import settings as settings_service
from app.services.activity import now, record, stale_edit, stale_edit_after
from app.services.complaints.lifecycle import store_photos
from app.services.notifications import notify_staff, staff_ids_with_role
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.text import search_blob
from app.workflows.complaints import (ACTIVE_SELLER, SELLER_COMPLAINT_FLOW, SellerComplaintStatus,
                                      SellerReason)
from app.workflows.money import ShopOrderStatus
from app.workflows.tasks import TaskKind, TaskStatus

SC = SellerComplaintStatus
CNY_STEP = Decimal("0.01")
#: platforms with their own after-sale settings; any other uses complaints.other_*
DEADLINE_PLATFORMS = ("taobao", "tmall", "1688")


@dataclass
class SellerComplaintInput:
    shop_order_id: int
    reason: str
    description: str
    claimed_cny: Decimal
    complaint_id: int | None = None
    photos: list[tuple[str, bytes]] = field(default_factory=list)


# -- the after-sale window -----------------------------------------------------------------------------

def after_sale_window(tx: Session, so: ShopOrder) -> tuple[datetime, datetime]:
    """(when the seller shipped, when the platform's after-sale window closes) for a shop order.

    The seller shipped when its first tracking code was recorded (or, without one yet, when the
    shop order was paid); the window closes after the platform's automatic receipt plus its
    after-sale days."""
    shipped = tx.scalar(select(Parcel.created_at).where(Parcel.shop_order_id == so.id)
                        .order_by(Parcel.created_at, Parcel.id).limit(1)) or so.paid_at or so.created_at
    platform = so.shop.platform if so.shop.platform in DEADLINE_PLATFORMS else "other"
    days = settings_service.get(tx, f"complaints.{platform}_confirm_days") + \
        settings_service.get(tx, f"complaints.{platform}_after_sale_days")
    return shipped, shipped + timedelta(days=days)


def countdown(deadline: datetime, at: datetime) -> str:
    """The time left before ``deadline`` as staff read it: "4 d 6 h left", "5 h left", "closed"."""
    return countdown_message(deadline, at).render()


def countdown_message(deadline: datetime, at: datetime) -> Message:
    left = deadline - at
    if left <= timedelta(0):
        return Message(N_("Closed {when}"), when=deadline)
    days, rest = divmod(int(left.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return Message(N_("{days} d {hours} h left"), days=days, hours=hours)
    return Message(N_("{hours} h {minutes} min left"), hours=hours, minutes=rest // 60)


# -- opening -----------------------------------------------------------------------------------------------

def _cny(value: Decimal | str, key: str, errors: dict[str, str]) -> Money | None:
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        errors[key] = _("Enter an amount in CNY, e.g. 125.50.")
        return None
    if not d.is_finite() or d <= 0:
        errors[key] = _("Enter an amount in CNY above zero.")
        return None
    if d != d.quantize(CNY_STEP):
        errors[key] = _("An amount in CNY has at most two decimals.")
        return None
    return Money(d, CNY)


def _load_so(tx: Session, shop_order_id: int) -> ShopOrder:
    so = tx.get(ShopOrder, shop_order_id)
    if so is None:
        raise NotFound(what=Lazy(N_("The shop order")))
    return so


def open_seller_complaint(db: Database, actor: Actor, data: SellerComplaintInput) -> int:
    """A claim against the shop of a paid shop order: reason, evidence, CNY claimed. Refused
    once the platform's after-sale window has closed."""
    require(actor, Perm.SELLER_COMPLAINTS)
    errors: dict[str, str] = {}
    if data.reason not in {r.value for r in SellerReason}:
        errors["reason"] = _("Choose what is wrong.")
    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("Describe the problem and the evidence.")
    claimed = _cny(data.claimed_cny, "claimed_cny", errors)
    with db.transaction() as tx:
        so = _load_so(tx, data.shop_order_id)
        if so.status != ShopOrderStatus.PAID or so.paid_cny is None:
            raise DomainError(N_("Only a paid shop order can be claimed from the seller."))
        if claimed is not None and claimed > so.paid_cny:
            errors["claimed_cny"] = _("At most what was paid to the shop ({paid}).").format(paid=fmt_money(so.paid_cny))
        complaint = tx.get(Complaint, data.complaint_id) if data.complaint_id else None
        if data.complaint_id and (complaint is None or complaint.order_id != so.order_id):
            errors["complaint_id"] = _("That complaint is about another order.")
        if errors:
            raise ValidationFailed(errors)
        at = now(tx)
        shipped, deadline = after_sale_window(tx, so)
        if deadline <= at:
            raise DomainError(N_("The after-sale window of this shop order closed on {date}: the platform no "
                                 "longer takes claims."), date=deadline)
        order = tx.get(Order, so.order_id)
        shop = tx.get(Shop, so.shop_id)
        staff_id = so.ordering_staff_id or order.ordering_staff_id or actor.user_id
        sc = SellerComplaint(code=f"~{uuid.uuid4().hex[:16]}", shop_order_id=so.id, order_id=order.id,
                             shop_id=shop.id, complaint_id=complaint.id if complaint else None,
                             platform=shop.platform, reason=data.reason, description=description,
                             claimed_cny=claimed, status=SC.OPEN.value, seller_shipped_at=shipped,
                             deadline_at=deadline, ordering_staff_id=staff_id, opened_by_id=actor.user_id,
                             opened_by_name=actor.name, opened_at=at, updated_at=at)
        tx.add(sc)
        tx.flush()
        sc.code = f"NB{sc.id:07d}"
        sc.search_text = search_blob(sc.code, order.code, shop.name, so.platform_order_no)
        store_photos(tx, actor, data.photos, seller_complaint_id=sc.id)
        after = {"code": sc.code, "shop": shop.name, "platform_order_no": so.platform_order_no,
                 "reason": sc.reason, "claimed_cny": claimed, "deadline_at": deadline}
        record(tx, actor, "seller_complaint", sc.id, "opened", after=after, note=description[:500])
        record(tx, actor, "shop_order", so.id, "seller_complaint", after={"code": sc.code, "claimed_cny": claimed})
        record(tx, actor, "order", order.id, "seller_complaint", after={"code": sc.code, "shop": shop.name})
        open_task(tx, actor, TaskKind.SELLER_COMPLAINT, Role.ORDERING,
                  Message(N_("{code}: file the claim against {shop} ({no}) before {deadline}"),
                          code=sc.code, shop=shop.name, no=so.platform_order_no or "—", deadline=deadline),
                  "seller_complaint", sc.id, due_at=deadline, assignee_id=staff_id)
        return sc.id


def _load(tx: Session, sc_id: int) -> SellerComplaint:
    sc = tx.get(SellerComplaint, sc_id, with_for_update=True)
    if sc is None:
        raise NotFound(what=Lazy(N_("The seller complaint")))
    return sc


def _check_version(tx: Session, sc: SellerComplaint, seen_version: int | None) -> None:
    if seen_version is not None and sc.version != seen_version:
        raise stale_edit(tx, "seller_complaint", sc.id, N_("The seller complaint"))


def file_seller_complaint(db: Database, actor: Actor, sc_id: int, platform_case_no: str,
                          seen_version: int | None = None) -> None:
    """The claim was filed on the platform (its dispute number is kept); now the seller answers."""
    require(actor, Perm.SELLER_COMPLAINTS)
    case_no = "".join((platform_case_no or "").split())[:60]
    if not case_no:
        raise ValidationFailed({"platform_case_no": _("Enter the dispute number the platform gave.")})
    try:
        with db.transaction() as tx:
            sc = _load(tx, sc_id)
            _check_version(tx, sc, seen_version)
            at = now(tx)
            move(tx, actor, sc, SELLER_COMPLAINT_FLOW, "file", after={"platform_case_no": case_no},
                 stamp={"platform_case_no": case_no, "filed_at": at, "updated_at": at})
            close_tasks(tx, actor, "seller_complaint", sc.id, {TaskKind.SELLER_COMPLAINT})
    except StaleDataError:
        raise stale_edit_after(db, "seller_complaint", sc_id, N_("The seller complaint")) from None


def record_recovery(db: Database, actor: Actor, sc_id: int, amount_cny: Decimal, cny_account_id: int | None,
                    seen_version: int | None = None) -> int:
    """The seller paid back: the CNY goes into the company CNY account it arrived in (China money
    book), the purchase cost falls by as much. Returns the journal entry."""
    require(actor, Perm.SELLER_COMPLAINTS)
    errors: dict[str, str] = {}
    amount = _cny(amount_cny, "amount_cny", errors)
    try:
        with db.transaction() as tx:
            sc = _load(tx, sc_id)
            _check_version(tx, sc, seen_version)
            SELLER_COMPLAINT_FLOW.check(sc, "recover", actor)
            so = tx.get(ShopOrder, sc.shop_order_id)
            if amount is not None and so.paid_cny is not None and amount > so.paid_cny:
                errors["amount_cny"] = _("At most what was paid to the shop ({paid}).").format(paid=fmt_money(so.paid_cny))
            acc = tx.get(LedgerAccount, cny_account_id) if cny_account_id else None
            if acc is None or acc.book != "cn" or not acc.is_active:
                errors["cny_account_id"] = _("Choose the CNY account the money arrived in.")
            if errors:
                raise ValidationFailed(errors)
            shop = tx.get(Shop, sc.shop_id)
            at_cost = to_vnd(amount, so.buying_rate) if so.buying_rate else None
            entry = ledger.post_lines(
                tx, actor, "seller_recovery", posting_rules.seller_recovery(acc.id, amount, at_cost),
                memo=Message(N_("{code}: {amount} recovered from {shop} ({no})"),
                             code=sc.code, amount=amount, shop=shop.name, no=so.platform_order_no or "—"),
                reference=sc.platform_case_no or sc.code, counterpart=shop.name, order_id=sc.order_id,
                shop_order_id=so.id, rate=so.buying_rate)
            at = now(tx)
            move(tx, actor, sc, SELLER_COMPLAINT_FLOW, "recover",
                 stamp={"recovered_cny": amount, "cny_account_id": acc.id, "entry_id": entry.id,
                        "closed_at": at, "updated_at": at},
                 after={"recovered_cny": amount, "account": acc.name, "entry": entry.id})
            close_tasks(tx, actor, "seller_complaint", sc.id)
            order = tx.get(Order, sc.order_id)
            notify_staff(tx, [u for u in (order.care_staff_id, sc.ordering_staff_id) if u != actor.user_id],
                         Message(N_("{code}: {amount} recovered from {shop}"), code=sc.code, amount=amount,
                                 shop=shop.name),
                         entity="seller_complaint", entity_id=sc.id)
            return entry.id
    except StaleDataError:
        raise stale_edit_after(db, "seller_complaint", sc_id, N_("The seller complaint")) from None


def _end(db: Database, actor: Actor, sc_id: int, action: str, reason: str) -> None:
    require(actor, Perm.SELLER_COMPLAINTS)
    try:
        with db.transaction() as tx:
            sc = _load(tx, sc_id)
            at = now(tx)
            move(tx, actor, sc, SELLER_COMPLAINT_FLOW, action, reason,
                 stamp={"status_reason": reason.strip(), "closed_at": at, "updated_at": at})
            close_tasks(tx, actor, "seller_complaint", sc.id, status=TaskStatus.CANCELLED)
    except StaleDataError:
        raise stale_edit_after(db, "seller_complaint", sc_id, N_("The seller complaint")) from None


def record_seller_refusal(db: Database, actor: Actor, sc_id: int, reason: str) -> None:
    """The seller (or the platform) refused the claim."""
    _end(db, actor, sc_id, "refuse", reason)


def withdraw_seller_complaint(db: Database, actor: Actor, sc_id: int, reason: str) -> None:
    _end(db, actor, sc_id, "withdraw", reason)


# -- the timer ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlineSweep:
    warned: int
    expired: int


def warn_seller_deadlines(db: Database) -> DeadlineSweep:
    """For a timer: claims whose after-sale window closes within the configured hours get a task
    for their ordering staff and a notification to them and the managers (once); claims never
    filed whose window has closed are marked expired."""
    warned = expired = 0
    with db.transaction() as tx:
        at = now(tx)
        hours = settings_service.get(tx, "complaints.deadline_warning_hours")
        managers = staff_ids_with_role(tx, Role.MANAGER)
        active = [s.value for s in ACTIVE_SELLER]
        late = tx.scalars(select(SellerComplaint).where(SellerComplaint.status.in_(active),
                                                        SellerComplaint.deadline_at <= at)
                          .order_by(SellerComplaint.deadline_at, SellerComplaint.id).with_for_update())
        for sc in list(late):
            if sc.status != SC.OPEN:
                continue        # filed in time: the platform's dispute goes on after the window
            move(tx, SYSTEM_ACTOR, sc, SELLER_COMPLAINT_FLOW, "expire", stamp={"closed_at": at, "updated_at": at},
                 after={"deadline_at": sc.deadline_at})
            close_tasks(tx, SYSTEM_ACTOR, "seller_complaint", sc.id, status=TaskStatus.CANCELLED)
            notify_staff(tx, [sc.ordering_staff_id, *managers],
                         Message(N_("{code}: the after-sale window closed before the claim was filed"), code=sc.code),
                         entity="seller_complaint", entity_id=sc.id)
            expired += 1
        soon = tx.scalars(select(SellerComplaint).where(SellerComplaint.status.in_(active),
                                                        SellerComplaint.deadline_at > at,
                                                        SellerComplaint.deadline_at <= at + timedelta(hours=hours),
                                                        SellerComplaint.warned_at.is_(None))
                          .order_by(SellerComplaint.deadline_at, SellerComplaint.id).with_for_update())
        for sc in list(soon):
            shop = tx.get(Shop, sc.shop_id)
            title = Message(N_("{code}: the after-sale window with {shop} closes {deadline} ({left})"),
                            code=sc.code, shop=shop.name, deadline=sc.deadline_at,
                            left=countdown_message(sc.deadline_at, at))
            open_task(tx, SYSTEM_ACTOR, TaskKind.SELLER_COMPLAINT, Role.ORDERING, title, "seller_complaint", sc.id,
                      due_at=sc.deadline_at, assignee_id=sc.ordering_staff_id,
                      note=Message(N_("File the claim, or escalate to the platform, before the window closes.")))
            notify_staff(tx, [sc.ordering_staff_id, *managers], title, entity="seller_complaint", entity_id=sc.id)
            sc.warned_at = at
            record(tx, SYSTEM_ACTOR, "seller_complaint", sc.id, "deadline_warning", after={"deadline_at": sc.deadline_at})
            warned += 1
    return DeadlineSweep(warned, expired)


# -- reading -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShopOrderChoice:
    id: int
    shop_name: str
    platform: str
    platform_order_no: str
    paid_cny: Money
    seller_shipped_at: datetime
    deadline_at: datetime


def claimable_shop_orders(db: Database, actor: Actor, order_id: int) -> list[ShopOrderChoice]:
    """The order's paid shop orders, each with its after-sale window (the claim dialog's choice)."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        out = []
        for so in s.scalars(select(ShopOrder).where(ShopOrder.order_id == order_id,
                                                    ShopOrder.status == ShopOrderStatus.PAID).order_by(ShopOrder.id)):
            shipped, deadline = after_sale_window(s, so)
            out.append(ShopOrderChoice(so.id, so.shop.name, so.shop.platform, so.platform_order_no,
                                       so.paid_cny, shipped, deadline))
        return out


@dataclass(frozen=True)
class FileView:
    id: int
    file_id: int
    name: str
    uploaded_at: datetime


@dataclass(frozen=True)
class SellerComplaintView:
    id: int
    code: str
    version: int
    status: str
    status_label: str
    status_reason: str
    order_id: int
    order_code: str
    shop_order_id: int
    shop_name: str
    platform: str
    platform_order_no: str
    paid_cny: Money | None
    reason: str
    description: str
    claimed_cny: Money
    recovered_cny: Money | None
    platform_case_no: str
    seller_shipped_at: datetime
    deadline_at: datetime
    now: datetime
    warned_at: datetime | None
    ordering_staff: str
    opened_by: str
    opened_at: datetime
    filed_at: datetime | None
    closed_at: datetime | None
    complaint_id: int | None
    complaint_code: str
    account_name: str
    files: tuple[FileView, ...]
    actions: tuple[tuple[str, str, bool], ...]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_SELLER

    @property
    def time_left(self) -> timedelta:
        return self.deadline_at - self.now

    @property
    def countdown(self) -> str:
        return countdown(self.deadline_at, self.now)


def get_seller_complaint(db: Database, actor: Actor, sc_id: int) -> SellerComplaintView:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        sc = s.get(SellerComplaint, sc_id)
        if sc is None:
            raise NotFound(what=Lazy(N_("The seller complaint")))
        so = s.get(ShopOrder, sc.shop_order_id)
        order = s.get(Order, sc.order_id)
        shop = s.get(Shop, sc.shop_id)
        staff = s.scalar(select(User.full_name).where(User.id == sc.ordering_staff_id)) if sc.ordering_staff_id else ""
        complaint_code = s.scalar(select(Complaint.code).where(Complaint.id == sc.complaint_id)) if sc.complaint_id else ""
        account = ledger.account_name(s.get(LedgerAccount, sc.cny_account_id)) if sc.cny_account_id else ""
        files = tuple(FileView(f.id, f.file_id, f.name, f.uploaded_at) for f in s.scalars(
            select(ComplaintFile).join(StoredFile, StoredFile.id == ComplaintFile.file_id)
            .where(ComplaintFile.seller_complaint_id == sc.id).order_by(ComplaintFile.id)))
        actions = tuple((st.action, st.label, st.needs_reason) for st in SELLER_COMPLAINT_FLOW.allowed(sc, actor))
        return SellerComplaintView(
            sc.id, sc.code, sc.version, sc.status, SELLER_COMPLAINT_FLOW.label(sc.status), sc.status_reason,
            order.id, order.code, so.id, shop.name, shop.platform, so.platform_order_no, so.paid_cny, sc.reason,
            sc.description, sc.claimed_cny, sc.recovered_cny, sc.platform_case_no, sc.seller_shipped_at,
            sc.deadline_at, db.clock.now(), sc.warned_at, staff or "", sc.opened_by_name, sc.opened_at, sc.filed_at,
            sc.closed_at, sc.complaint_id, complaint_code or "", account or "", files, actions)


@dataclass(frozen=True)
class SellerComplaintSummary:
    id: int
    code: str
    status: str
    status_label: str
    shop_name: str
    claimed_cny: Money
    recovered_cny: Money | None
    deadline_at: datetime


def seller_complaints_of_order(db: Database, actor: Actor, order_id: int) -> list[SellerComplaintSummary]:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        rows = s.execute(select(SellerComplaint, Shop.name).join(Shop, Shop.id == SellerComplaint.shop_id)
                         .where(SellerComplaint.order_id == order_id).order_by(SellerComplaint.id))
        return [SellerComplaintSummary(sc.id, sc.code, sc.status, SELLER_COMPLAINT_FLOW.label(sc.status), name,
                                       sc.claimed_cny, sc.recovered_cny, sc.deadline_at) for sc, name in rows]
