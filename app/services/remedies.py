"""Remedies that fit (issue 17): committed dates changed with a reason, staff notices by e-mail,
compensation suggested by rules, "priority shipping on the next order" vouchers, and shops
flagged for review. The rules themselves are pure (``app.remedy_rule``); this module gathers their
facts from the database and writes what people decide.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from app.clock import local_day
from app.db import Database
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.i18n import Lazy, N_, _
from app.models import ActivityEvent, Complaint, Customer, Order, Shop, User
from app.models.remedies import PriorityVoucher
from app.permissions import Actor, Perm, require
from app.remedy_rule import (ReviewFlag, ShopKpis, review_days, review_thresholds_from_settings,
                          shop_review_flags)
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import notify_customer
from app.text import clean

#: the longest reason for a changed committed date (it goes to the customer)
REASON_MAX = 1000


# == committed dates changed with a reason (seed 000) ============================================

@dataclass(frozen=True)
class CommittedDates:
    order_id: int
    order_code: str
    status: str
    ship_by: datetime | None
    deliver_by: datetime | None


def committed_dates(db: Database, actor: Actor, order_id: int) -> CommittedDates:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        o = s.get(Order, order_id)
        if o is None:
            raise NotFound(what=Lazy(N_("The order")))
        return CommittedDates(o.id, o.code, o.status, o.committed_ship_by, o.committed_deliver_by)


def change_committed_dates(db: Database, actor: Actor, order_id: int, ship_by: datetime | None,
                           deliver_by: datetime | None, reason: str) -> bool:
    """Give the order new committed date(s): the old and new dates, the reason and who changed
    them go into the order's history, and the customer is told (in their language). False when
    nothing changed."""
    from app.services.delays import refresh_order_delay

    require(actor, Perm.EDIT_ORDERS)
    reason = clean(reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Say why the committed date changes; the customer will read it.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("At most {maximum} characters.").format(maximum=REASON_MAX)
    for key, value in (("ship_by", ship_by), ("deliver_by", deliver_by)):
        if value is not None and value.tzinfo is None:
            errors[key] = _("The date needs a time zone.")
    if ship_by is None and deliver_by is None:
        errors["deliver_by"] = _("Give the new committed date.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        order = tx.get(Order, order_id, with_for_update=True)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        if order.committed_ship_by is None and order.committed_deliver_by is None:
            raise ValidationFailed({"deliver_by": _("The order has no committed dates yet: they are set when it is "
                                                    "accepted.")})
        new_ship = ship_by if ship_by is not None else order.committed_ship_by
        new_deliver = deliver_by if deliver_by is not None else order.committed_deliver_by
        if new_ship is not None and new_deliver is not None and new_deliver < new_ship:
            raise ValidationFailed({"deliver_by": _("The delivery date cannot be before the shipping date.")})
        before: dict = {}
        after: dict = {}
        for name, value in (("committed_ship_by", new_ship), ("committed_deliver_by", new_deliver)):
            if getattr(order, name) != value:
                before[name], after[name] = getattr(order, name), value
                setattr(order, name, value)
        if not after:
            return False
        order.updated_at, order.updated_by_id = now(tx), actor.user_id
        record(tx, actor, "order", order.id, "committed_dates", before, after, reason)
        customer = tx.get(Customer, order.customer_id)
        key = "committed_deliver_by" if "committed_deliver_by" in after else "committed_ship_by"
        event = "committed_delivery_changed" if key == "committed_deliver_by" else "committed_shipping_changed"
        notify_customer(tx, customer, event, "order", order.id, code=order.code,
                        old=local_day(before[key]), date=local_day(after[key]), reason=reason)
        refresh_order_delay(tx, actor, order)
        return True


# == staff notices by e-mail too (seed 002) ======================================================

def email_notices(db: Database, actor: Actor, user_id: int) -> bool:
    """Whether the person gets an e-mail copy of their in-app notices."""
    if user_id != actor.user_id:
        require(actor, Perm.MANAGE_USERS)
    with db.read() as s:
        value = s.scalar(select(User.email_notices).where(User.id == user_id))
        if value is None:
            raise NotFound(what=Lazy(N_("The user")))
        return bool(value)


def set_email_notices(db: Database, actor: Actor, user_id: int, on: bool) -> None:
    """A person's own choice (or a user administrator's): an e-mail as well as the in-app notice.
    Needs an e-mail address on the user."""
    if user_id != actor.user_id:
        require(actor, Perm.MANAGE_USERS)
    with db.transaction() as tx:
        user = tx.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(what=Lazy(N_("The user")))
        if on and not (user.email or "").strip():
            raise ValidationFailed({"email": _("Enter the person's e-mail address first.")})
        if user.email_notices != on:
            record(tx, actor, "user", user.id, "email_notices", {"email_notices": user.email_notices},
                   {"email_notices": on})
            user.email_notices = on


# == compensation suggested (seed 003) ===========================================================

def delivered_at(s: Session, order_id: int) -> datetime | None:
    """When the order was first handed over (its first "deliver" step), or None."""
    return s.scalar(select(func.min(ActivityEvent.at)).where(
        ActivityEvent.entity == "order", ActivityEvent.entity_id == order_id, ActivityEvent.action == "deliver"))


def days_late(committed: datetime | None, until: datetime) -> int:
    """Whole days from the committed delivery date to delivery (or now); 0 when not late."""
    if committed is None or until <= committed:
        return 0
    return (until - committed) // timedelta(days=1)


# == priority shipping vouchers ==================================================================

@dataclass(frozen=True)
class VoucherView:
    id: int
    complaint_code: str
    created_at: datetime
    used_order_code: str
    used_at: datetime | None


def grant_voucher(tx: Session, actor: Actor, complaint: Complaint, note: str = "") -> PriorityVoucher:
    """Carried out from a complaint's plan: the customer's next billed order ships with priority."""
    v = PriorityVoucher(customer_id=complaint.customer_id, complaint_id=complaint.id, note=note,
                        created_at=now(tx), created_by_id=actor.user_id)
    tx.add(v)
    tx.flush()
    record(tx, actor, "customer", complaint.customer_id, "priority_voucher", after={"voucher": v.id,
                                                                                     "complaint": complaint.code})
    return v


def _unused_for(order: Order):
    """The customer's unused vouchers this order may take: not the ones its own complaint gave."""
    own = select(Complaint.id).where(Complaint.order_id == order.id)
    return (select(PriorityVoucher.id).where(PriorityVoucher.customer_id == order.customer_id,
                                             PriorityVoucher.used_order_id.is_(None),
                                             or_(PriorityVoucher.complaint_id.is_(None),
                                                 PriorityVoucher.complaint_id.not_in(own))))


