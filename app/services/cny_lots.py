"""CNY lots: what the yuan in each CNY account really cost, first in, first out.

Every movement of a CNY account passes through here, called by ``ledger.post`` for each line on
an account of the China book, so no service can move yuan around the lots:

- yuan in (a debit): bought with VND (``cny_funding``) or any other income → a new **lot** at its
  own rate; a seller's refund, or the reversal of a payment, goes **back** to the lots the payment
  took it from, at the rate it left;
- yuan out (a credit): taken from the account's oldest lots first (``CnyLotUse``), each piece at
  its lot's rate; the reversal of a purchase of yuan takes that lot's yuan first.

An account without enough yuan is refused (``CnyShort``), unless the company allows borrowing
(setting ``money.cny_borrow``): then the missing yuan are valued at the buying rate and the next
lot into that account settles them at its own rate.

Invariant (property-tested): for each account, Σ lots' ``cny_left`` − Σ open borrowings equals its
balance, and the VND of a lot's uses add up to exactly what the lot cost.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.i18n import N_, Lazy
from app.models import CnyLot, CnyLotUse, JournalEntry, LedgerAccount, Order, OrderMoney
from app.money import CNY, VND, Money
from app.permissions import Actor, Perm, require
from app.services import rates
from app.services import settings as settings_service
from app.services.activity import now


class CnyShort(DomainError):
    msgid = N_("{account} holds {available} but {needed} are to be paid from it. Record the purchase of "
               "yuan into this account first (or allow borrowing in the money settings).")


def _vnd_of(cny_minor: int, rate: Decimal) -> int:
    """VND (whole đồng) of ``cny_minor`` fen at ``rate`` đồng per yuan."""
    return int((Decimal(cny_minor) / 100 * rate).quantize(Decimal(1), ROUND_HALF_UP))


def _buying_rate(tx: Session) -> Decimal:
    r = rates.current(tx, rates.BUYING)
    return r.value if r is not None else Decimal(0)


def _part(total_vnd: int, total_cny: int, cny: int) -> int:
    """The VND of ``cny`` out of a piece of ``total_cny`` that cost ``total_vnd`` (all of it: all)."""
    if cny == total_cny:
        return total_vnd
    return int((Decimal(total_vnd) * cny / total_cny).quantize(Decimal(1), ROUND_HALF_UP))


@dataclass(frozen=True)
class Movement:
    """What one line did to the lots: yuan and their VND at lot rates (out > 0, back/in < 0)."""

    cny: int
    vnd: int


def on_line(tx: Session, account: LedgerAccount, entry: JournalEntry, amount_minor: int,
            amount_vnd: int | None) -> Movement:
    """Follow one posted line on a CNY account (``ledger.post`` calls this)."""
    if amount_minor > 0:
        return _yuan_in(tx, account, entry, amount_minor, amount_vnd)
    return _yuan_out(tx, account, entry, -amount_minor)


# -- yuan in -----------------------------------------------------------------------------------------

def _yuan_in(tx: Session, account: LedgerAccount, entry: JournalEntry, cny: int,
             amount_vnd: int | None) -> Movement:
    left = cny
    vnd_back = 0
    # back to where it left: the reversed entry's payments, else the shop order's payments
    if entry.reverses_id is not None:
        returned, vnd = _give_back(tx, account.id, entry, left, CnyLotUse.entry_id == entry.reverses_id)
        left, vnd_back = left - returned, vnd_back + vnd
    if left and entry.shop_order_id is not None:
        returned, vnd = _give_back(tx, account.id, entry, left, CnyLotUse.shop_order_id == entry.shop_order_id)
        left, vnd_back = left - returned, vnd_back + vnd
    if left:
        if amount_vnd is not None and left == cny:
            vnd = abs(amount_vnd)
        else:
            vnd = _vnd_of(left, _buying_rate(tx))
        source = "purchase" if entry.kind == "cny_funding" else "income"
        lot = CnyLot(account_id=account.id, source=source, entry_id=entry.id, acquired_at=entry.at,
                     value_date=entry.value_date, cny_total=left, vnd_total=vnd, cny_left=left, vnd_left=vnd,
                     reference=(entry.reference or "")[:120])
        tx.add(lot)
        tx.flush()
        _settle_borrowed(tx, account.id, lot, entry)
        vnd_back += vnd
    return Movement(-cny, -vnd_back)


def _give_back(tx: Session, account_id: int, entry: JournalEntry, cny: int, which) -> tuple[int, int]:
    """Return up to ``cny`` to the lots the matching payments took them from, newest payment
    first, each at the rate it left. Returns (yuan returned, their VND)."""
    uses = tx.execute(select(CnyLotUse.lot_id, CnyLotUse.order_id, CnyLotUse.shop_order_id,
                             func.sum(CnyLotUse.cny), func.sum(CnyLotUse.vnd), func.sum(CnyLotUse.vnd_predicted),
                             func.max(CnyLotUse.id))
                      .where(CnyLotUse.account_id == account_id, which, CnyLotUse.lot_id.is_not(None))
                      .group_by(CnyLotUse.lot_id, CnyLotUse.order_id, CnyLotUse.shop_order_id)
                      .order_by(func.max(CnyLotUse.id).desc())).all()
    returned = vnd_total = 0
    for lot_id, order_id, shop_order_id, out_cny, out_vnd, out_predicted, _last in uses:
        if returned == cny:
            break
        if out_cny <= 0:
            continue
        take = min(out_cny, cny - returned)
        vnd = _part(out_vnd, out_cny, take)
        predicted = _part(out_predicted, out_cny, take)
        tx.execute(update(CnyLot).where(CnyLot.id == lot_id)
                   .values(cny_left=CnyLot.cny_left + take, vnd_left=CnyLot.vnd_left + vnd)
                   .execution_options(synchronize_session=False))
        tx.add(CnyLotUse(lot_id=lot_id, account_id=account_id, entry_id=entry.id, order_id=order_id,
                         shop_order_id=shop_order_id, kind="refund", cny=-take, vnd=-vnd,
                         vnd_predicted=-predicted, at=entry.at))
        returned += take
        vnd_total += vnd
    return returned, vnd_total


def _settle_borrowed(tx: Session, account_id: int, lot: CnyLot, entry: JournalEntry) -> None:
    """Yuan paid while the account had none are taken from the new lot, oldest first: the order
    they paid for now costs the lot's rate instead of the buying rate it was valued at."""
    open_rows = tx.execute(select(CnyLotUse.id, CnyLotUse.cny, CnyLotUse.vnd, CnyLotUse.order_id,
                                  CnyLotUse.shop_order_id)
                           .where(CnyLotUse.account_id == account_id, CnyLotUse.kind == "borrow")
                           .order_by(CnyLotUse.id)).all()
    for bid, b_cny, b_vnd, order_id, shop_order_id in open_rows:
        settled = tx.execute(select(func.coalesce(func.sum(CnyLotUse.cny), 0), func.coalesce(func.sum(CnyLotUse.vnd), 0))
                             .where(CnyLotUse.settles_id == bid, CnyLotUse.lot_id.is_(None))).one()
        owed_cny, owed_vnd = b_cny + settled[0], b_vnd + settled[1]   # settle rows are negative
        if owed_cny <= 0:
            continue
        if lot.cny_left <= 0:
            break
        take = min(owed_cny, lot.cny_left)
        vnd = _part(lot.vnd_left, lot.cny_left, take)
        borrowed_vnd = _part(owed_vnd, owed_cny, take)
        _take_from(tx, lot, take, vnd)
        tx.add_all([
            CnyLotUse(lot_id=None, account_id=account_id, entry_id=entry.id, order_id=order_id,
                      shop_order_id=shop_order_id, kind="settle", cny=-take, vnd=-borrowed_vnd,
                      settles_id=bid, at=entry.at),
            CnyLotUse(lot_id=lot.id, account_id=account_id, entry_id=entry.id, order_id=order_id,
                      shop_order_id=shop_order_id, kind="settle", cny=take, vnd=vnd, settles_id=bid,
                      at=entry.at)])


