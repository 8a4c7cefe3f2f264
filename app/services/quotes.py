"""Quotes that hold their rate (báo giá giữ tỷ giá).

Care staff send a customer a quote for a purchase order still without its rate (a cart, or an
order waiting for its deposit): the items, the selling rate of the moment, the fees known now and
the deposit, valid until a time (default: the setting ``orders.quote_valid_hours``). The quote
goes out as an e-mail (the customer outbox) and as a PDF, both in the customer's language.

* A deposit that arrives while the quote is valid takes the quoted rate (``rate_to_take``, called
  by ``order_money.fix_terms``).
* A deposit that arrives after the quote expired does not take it: the app makes a new version
  at the current rate, tells the customer the difference and waits for their answer
  (``gate_deposit``, called by ``order_money.take_deposit``); staff record "Customer accepted"
  (the deposit is then taken at the new rate if the wallet pays) or "Customer refused".
* Every version stays (table ``quote_versions``); each step is an activity event of the order.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import FEE_LABELS, ItemFact, OrderFacts, Tariff, quote as fee_quote, to_vnd
from app.i18n import Lazy, Message, N_, _, fmt_percent, language
from app.models import Customer, FeePolicy, Order, OrderMoney, QuoteVersion, Warehouse
from app.money import CNY, VND, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, require
from app.services import fee_policies, files, rates
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer
from app.services.order_rows import load_order
from app.services.outbox import CUSTOMER_EVENT_LABELS
from app.services.transitions import move
from app.services.unique import taken, unique_rules
from app.workflows.orders import OrderKind
from app.workflows.quotes import QUOTABLE, QUOTE_FLOW, QUOTE_STATUS_LABELS, QuoteStatus

#: the longest a quote may hold a rate (the setting's own maximum)
MAX_VALIDITY = timedelta(hours=720)
#: a validity chosen in a dialog may be a minute in the past by the time it is saved
MIN_VALIDITY = timedelta(minutes=5)
MAX_REASON = 500


#: versions the customer may still answer or pay
OPEN = (QuoteStatus.SENT, QuoteStatus.AWAITING, QuoteStatus.ACCEPTED)

CUSTOMER_EVENT_LABELS.setdefault("quote_sent", N_("Quote"))
CUSTOMER_EVENT_LABELS.setdefault("quote_requoted", N_("New quote: the rate changed"))
CUSTOMER_TEMPLATES.setdefault("quote_sent", (
    N_("Quote for order {code}"),
    N_("Dear {name}, here is our quote for order {code}: goods {goods} at {rate} ₫ per ¥, total known now "
       "{total}, deposit {deposit}. This quote is valid until {until}; a deposit received before then "
       "keeps this rate.")))
CUSTOMER_TEMPLATES.setdefault("quote_requoted", (
    N_("New quote for order {code}: the exchange rate changed"),
    N_("Dear {name}, the quote for order {code} expired, so we quoted it again at today's rate: {rate} ₫ "
       "per ¥ (was {old_rate}). The total known now is {total}, a difference of {difference}; deposit "
       "{deposit}. This quote is valid until {until}. Please tell us whether you accept it: we buy "
       "nothing until you do.")))


# -- views ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuoteItemView:
    title: str
    variant: str
    quantity: int
    unit_price_cny: Decimal
    line_total: Money


@dataclass(frozen=True)
class QuoteFeeView:
    code: str
    label: str
    amount: Money | None        # None: known when the parcels are weighed


@dataclass(frozen=True)
class QuoteView:
    id: int
    order_id: int
    order_code: str
    version: int
    status: str
    status_label: str
    selling_rate: Decimal
    goods_cny: Money
    goods_vnd: Money
    fees_vnd: Money
    total_vnd: Money
    deposit_percent: Decimal
    deposit_vnd: Money
    previous_rate: Decimal | None
    difference_vnd: Money | None
    valid_until: datetime
    expired: bool               # its time has passed (whatever its status says)
    created_at: datetime
    created_by: str
    decided_at: datetime | None
    decided_by: str
    note: str
    items: tuple[QuoteItemView, ...]
    fees: tuple[QuoteFeeView, ...]
    #: the customer's answer may still be recorded (QUOTE_FLOW: "accept"/"refuse" start here)
    answerable: bool = False
    #: a re-quote: buying waits for the customer's answer
    awaiting: bool = False


@dataclass(frozen=True)
class QuotesPanel:
    """What the order window's Quotes tab shows, in one call."""

    order_id: int
    order_code: str
    can_quote: bool
    why_not: str                 # why no quote can be sent now ("" when it can)
    default_valid_until: datetime
    waiting: bool                # the latest version waits for the customer's answer
    versions: tuple[QuoteView, ...]   # newest first


# -- helpers ----------------------------------------------------------------------------------------