def order_voucher(s: Session, order: Order, billed: bool) -> bool:
    """Whether the fee engine applies a voucher to this order: one already taken by it, or
    (before its billing notice) one the customer holds unused."""
    if s.scalar(select(PriorityVoucher.id).where(PriorityVoucher.used_order_id == order.id)) is not None:
        return True
    if billed:
        return False
    return s.scalar(_unused_for(order).limit(1)) is not None


def take_voucher(tx: Session, actor: Actor, order: Order) -> int | None:
    """The billing notice uses the customer's oldest unused voucher for this order: one
    conditional UPDATE, so a voucher is used exactly once even by two desktops at the same time
    (the order's own one is returned if it has taken one already)."""
    mine = tx.scalar(select(PriorityVoucher.id).where(PriorityVoucher.used_order_id == order.id))
    if mine is not None:
        return mine
    at = now(tx)
    for _attempt in range(3):
        vid = tx.scalar(_unused_for(order).order_by(PriorityVoucher.id).limit(1))
        if vid is None:
            return None
        done = tx.execute(update(PriorityVoucher).where(PriorityVoucher.id == vid,
                                                        PriorityVoucher.used_order_id.is_(None))
                          .values(used_order_id=order.id, used_at=at)
                          .execution_options(synchronize_session=False)).rowcount
        if done == 1:
            record(tx, actor, "order", order.id, "priority_voucher_used", after={"voucher": vid})
            return vid
    return None


def vouchers_of_customer(db: Database, actor: Actor, customer_id: int) -> list[VoucherView]:
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        rows = s.execute(select(PriorityVoucher, Complaint.code, Order.code)
                         .outerjoin(Complaint, Complaint.id == PriorityVoucher.complaint_id)
                         .outerjoin(Order, Order.id == PriorityVoucher.used_order_id)
                         .where(PriorityVoucher.customer_id == customer_id).order_by(PriorityVoucher.id)).all()
        return [VoucherView(v.id, c or "", v.created_at, o or "", v.used_at) for v, c, o in rows]


# == shops flagged for review ====================================================================

@dataclass(frozen=True)
class ShopReview:
    shop_id: int
    shop_name: str
    days: int
    kpis: ShopKpis
    flags: tuple[ReviewFlag, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def text(self) -> str:
        if not self.flags:
            return ""
        return _("Shop flagged for review (last {days} days): {flags}.").format(
            days=self.days, flags="; ".join(f.text() for f in self.flags))


def shop_review(db: Database, actor: Actor, shop_id: int) -> ShopReview:
    """The shop's KPIs over the last days the settings name, and the flags the thresholds raise
    (the same query and rule as the shop KPI report)."""
    from app.reports.base import Period, ReportContext
    from app.reports.vendors import kpi_row

    if not (actor.can(Perm.PURCHASE) or actor.can(Perm.VIEW_VENDOR_KPIS)):
        raise PermissionDenied(N_("You may not see shop KPIs."))
    with db.read() as s:
        shop = s.get(Shop, shop_id)
        if shop is None:
            raise NotFound(what=Lazy(N_("The shop")))
        values = settings_service.load(s)
        get = lambda key: values[key]   # noqa: E731
        days = review_days(get)
        end = db.clock.now()
        today = local_day(end)
        ctx = ReportContext(actor, Period(today - timedelta(days=days - 1), today), {}, end, db.kind, values)
        k = kpi_row(s, ctx, shop_id)
        return ShopReview(shop.id, shop.name, days, k, shop_review_flags(k, review_thresholds_from_settings(get)))


def shop_order_review(db: Database, actor: Actor, shop_order_id: int) -> ShopReview:
    """``shop_review`` of the shop a shop order buys from (the ordering screen's banner)."""
    from app.models import ShopOrder

    with db.read() as s:
        shop_id = s.scalar(select(ShopOrder.shop_id).where(ShopOrder.id == shop_order_id))
    if shop_id is None:
        raise NotFound(what=Lazy(N_("The shop order")))
    return shop_review(db, actor, shop_id)