# -- yuan out ----------------------------------------------------------------------------------------

def _take_from(tx: Session, lot: CnyLot, cny: int, vnd: int) -> None:
    """Take from one lot atomically: refused (never below zero) if another payment took it first."""
    done = tx.execute(update(CnyLot).where(CnyLot.id == lot.id, CnyLot.cny_left >= cny)
                      .values(cny_left=CnyLot.cny_left - cny, vnd_left=CnyLot.vnd_left - vnd)
                      .returning(CnyLot.cny_left, CnyLot.vnd_left)
                      .execution_options(synchronize_session=False)).first()
    if done is None:
        raise RuntimeError(f"lot {lot.id} changed under a locked payment")
    lot.cny_left, lot.vnd_left = done


def _yuan_out(tx: Session, account: LedgerAccount, entry: JournalEntry, cny: int) -> Movement:
    order = [CnyLot.acquired_at, CnyLot.id]
    if entry.reverses_id is not None:   # undoing a purchase of yuan: that lot first
        order.insert(0, (CnyLot.entry_id != entry.reverses_id))
    # locked in FIFO order: two desktops paying from one account at once wait for each other
    lots = tx.scalars(select(CnyLot).where(CnyLot.account_id == account.id, CnyLot.cny_left > 0)
                      .order_by(*order).with_for_update()).all()
    available = sum(l.cny_left for l in lots)
    if available < cny and not settings_service.get(tx, "money.cny_borrow"):
        raise CnyShort(account=account.name, available=Money.from_minor(max(available, 0), CNY),
                       needed=Money.from_minor(cny, CNY))
    left, vnd_total = cny, 0
    buying = _buying_rate(tx)
    for lot in lots:
        if not left:
            break
        take = min(left, lot.cny_left)
        vnd = _part(lot.vnd_left, lot.cny_left, take)
        _take_from(tx, lot, take, vnd)
        tx.add(CnyLotUse(lot_id=lot.id, account_id=account.id, entry_id=entry.id, order_id=entry.order_id,
                         shop_order_id=entry.shop_order_id, kind="payment", cny=take, vnd=vnd,
                         vnd_predicted=_vnd_of(take, buying), at=entry.at))
        left -= take
        vnd_total += vnd
    if left:   # borrowed, valued at the buying rate until the next lot settles it
        vnd = _vnd_of(left, buying)
        tx.add(CnyLotUse(lot_id=None, account_id=account.id, entry_id=entry.id, order_id=entry.order_id,
                         shop_order_id=entry.shop_order_id, kind="borrow", cny=left, vnd=vnd,
                         vnd_predicted=vnd, at=entry.at))
        vnd_total += vnd
    return Movement(cny, vnd_total)