def _versions(tx: Session, order_id: int) -> list[QuoteVersion]:
    return list(tx.scalars(select(QuoteVersion).where(QuoteVersion.order_id == order_id)
                           .order_by(QuoteVersion.version.desc())))


def latest(tx: Session, order_id: int) -> QuoteVersion | None:
    return tx.scalar(select(QuoteVersion).where(QuoteVersion.order_id == order_id)
                     .order_by(QuoteVersion.version.desc()).limit(1))


def _why_not_quotable(tx: Session, order: Order) -> str:
    if order.kind != OrderKind.PURCHASE:
        return _("Only purchase orders are quoted: a consignment order has no goods to buy.")
    om = tx.get(OrderMoney, order.id)
    if order.status not in QUOTABLE or (om is not None and om.selling_rate is not None):
        return _("The order's rate is fixed already (the deposit was taken): there is nothing to quote.")
    if not order.items:
        return _("Add at least one item before sending a quote.")
    return ""


def _valid_until(tx: Session, valid_until: datetime | None) -> datetime:
    at = now(tx)
    if valid_until is None:
        return at + timedelta(hours=settings_service.get(tx, "orders.quote_valid_hours"))
    if not isinstance(valid_until, datetime) or valid_until.tzinfo is None:
        raise ValidationFailed({"valid_until": _("Choose the date and time the quote is valid until.")})
    if valid_until < at + MIN_VALIDITY:
        raise ValidationFailed({"valid_until": _("A quote must stay valid for a while: choose a later time.")})
    if valid_until > at + MAX_VALIDITY:
        raise ValidationFailed({"valid_until": _("A quote holds its rate for at most 30 days.")})
    return valid_until


def _vip_level_id(tx: Session, order: Order) -> int | None:
    c = tx.get(Customer, order.customer_id)
    return c.vip_level_id if c else None


def _figures(tx: Session, order: Order) -> dict:
    """What a version states: the current selling rate for this order, the fees known now and
    the deposit — worked out exactly as the deposit and the fees will be."""
    from app.models import VipLevel

    goods = order.goods_cny
    level_id = _vip_level_id(tx, order)
    applied = rates.selling_rate_for(tx, level_id, goods)
    if applied is None:
        raise rates.NoRate(kind=Lazy(rates.RATE_KINDS[rates.SELLING]))
    rate = applied.value
    level = tx.get(VipLevel, level_id) if level_id else None
    tariff = Tariff.from_json(tx.get(FeePolicy, fee_policies.policy_for(tx, level_id).id).rules)
    dest = tx.get(Warehouse, order.destination_warehouse_id).code if order.destination_warehouse_id else "*"
    facts = OrderFacts(goods, rate, tuple(ItemFact(i.quantity, i.unit_price_cny, i.tally_exempt) for i in order.items),
                       frozenset(order.service_codes), dest,
                       vip_service_discount=level.service_fee_discount_percent if level else Decimal(0),
                       discount=fee_policies.discount_rule(tx, order.id))
    fq = fee_quote(tariff, facts, stage="all")
    pct = fee_policies.deposit_percent(tx, order)
    goods_vnd = to_vnd(goods, rate)
    fees = [{"code": line.code, "vnd": int(line.amount.amount) if line.amount is not None else None}
            for line in fq.lines if line.amount is None or not line.amount.is_zero()]
    items = [{"title": i.title or i.product_url, "variant": i.variant or "", "quantity": i.quantity,
              "unit_price_cny": str(i.unit_price_cny)} for i in order.items]
    return dict(selling_rate=rate, rate_id=applied.rate_id, goods_cny=goods, goods_vnd=goods_vnd,
                fees_vnd=fq.fees_vnd, total_vnd=goods_vnd + fq.fees_vnd, deposit_percent=pct,
                deposit_vnd=goods_vnd.percent(pct), snapshot={"items": items, "fees": fees})