# -- reading -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderCurrencyResult:
    """An order's goods in VND three ways: what the customer was charged for the yuan paid
    (selling rate), what those yuan cost (lot rates), and what the buying rate predicted."""

    paid_cny: Money
    at_selling: Money
    at_lots: Money
    at_buying: Money
    borrowed_cny: Money

    @property
    def margin(self) -> Money:
        """What the currency earned on this order: charged at the selling rate − cost at lots."""
        return self.at_selling - self.at_lots

    @property
    def currency_result(self) -> Money:
        """Lots against the buying rate: positive when the yuan cost less than predicted."""
        return self.at_buying - self.at_lots


def _order_result(s: Session, order_ids: list[int]) -> dict[int, OrderCurrencyResult]:
    rows = {oid: (cny, vnd, predicted, borrowed) for oid, cny, vnd, predicted, borrowed in s.execute(
        select(CnyLotUse.order_id,
               func.sum(case((CnyLotUse.kind == "settle", 0), else_=CnyLotUse.cny)),
               func.sum(CnyLotUse.vnd), func.sum(CnyLotUse.vnd_predicted),
               func.sum(case((CnyLotUse.lot_id.is_(None), CnyLotUse.cny), else_=0)))
        .where(CnyLotUse.order_id.in_(order_ids)).group_by(CnyLotUse.order_id)).all()}
    selling = dict(s.execute(select(OrderMoney.order_id, OrderMoney.selling_rate)
                             .where(OrderMoney.order_id.in_(order_ids))).all())
    out = {}
    for oid in order_ids:
        cny, vnd, predicted, borrowed = (int(v or 0) for v in rows.get(oid, (0, 0, 0, 0)))
        out[oid] = OrderCurrencyResult(Money.from_minor(cny, CNY),
                                       Money.from_minor(_vnd_of(cny, selling.get(oid) or Decimal(0)), VND),
                                       Money.from_minor(vnd, VND), Money.from_minor(predicted, VND),
                                       Money.from_minor(borrowed, CNY))
    return out