def _make_version(tx: Session, actor: Actor, order: Order, status: QuoteStatus,
                  valid_until: datetime) -> QuoteVersion:
    """A new version at the current rate; the open one before it is closed (expired when its
    time has passed, else superseded). The customer is told, in their language."""
    at = now(tx)
    figures = _figures(tx, order)
    previous = latest(tx, order.id)
    if previous is not None and previous.status in OPEN:
        move(tx, actor, previous, QUOTE_FLOW, "expire" if previous.valid_until < at else "supersede",
             event="close", cascade=True)
    number = (tx.scalar(select(func.max(QuoteVersion.version)).where(QuoteVersion.order_id == order.id)) or 0) + 1
    difference = figures["total_vnd"] - previous.total_vnd if previous is not None else None
    q = QuoteVersion(order_id=order.id, version=number, status=status.value, valid_until=valid_until,
                     difference_vnd=difference, created_at=at,
                     created_by_id=actor.user_id if actor.user_id else None,
                     created_by_name=actor.name if actor is not SYSTEM_ACTOR else "", note="", **figures)
    tx.add(q)
    tx.flush()
    after = {"version": number, "status": q.status, "selling_rate": q.selling_rate, "total": q.total_vnd,
             "deposit": q.deposit_vnd, "valid_until": valid_until}
    if previous is not None:
        after.update(previous_rate=previous.selling_rate, difference=difference)
    record(tx, actor, "order", order.id, "quote_sent" if status == QuoteStatus.SENT else "requoted", after=after)
    customer = tx.get(Customer, order.customer_id)
    params = dict(code=order.code, goods=q.goods_cny, rate=q.selling_rate, total=q.total_vnd,
                  deposit=q.deposit_vnd, until=valid_until)
    if status == QuoteStatus.SENT:
        message = notify_customer(tx, customer, "quote_sent", "order", order.id, **params)
    else:
        message = notify_customer(tx, customer, "quote_requoted", "order", order.id, old_rate=previous.selling_rate
                                  if previous is not None else q.selling_rate,
                                  difference=difference or Money.zero(VND), **params)
    # the e-mail carries the quote's PDF, in the customer's language like the e-mail itself
    pdf = files.store(tx, f"{order.code}-v{number}.pdf", _pdf_bytes(tx, q, at))
    message.attachment_file_id, message.attachment_name = pdf.id, f"{order.code}-v{number}.pdf"
    return q


def _view(tx: Session, q: QuoteVersion, order: Order, previous: QuoteVersion | None, at: datetime) -> QuoteView:
    snap = q.snapshot or {}
    items = tuple(QuoteItemView(i["title"], i["variant"], int(i["quantity"]), Decimal(i["unit_price_cny"]),
                                Money(Decimal(i["unit_price_cny"]) * int(i["quantity"]), CNY))
                  for i in snap.get("items", []))
    fees = tuple(QuoteFeeView(f["code"], _(FEE_LABELS.get(f["code"], f["code"])),
                              Money(Decimal(f["vnd"]), VND) if f["vnd"] is not None else None)
                 for f in snap.get("fees", []))
    return QuoteView(q.id, q.order_id, order.code, q.version, q.status, _(QUOTE_STATUS_LABELS[QuoteStatus(q.status)]),
                     q.selling_rate, q.goods_cny, q.goods_vnd, q.fees_vnd, q.total_vnd, q.deposit_percent,
                     q.deposit_vnd, previous.selling_rate if previous is not None else None, q.difference_vnd,
                     q.valid_until, q.valid_until < at, q.created_at, q.created_by_name or _("ImportDesk"),
                     q.decided_at, q.decided_by_name, q.note, items, fees,
                     q.status in QUOTE_FLOW.sources("accept"), q.status == QuoteStatus.AWAITING)


def _views(tx: Session, order: Order, at: datetime) -> tuple[QuoteView, ...]:
    versions = _versions(tx, order.id)
    return tuple(_view(tx, q, order, versions[n + 1] if n + 1 < len(versions) else None, at)
                 for n, q in enumerate(versions))


def version_view(tx: Session, q: QuoteVersion) -> QuoteView:
    order = load_order(tx, q.order_id, lock=False)
    return next(v for v in _views(tx, order, now(tx)) if v.id == q.id)


# -- what staff do ----------------------------------------------------------------------------------

def quotes_panel(db: Database, actor: Actor, order_id: int) -> QuotesPanel:
    """The order's quote versions, newest first, and whether a quote can be sent now."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        order = load_order(s, order_id, lock=False)
        at = db.clock.now()
        why = _why_not_quotable(s, order)
        last = latest(s, order_id)
        hours = settings_service.get(s, "orders.quote_valid_hours")
        return QuotesPanel(order.id, order.code, not why, why, at + timedelta(hours=hours),
                           last is not None and last.status == QuoteStatus.AWAITING, _views(s, order, at))


def send_quote(db: Database, actor: Actor, order_id: int, valid_until: datetime | None = None) -> QuoteView:
    """Send the customer a quote at the selling rate of the moment, valid until ``valid_until``
    (default: now + the setting's hours). A deposit before then takes this rate."""
    return _quote(db, actor, order_id, valid_until, QuoteStatus.SENT)


def requote(db: Database, actor: Actor, order_id: int, valid_until: datetime | None = None) -> QuoteView:
    """Quote the order again at today's rate: the customer is told the difference and buying
    waits for their answer ("Customer accepted" / "Customer refused")."""
    return _quote(db, actor, order_id, valid_until, QuoteStatus.AWAITING)


def _quote(db: Database, actor: Actor, order_id: int, valid_until: datetime | None, status: QuoteStatus) -> QuoteView:
    require(actor, Perm.EDIT_ORDERS)
    with unique_rules(taken("uq_quote_versions_order_version", "version",
                            lambda: _("Someone else quoted this order at the same moment: look again."))), \
            db.transaction() as tx:
        order = load_order(tx, order_id, lock=True)
        why = _why_not_quotable(tx, order)
        if why:
            raise DomainError(why)
        until = _valid_until(tx, valid_until)
        if status == QuoteStatus.AWAITING and latest(tx, order.id) is None:
            status = QuoteStatus.SENT     # nothing was quoted before: this is the first quote, not a re-quote
        q = _make_version(tx, actor, order, status, until)
        return version_view(tx, q)


# -- the deposit's side (inside order_money.take_deposit's transaction) ------------------------------

def gate_deposit(tx: Session, actor: Actor, order: Order) -> Message | None:
    """None when the deposit may be taken now (no quote, or a valid one); else why not. A quote
    that expired before the deposit came is replaced by a new version at today's rate, which the
    customer is told about and must accept first."""
    q = latest(tx, order.id)
    if q is None or q.status in (QuoteStatus.TAKEN,):
        return None
    at = now(tx)
    if q.status == QuoteStatus.REFUSED:
        return Message(N_("Order {code}: the customer refused quote version {version}; send a new quote."),
                       code=order.code, version=q.version)
    if q.status in (QuoteStatus.SENT, QuoteStatus.ACCEPTED) and q.valid_until >= at:
        if q.goods_cny != order.goods_cny:
            return Message(N_("Order {code}: the items changed after quote version {version}; send a new quote."),
                           code=order.code, version=q.version)
        return None
    if q.status == QuoteStatus.AWAITING and q.valid_until >= at:
        return Message(N_("Order {code}: quote version {version} waits for the customer's acceptance."),
                       code=order.code, version=q.version)
    # expired: quote again at today's rate and wait for the customer
    until = at + timedelta(hours=settings_service.get(tx, "orders.quote_valid_hours"))
    new = _make_version(tx, actor, order, QuoteStatus.AWAITING, until)
    return Message(N_("Order {code}: the quote expired; version {version} at today's rate waits for the "
                      "customer's acceptance."), code=order.code, version=new.version)


def rate_to_take(tx: Session, order: Order) -> QuoteVersion | None:
    """The quote version whose rate the deposit takes now (marked as taken), or None."""
    q = latest(tx, order.id)
    if q is None or q.status not in QUOTE_FLOW.sources("take") or q.valid_until < now(tx):
        return None
    move(tx, SYSTEM_ACTOR, q, QUOTE_FLOW, "take", log=False)   # (the deposit's own record says so)
    return q


# -- the document -----------------------------------------------------------------------------------

def quote_pdf(db: Database, actor: Actor, quote_id: int) -> bytes:
    """The quote as a PDF in the customer's language (the one the e-mail carries)."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        q = s.get(QuoteVersion, quote_id)
        if q is None:
            raise NotFound(what=Lazy(N_("The quote")))
        return _pdf_bytes(s, q, db.clock.now())


def _pdf_bytes(s: Session, q: QuoteVersion, at: datetime) -> bytes:
    from app.documents.quote import QuoteSheet, QuoteSheetItem, write_quote_pdf

    order = load_order(s, q.order_id, lock=False)
    customer = s.get(Customer, order.customer_id)
    company = settings_service.get(s, "company.name")
    previous = s.scalar(select(QuoteVersion).where(QuoteVersion.order_id == order.id,
                                                   QuoteVersion.version < q.version)
                        .order_by(QuoteVersion.version.desc()).limit(1))
    with language(customer.language or "vi"):
        v = _view(s, q, order, previous, at)
        sheet = QuoteSheet(
            order.code, q.version, company, customer.code, customer.name, customer.phone or "",
            q.selling_rate, q.valid_until, q.created_at, v.created_by,
            [QuoteSheetItem(i.title, i.variant, i.quantity, i.unit_price_cny, i.line_total) for i in v.items],
            [(f.label, f.amount) for f in v.fees], q.goods_cny, q.goods_vnd, q.total_vnd,
            _("Deposit {percent}").format(percent=fmt_percent(q.deposit_percent)),
            q.deposit_vnd, v.previous_rate, q.difference_vnd)
        fd, path = tempfile.mkstemp(suffix=".pdf")
        os.close(fd)
        try:
            write_quote_pdf(sheet, path)
            with open(path, "rb") as f:
                return f.read()
        finally:
            os.unlink(path)


__all__ = ["QuoteStatus", "QUOTE_STATUS_LABELS", "QuoteView", "QuotesPanel", "quotes_panel", "send_quote",
           "requote", "quote_pdf", "gate_deposit", "rate_to_take"]