def order_currency_result(db: Database, actor: Actor, order_id: int) -> OrderCurrencyResult:
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        if s.get(Order, order_id) is None:
            raise NotFound(what=Lazy(N_("The order")))
        return _order_result(s, [order_id])[order_id]


def currency_results(s: Session, order_ids: list[int]) -> dict[int, OrderCurrencyResult]:
    """Many orders' results in three statements (reports)."""
    return _order_result(s, list(order_ids)) if order_ids else {}


@dataclass(frozen=True)
class LotUseView:
    at: datetime
    kind: str
    order_code: str | None
    cny: Money
    vnd: Money


@dataclass(frozen=True)
class LotView:
    id: int
    account: str
    source: str
    acquired_at: datetime
    value_date: date | None
    reference: str
    cny: Money
    vnd: Money
    rate: Decimal
    cny_left: Money
    vnd_left: Money
    uses: tuple[LotUseView, ...]


@dataclass(frozen=True)
class LotsReport:
    lots: tuple[LotView, ...]
    #: yuan paid while an account had none, not yet settled by a lot, per account
    borrowed: dict[str, Money]


def lots_report(db: Database, actor: Actor, account_id: int | None = None,
                with_empty: bool = True) -> LotsReport:
    """Each lot, what used it, and what is left (newest first)."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        q = select(CnyLot, LedgerAccount.name).join(LedgerAccount, LedgerAccount.id == CnyLot.account_id)
        if account_id is not None:
            q = q.where(CnyLot.account_id == account_id)
        if not with_empty:
            q = q.where(CnyLot.cny_left > 0)
        lots = s.execute(q.order_by(CnyLot.acquired_at.desc(), CnyLot.id.desc())).all()
        ids = [l.id for l, _n in lots]
        uses: dict[int, list[LotUseView]] = {i: [] for i in ids}
        if ids:
            for u, code in s.execute(select(CnyLotUse, Order.code).outerjoin(Order, Order.id == CnyLotUse.order_id)
                                     .where(CnyLotUse.lot_id.in_(ids)).order_by(CnyLotUse.id)).all():
                uses[u.lot_id].append(LotUseView(u.at, u.kind, code, Money.from_minor(u.cny, CNY),
                                                 Money.from_minor(u.vnd, VND)))
        q = (select(LedgerAccount.name, func.sum(CnyLotUse.cny)).join(LedgerAccount, LedgerAccount.id == CnyLotUse.account_id)
             .where(CnyLotUse.lot_id.is_(None)).group_by(LedgerAccount.name))
        if account_id is not None:
            q = q.where(CnyLotUse.account_id == account_id)
        borrowed = {name: Money.from_minor(n, CNY) for name, n in s.execute(q).all() if n}
        return LotsReport(tuple(LotView(l.id, name, l.source, l.acquired_at, l.value_date, l.reference,
                                        Money.from_minor(l.cny_total, CNY), Money.from_minor(l.vnd_total, VND),
                                        l.rate, Money.from_minor(l.cny_left, CNY), Money.from_minor(l.vnd_left, VND),
                                        tuple(uses[l.id])) for l, name in lots), borrowed)


def account_check(s: Session, account_id: int) -> tuple[int, int]:
    """(balance, Σ lots left − open borrowings) of one account: equal when the lots are whole."""
    balance = s.scalar(select(LedgerAccount.balance).where(LedgerAccount.id == account_id))
    left = s.scalar(select(func.coalesce(func.sum(CnyLot.cny_left), 0)).where(CnyLot.account_id == account_id))
    owed = s.scalar(select(func.coalesce(func.sum(CnyLotUse.cny), 0))
                    .where(CnyLotUse.account_id == account_id, CnyLotUse.lot_id.is_(None)))
    return balance, left - owed
