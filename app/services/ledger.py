"""The double-entry ledger (sổ cái): accounts, posting balanced entries, reversals, money books.

Every money movement is one ``post()``: its lines sum to zero in each currency, it is written in
the caller's transaction (with the business change it records), and every account balance it
touches moves by an atomic ``UPDATE … SET balance = balance + :x`` — a wallet's only if the
result stays within the customer's credit limit, in the same statement, so two desktops taking
money from one wallet at once can never overdraw it. Accounts are updated in id order, so two
postings never wait on each other in a cycle. Entries are never edited; ``reverse`` posts the
opposite entry.

Sign convention: debit positive, credit negative, in minor units. A wallet is a liability of
the company: money the customer holds is a credit balance, shown positive.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _, app_name, message_parts, render_stored
from app.models import (Customer, JournalEntry, JournalLine, LedgerAccount, Order, OrderMoney,
                        User, Wallet)
from app.money import CNY, VND, Money
from app import posting_rules
from app.permissions import Actor, Perm, require
from app.services import cny_lots
from app.services.activity import now, record
from app.services.unique import broken_constraint, taken, unique_rules

#: code -> (kind, currency, N_ name); created on first use (the chart of ``app.posting_rules``)
SYSTEM_ACCOUNTS: dict[str, tuple[str, str, str]] = posting_rules.CHART
#: the accounts of fees charged to customers are this prefix + the fee's code
FEE_ACCOUNT_PREFIX = posting_rules.FEE_ACCOUNT_PREFIX
#: entry kinds people post by hand and may reverse by hand; the others belong to their services
MANUAL_KINDS = frozenset({"topup", "refund", "cny_funding"})
ENTRY_KIND_LABELS: dict[str, str] = {
    "topup": N_("Top-up"),
    "refund": N_("Refund paid out"),
    "deposit": N_("Deposit taken"),
    "deposit_refund": N_("Deposit refunded"),
    "shortage_refund": N_("Shortage refunded"),
    "purchase": N_("Goods purchased"),
    "service_fee": N_("Purchasing service fee"),
    "billing": N_("Billing notice"),
    "supplementary": N_("Supplementary bill"),
    "settlement": N_("Paid from wallet"),
    "cny_funding": N_("CNY bought"),
    "commission": N_("Commissions accrued"),
    "complaint_refund": N_("Complaint refund"),
    "compensation": N_("Compensation"),
    "seller_recovery": N_("Recovered from a seller"),
    "carrier_bill": N_("Carrier's bill accepted"),
    "reversal": N_("Reversal"),
}


class InsufficientFunds(DomainError):
    msgid = N_("{customer}'s wallet holds {balance} (credit limit {limit}); {needed} is needed. "
               "Record a top-up first, or ask a manager for a credit limit.")


@dataclass(frozen=True)
class LineSpec:
    account_id: int
    amount: Money                   # debit positive, credit negative
    amount_vnd: Money | None = None  # VND value of a CNY line
    order_id: int | None = None


def debit(account_id: int, money: Money, **kw: Any) -> LineSpec:
    return LineSpec(account_id, money, **kw)


def credit(account_id: int, money: Money, **kw: Any) -> LineSpec:
    return LineSpec(account_id, -money, **kw)


# -- accounts --------------------------------------------------------------------------------------

def _insert_ignore(tx: Session, model: Any, values: dict[str, Any]) -> None:
    if tx.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    tx.execute(insert(model).values(**values).on_conflict_do_nothing())


#: the first bank accounts the app opens for a new company (stored in English, shown translated)
DEFAULT_ACCOUNT_NAMES = (N_("Company bank account (VND)"), N_("Alipay (CNY)"))


def entry_memo(entry: JournalEntry) -> str:
    """An entry's description in the reader's language (what a person typed, as typed)."""
    return render_stored(entry.memo, entry.memo_key, entry.memo_params)


def account_name(acc: LedgerAccount) -> str:
    """A system account's name in the viewer's language; others as their owners named them
    (the first accounts the app opened, translated until someone renames them)."""
    return account_label(acc.code, acc.name)


def account_label(code: str, name: str) -> str:
    known = SYSTEM_ACCOUNTS.get(code)
    return _(known[2]) if known else app_name(name, DEFAULT_ACCOUNT_NAMES)


def account(tx: Session, code: str) -> LedgerAccount:
    """A system account by code, created the first time it is needed."""
    acc = tx.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if acc is not None:
        return acc
    kind, currency, name = SYSTEM_ACCOUNTS[code]
    _insert_ignore(tx, LedgerAccount, dict(code=code, name=name, kind=kind, currency=currency,
                                           balance=0, is_active=True, created_at=now(tx)))
    return tx.scalar(select(LedgerAccount).where(LedgerAccount.code == code))


def wallet(tx: Session, customer_id: int) -> Wallet:
    """The customer's wallet, opened (balance 0, no credit) the first time money touches it."""
    w = tx.get(Wallet, customer_id)
    if w is not None:
        return w
    customer = tx.get(Customer, customer_id)
    if customer is None:
        raise NotFound(what=Lazy(N_("The customer")))
    code = f"wallet:{customer_id}"
    _insert_ignore(tx, LedgerAccount, dict(code=code, name=f"{customer.code} {customer.name}"[:120],
                                           kind="liability", currency=VND, customer_id=customer_id,
                                           balance=0, is_active=True, created_at=now(tx)))
    acc_id = tx.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code))
    _insert_ignore(tx, Wallet, dict(customer_id=customer_id, account_id=acc_id, credit_limit=0,
                                    credit_note=""))
    return tx.get(Wallet, customer_id)


def wallet_money(tx: Session, customer_id: int) -> tuple[Money, Money]:
    """(money in the wallet, credit limit) as stored now; zero for a wallet never used."""
    row = tx.execute(select(LedgerAccount.balance, Wallet.credit_limit)
                     .join(Wallet, Wallet.account_id == LedgerAccount.id)
                     .where(Wallet.customer_id == customer_id)).first()
    if row is None:
        return Money.zero(VND), Money.zero(VND)
    return Money.from_minor(-row.balance, VND), row.credit_limit


# -- posting ---------------------------------------------------------------------------------------

def _expire(tx: Session, model: Any, ident: Any, attrs: list[str]) -> None:
    obj = tx.identity_map.get(identity_key(model, ident))
    if obj is not None:
        tx.expire(obj, attrs)


def _move_balance(tx: Session, acc: LedgerAccount, delta: int, allow_credit: bool) -> int:
    """Add ``delta`` to an account's balance atomically; for a wallet, refuse (return None) when
    the customer's money would fall below minus the credit limit. Returns the new balance.

    Company accounts have no floor: the books may lag the bank, and a negative balance shows
    the accountant what is missing rather than stopping the ordering staff."""
    stmt = update(LedgerAccount).where(LedgerAccount.id == acc.id)
    if acc.customer_id is not None and delta > 0:
        if allow_credit:
            limit = select(Wallet.credit_limit).where(Wallet.account_id == acc.id).scalar_subquery()
        else:
            limit = 0
        stmt = stmt.where(LedgerAccount.balance + delta <= limit)
    result = tx.execute(stmt.values(balance=LedgerAccount.balance + delta)
                        .returning(LedgerAccount.balance)
                        .execution_options(synchronize_session=False)).first()
    _expire(tx, LedgerAccount, acc.id, ["balance"])
    if result is None:
        if acc.customer_id is not None:
            customer = tx.get(Customer, acc.customer_id)
            held, limit_money = wallet_money(tx, acc.customer_id)
            raise InsufficientFunds(customer=customer.name, balance=held,
                                    limit=limit_money if allow_credit else Money.zero(VND),
                                    needed=Money.from_minor(delta, VND))
        raise NotFound(what=Lazy(N_("The account")))
    return result[0]


def post(tx: Session, actor: Actor, kind: str, lines: list[LineSpec], *, memo: str | Message = "",
         reference: str = "", counterpart: str = "", order_id: int | None = None,
         customer_id: int | None = None, shop_order_id: int | None = None,
         rate: Decimal | None = None, value_date: date | None = None,
         reverses_id: int | None = None, allow_credit: bool = True) -> JournalEntry:
    """Write one balanced entry and move every balance it touches, in the caller's transaction.

    ``allow_credit``: whether a wallet debited by this entry may use its credit limit (a deposit
    may; money paid back out to the customer may not). A memo the app writes is a ``Message``
    (read in the reader's language); a str is what a person typed.
    """
    lines = [l for l in lines if not l.amount.is_zero()]
    if not lines:
        raise ValueError("an entry needs at least one non-zero line")
    accounts = {a.id: a for a in tx.scalars(select(LedgerAccount).where(
        LedgerAccount.id.in_({l.account_id for l in lines})))}
    per_currency: dict[str, int] = defaultdict(int)
    for l in lines:
        acc = accounts[l.account_id]
        if acc.currency not in ("*", l.amount.currency):
            raise ValueError(f"{l.amount.currency} line on {acc.currency} account {acc.code}")
        per_currency[l.amount.currency] += l.amount.minor
    unbalanced = {c: n for c, n in per_currency.items() if n}
    if unbalanced:
        raise ValueError(f"entry {kind} does not balance: {unbalanced}")
    # Lock and move balances in account-id order (no two postings wait on each other in a cycle).
    deltas: dict[int, int] = defaultdict(int)
    for l in lines:
        deltas[l.account_id] += l.amount.minor
    after: dict[int, int] = {}
    for acc_id in sorted(deltas):
        if accounts[acc_id].tracked:
            new = _move_balance(tx, accounts[acc_id], deltas[acc_id], allow_credit)
            after[acc_id] = new - deltas[acc_id]      # the balance before this entry
    at = now(tx)
    memo_text, memo_key, memo_params = message_parts(memo)
    entry = JournalEntry(at=at, value_date=value_date, kind=kind, memo=memo_text[:2000], memo_key=memo_key,
                         memo_params=memo_params, reference=reference[:120],
                         counterpart=counterpart[:200], actor_id=actor.user_id, actor_name=actor.name,
                         order_id=order_id, customer_id=customer_id, shop_order_id=shop_order_id,
                         rate=rate, reverses_id=reverses_id)
    tx.add(entry)
    tx.flush()
    receivable_id = None
    for l in lines:
        acc = accounts[l.account_id]
        if acc.tracked:
            after[acc.id] += l.amount.minor
        tx.add(JournalLine(entry_id=entry.id, account_id=acc.id, currency=l.amount.currency,
                           amount=l.amount.minor, balance_after=after.get(acc.id),
                           amount_vnd=l.amount_vnd.minor if l.amount_vnd is not None else None,
                           at=at, book=acc.book, order_id=l.order_id if l.order_id is not None else order_id))
        if acc.code == posting_rules.RECEIVABLE:
            receivable_id = acc.id
        if acc.book == "cn":   # every yuan in or out of a CNY account goes through its lots
            cny_lots.on_line(tx, acc, entry, l.amount.minor,
                             l.amount_vnd.minor if l.amount_vnd is not None else None)
    tx.flush()
    if receivable_id is not None:
        per_order: dict[int, int] = defaultdict(int)
        for l in lines:
            if l.account_id == receivable_id:
                if l.order_id is None:
                    raise ValueError("a receivable line names its order")
                per_order[l.order_id] += l.amount.minor
        for oid, delta in per_order.items():
            _move_order_due(tx, oid, delta, at)
    record(tx, actor, "journal_entry", entry.id, kind, after={
        "order_id": order_id, "customer_id": customer_id, "reference": reference or None,
        "lines": [f"{accounts[l.account_id].code} {l.amount.amount} {l.amount.currency}" for l in lines]},
        note=memo if isinstance(memo, Message) else memo[:500])
    return entry


def post_lines(tx: Session, actor: Actor, kind: str, lines: list[posting_rules.Line], *,
               customer_id: int | None = None, **kw: Any) -> JournalEntry:
    """Post what a posting rule (``app.posting_rules``) returned: a chart code is that system
    account, ``WALLET`` the wallet of ``customer_id``, an int the account a person chose. The
    other keywords are ``post``'s."""
    def account_id(ref: str | int) -> int:
        if isinstance(ref, int):
            return ref
        if ref == posting_rules.WALLET:
            if customer_id is None:
                raise ValueError(f"entry {kind}: a wallet line needs the entry's customer")
            return wallet(tx, customer_id).account_id
        return account(tx, ref).id

    specs = [LineSpec(account_id(line.account), line.amount, line.amount_vnd, line.order_id) for line in lines]
    return post(tx, actor, kind, specs, customer_id=customer_id, **kw)


def _move_order_due(tx: Session, order_id: int, delta: int, at: datetime) -> None:
    """Keep the order's balance due equal to its receivable lines, and since when it is owed."""
    om = OrderMoney.__table__
    done = tx.execute(update(om).where(om.c.order_id == order_id)
                      .values(balance_due=om.c.balance_due + delta).returning(om.c.balance_due)).first()
    if done is None:
        raise ValueError(f"order {order_id} has no money record")
    tx.execute(update(om).where(om.c.order_id == order_id).values(
        due_since=case((om.c.balance_due > 0, func.coalesce(om.c.due_since, at)), else_=None)))
    _expire(tx, OrderMoney, order_id, ["balance_due", "due_since"])


def reverse(tx: Session, actor: Actor, entry: JournalEntry, reason: str, kind: str = "reversal",
            allow_credit: bool = True) -> JournalEntry:
    """Post the exact opposite of ``entry`` (an entry can be reversed once)."""
    if tx.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)) is not None:
        raise DomainError(N_("This entry was already reversed."))
    lines = posting_rules.reversal(posting_rules.Line(
        l.account_id, l.money, Money.from_minor(l.amount_vnd, VND) if l.amount_vnd is not None else None,
        l.order_id) for l in entry.lines)
    return post_lines(tx, actor, kind, lines, memo=reason, reference=entry.reference, counterpart=entry.counterpart,
                order_id=entry.order_id, customer_id=entry.customer_id, shop_order_id=entry.shop_order_id,
                rate=entry.rate, reverses_id=entry.id, allow_credit=allow_credit)


# -- company cash and CNY accounts ------------------------------------------------------------------

@dataclass(frozen=True)
class AccountView:
    id: int
    code: str
    name: str
    kind: str
    currency: str
    book: str | None
    balance: Money
    is_active: bool


def _view(a: LedgerAccount) -> AccountView:
    return AccountView(a.id, a.code, account_name(a), a.kind, a.currency, a.book, a.shown_balance(), a.is_active)


def cash_accounts(db: Database, actor: Actor, book: str | None = None, active_only: bool = True) -> list[AccountView]:
    """The company's VND bank/cash accounts (book "vn") and CNY accounts (book "cn")."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        q = select(LedgerAccount).where(LedgerAccount.book.isnot(None))
        if book:
            q = q.where(LedgerAccount.book == book)
        if active_only:
            q = q.where(LedgerAccount.is_active.is_(True))
        return [_view(a) for a in s.scalars(q.order_by(LedgerAccount.book.desc(), LedgerAccount.name))]


def create_cash_account(db: Database, actor: Actor, name: str, book: str) -> int:
    """A company account money books follow: a VND bank or cash box, or a CNY Alipay/bank account."""
    require(actor, Perm.RECORD_PAYMENTS)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Name the account, e.g. Vietcombank 0123 or Alipay Quảng Châu.")
    if book not in ("vn", "cn"):
        errors["book"] = _("Choose a VND or a CNY account.")
    if errors:
        raise ValidationFailed(errors)
    key = account_name_key(name)
    name_taken = taken("uq_ledger_accounts_name", "name", lambda: _("An account with this name exists already."))
    for attempt in range(10):
        try:
            with unique_rules(name_taken), db.transaction() as tx:
                if tx.scalar(select(LedgerAccount.id).where(LedgerAccount.name_key == key)):
                    raise ValidationFailed({"name": _("An account with this name exists already.")})
                n = (tx.scalar(select(func.count()).select_from(LedgerAccount)
                               .where(LedgerAccount.book == book)) or 0) + 1
                prefix = "cash_vnd" if book == "vn" else "cny"
                code = f"{prefix}:{n}"
                while tx.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code)):
                    n += 1
                    code = f"{prefix}:{n}"
                acc = LedgerAccount(code=code, name=name[:120], name_key=key, kind="asset",
                                    currency=VND if book == "vn" else CNY, book=book, balance=0,
                                    is_active=True, created_at=now(tx))
                tx.add(acc)
                tx.flush()
                record(tx, actor, "ledger_account", acc.id, "created", after={"code": code, "name": acc.name})
                return acc.id
        except IntegrityError as exc:
            # another desktop took the same next code at this moment: count again
            if broken_constraint(exc) != "uq_ledger_accounts_code" or attempt == 9:
                raise
    raise AssertionError("unreachable")


def account_name_key(name: str) -> str:
    """A company account's name as the rule "no two accounts alike" compares it."""
    return unicodedata.normalize("NFC", (name or "").strip()).lower()[:120]


def record_cny_purchase(db: Database, actor: Actor, cny_account_id: int, cny_amount: Decimal,
                        vnd_account_id: int, vnd_amount: Decimal, reference: str, value_date: date,
                        note: str = "", fee_vnd: Decimal = Decimal(0)) -> int:
    """CNY bought for a CNY account (Alipay…) with VND from a company account: in the China book,
    out of the VN book, through the currency-exchange account (each currency balances).

    ``fee_vnd``: what the money changer or the bank charged on top, paid from the same VND
    account; it is part of what these yuan cost (their lot's rate, each order's real cost)."""
    require(actor, Perm.RECORD_PAYMENTS)
    errors: dict[str, str] = {}
    for key, value, places in (("cny_amount", cny_amount, Decimal("0.01")), ("vnd_amount", vnd_amount, Decimal(1))):
        if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite() or value <= 0 \
                or value != value.quantize(places):
            errors[key] = _("Enter an amount above zero.") if places == 1 or not isinstance(value, Decimal) \
                or value <= 0 else _("An amount in CNY has at most two decimals.")
    if isinstance(fee_vnd, float) or not isinstance(fee_vnd, Decimal) or not fee_vnd.is_finite() or fee_vnd < 0 \
            or fee_vnd != fee_vnd.quantize(Decimal(1)):
        errors["fee_vnd"] = _("Enter the fee in whole đồng, from 0.")
    if not (reference or "").strip():
        errors["reference"] = _("Enter the bank or exchange reference.")
    with db.transaction() as tx:
        cny_acc, vnd_acc = tx.get(LedgerAccount, cny_account_id), tx.get(LedgerAccount, vnd_account_id)
        if cny_acc is None or cny_acc.book != "cn":
            errors["cny_account_id"] = _("Choose the CNY account that received the yuan.")
        if vnd_acc is None or vnd_acc.book != "vn":
            errors["vnd_account_id"] = _("Choose the VND account that paid.")
        if errors:
            raise ValidationFailed(errors)
        cny, vnd = Money(cny_amount, CNY), Money(vnd_amount + fee_vnd, VND)   # the fee is part of the price
        rate = ((vnd_amount + fee_vnd) / cny_amount)
        memo = (Message(N_("{cny} bought for {vnd} (≈ {rate} ₫ per ¥)"), cny=cny, vnd=vnd, rate=rate.quantize(Decimal("0.01")))
                if not fee_vnd else
                Message(N_("{cny} bought for {paid} + fee {fee} = {vnd} (≈ {rate} ₫ per ¥)"), cny=cny,
                        paid=Money(vnd_amount, VND), fee=Money(fee_vnd, VND), vnd=vnd, rate=rate.quantize(Decimal("0.01"))))
        entry = post_lines(tx, actor, "cny_funding", posting_rules.cny_funding(cny_acc.id, vnd_acc.id, cny, vnd),
            memo=(note or "").strip() or memo,
            reference=reference.strip(), counterpart=cny_acc.name, value_date=value_date,
            rate=rate.quantize(Decimal("0.000001")))
        return entry.id


def ensure_default_accounts(tx: Session) -> None:
    """A first VND bank account and a first CNY account, so a new company can start at once."""
    at = now(tx)
    for (code, book, currency), name in zip((("cash_vnd:1", "vn", VND), ("cny:1", "cn", CNY)),
                                            DEFAULT_ACCOUNT_NAMES):
        if tx.scalar(select(LedgerAccount.id).where(LedgerAccount.book == book).limit(1)) is None:
            _insert_ignore(tx, LedgerAccount, dict(code=code, name=name, name_key=account_name_key(name),
                                                   kind="asset", currency=currency, book=book, balance=0,
                                                   is_active=True, created_at=at))


# -- reading: entries, statements, books -------------------------------------------------------------

@dataclass(frozen=True)
class LineView:
    account_code: str
    account_name: str
    amount: Money
    amount_vnd: Money | None
    balance_after: Money | None


@dataclass(frozen=True)
class EntryView:
    id: int
    at: datetime
    value_date: date | None
    kind: str
    memo: str
    reference: str
    counterpart: str
    actor_name: str
    order_id: int | None
    order_code: str
    customer_id: int | None
    reverses_id: int | None
    reversed_by_id: int | None
    lines: tuple[LineView, ...]

    @property
    def reversible(self) -> bool:
        return self.kind in MANUAL_KINDS and self.reversed_by_id is None and self.reverses_id is None


def get_entry(db: Database, actor: Actor, entry_id: int) -> EntryView:
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        e = s.get(JournalEntry, entry_id)
        if e is None:
            raise NotFound(what=Lazy(N_("The journal entry")))
        code = s.scalar(select(Order.code).where(Order.id == e.order_id)) if e.order_id else ""
        rev = s.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == e.id))
        lines = tuple(LineView(l.account.code, account_name(l.account), l.money,
                               Money.from_minor(l.amount_vnd, VND) if l.amount_vnd is not None else None,
                               None if l.balance_after is None else Money.from_minor(
                                   -l.balance_after if l.account.credit_normal else l.balance_after, l.currency))
                      for l in e.lines)
        return EntryView(e.id, e.at, e.value_date, e.kind, entry_memo(e), e.reference, e.counterpart, e.actor_name,
                         e.order_id, code or "", e.customer_id, e.reverses_id, rev, lines)


def entry_of_line(db: Database, actor: Actor, line_id: int) -> int:
    """The entry a money-book line belongs to (books list lines; people open entries)."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        entry_id = s.scalar(select(JournalLine.entry_id).where(JournalLine.id == line_id))
        if entry_id is None:
            raise NotFound(what=Lazy(N_("The journal entry")))
        return entry_id


def reverse_entry(db: Database, actor: Actor, entry_id: int, reason: str) -> int:
    """Correct a mistaken top-up, refund or CNY purchase: a new entry undoes it (never an edit)."""
    require(actor, Perm.APPROVE_PAYMENTS)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("Say why the entry is reversed.")})
    with db.transaction() as tx:
        e = tx.get(JournalEntry, entry_id)
        if e is None:
            raise NotFound(what=Lazy(N_("The journal entry")))
        if e.kind not in MANUAL_KINDS or e.reverses_id is not None:
            raise DomainError(N_("Only top-ups, refunds and CNY purchases are reversed by hand; "
                                 "other entries are corrected by the action that made them."))
        r = reverse(tx, actor, e, reason.strip())
        from app.models import Payment

        payment = tx.scalar(select(Payment).where(Payment.entry_id == e.id))
        if payment is not None:
            record(tx, actor, "payment", payment.id, "reversed", after={"entry": r.id}, note=reason.strip())
        return r.id


@dataclass(frozen=True)
class BookLine:
    id: int
    entry_id: int
    at: datetime
    value_date: date | None
    kind: str
    account_name: str
    reference: str
    counterpart: str
    memo: str
    order_code: str
    money_in: Money | None
    money_out: Money | None
    balance: Money
    amount_vnd: Money | None


@dataclass(frozen=True)
class BookSummary:
    currency: str
    opening: Money
    money_in: Money
    money_out: Money
    closing: Money

    @property
    def movements(self) -> Money:
        return self.money_in - self.money_out


def _line_rows(s: Session, where: list, after_id: int | None, limit: int | None, credit_normal: bool):
    q = (select(JournalLine, JournalEntry, LedgerAccount.code, LedgerAccount.name, Order.code)
         .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
         .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
         .outerjoin(Order, Order.id == JournalEntry.order_id)
         .where(*where))
    if after_id is not None:
        q = q.where(JournalLine.id > after_id)
    q = q.order_by(JournalLine.id)
    if limit is not None:
        q = q.limit(limit)
    out = []
    for line, entry, acc_code, acc_name, code in s.execute(q):
        acc_name = account_label(acc_code, acc_name)
        amount = -line.amount if credit_normal else line.amount
        money = Money.from_minor(amount, line.currency)
        out.append(BookLine(line.id, entry.id, line.at, entry.value_date, entry.kind, acc_name, entry.reference,
                            entry.counterpart, entry_memo(entry), code or "",
                            money if amount > 0 else None, -money if amount < 0 else None,
                            Money.from_minor(-line.balance_after if credit_normal else line.balance_after,
                                             line.currency),
                            Money.from_minor(line.amount_vnd, VND) if line.amount_vnd is not None else None))
    return out


def _period(where: list, start: datetime | None, end: datetime | None) -> list:
    if start is not None:
        where.append(JournalLine.at >= start)
    if end is not None:
        where.append(JournalLine.at < end)
    return where


def _book_accounts(s: Session, book: str, account_id: int | None) -> list[LedgerAccount]:
    q = select(LedgerAccount).where(LedgerAccount.book == book)
    if account_id is not None:
        q = q.where(LedgerAccount.id == account_id)
    return list(s.scalars(q))


def book_where(book: str, account_id: int | None = None, start: datetime | None = None,
               end: datetime | None = None) -> list:
    """Which lines a money book shows: the book's (or one account's) lines of the period."""
    where = [JournalLine.account_id == account_id] if account_id is not None else [JournalLine.book == book]
    return _period(where, start, end)


def book_rows(s: Session, book: str, account_id: int | None = None, start: datetime | None = None,
              end: datetime | None = None, after_id: int | None = None, limit: int | None = 200) -> list[BookLine]:
    """A page of the money book inside an open read (the statistics export streams it)."""
    return _line_rows(s, book_where(book, account_id, start, end), after_id, limit, credit_normal=False)


def book_lines(db: Database, actor: Actor, book: str, account_id: int | None = None,
               start: datetime | None = None, end: datetime | None = None,
               after_id: int | None = None, limit: int | None = 200) -> list[BookLine]:
    """The VN (VND) or China (CNY) money book: every movement on the company's accounts, in
    posting order, with in, out and the account's running balance; a page after ``after_id``."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        return book_rows(s, book, account_id, start, end, after_id, limit)


def _balance_before(s: Session, account_id: int, when: datetime | None) -> int:
    q = select(JournalLine.balance_after).where(JournalLine.account_id == account_id)
    if when is not None:
        q = q.where(JournalLine.at < when)
    return s.scalar(q.order_by(JournalLine.id.desc()).limit(1)) or 0


def book_summary(db: Database, actor: Actor, book: str, account_id: int | None = None,
                 start: datetime | None = None, end: datetime | None = None) -> BookSummary:
    """Opening balance, money in, money out and closing balance of a book over a period."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        return book_summary_in(s, book, account_id, start, end)


def book_summary_in(s: Session, book: str, account_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None) -> BookSummary:
    """``book_summary`` inside an open read."""
    currency = VND if book == "vn" else CNY
    accounts = _book_accounts(s, book, account_id)
    opening = sum(_balance_before(s, a.id, start) for a in accounts) if start is not None else 0
    closing = sum(_balance_before(s, a.id, end) for a in accounts)
    ids = [a.id for a in accounts] or [-1]
    where = _period([JournalLine.account_id.in_(ids)], start, end)
    got_in = s.scalar(select(func.coalesce(func.sum(JournalLine.amount), 0)).where(*where, JournalLine.amount > 0))
    got_out = s.scalar(select(func.coalesce(func.sum(JournalLine.amount), 0)).where(*where, JournalLine.amount < 0))
    return BookSummary(currency, Money.from_minor(opening, currency), Money.from_minor(int(got_in), currency),
                       Money.from_minor(-int(got_out), currency), Money.from_minor(closing, currency))


def statement(db: Database, actor: Actor, customer_id: int, start: datetime | None = None,
              end: datetime | None = None, after_id: int | None = None, limit: int | None = 500) -> list[BookLine]:
    """A customer's wallet statement: every movement with in, out and the balance after it."""
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        acc_id = s.scalar(select(Wallet.account_id).where(Wallet.customer_id == customer_id))
        if acc_id is None:
            return []
        return _line_rows(s, _period([JournalLine.account_id == acc_id], start, end), after_id, limit,
                          credit_normal=True)


def trial_balance(tx: Session) -> dict[str, int]:
    """Sum of every account balance per currency: zero in a sound ledger."""
    out: dict[str, int] = {}
    for currency, total in tx.execute(select(JournalLine.currency, func.sum(JournalLine.amount))
                                      .group_by(JournalLine.currency)):
        out[currency] = int(total or 0)
    return out


def export_book_xlsx(db: Database, actor: Actor, book: str, path: str, account_id: int | None = None,
                     start: datetime | None = None, end: datetime | None = None, title: str = "",
                     subtitle: str = "", progress: Any = None) -> int:
    """The money book of a period to XLSX: every movement, then opening, in, out and closing."""
    require(actor, Perm.VIEW_MONEY)
    require(actor, Perm.EXPORT_DATA)
    from app.documents.xlsx import Workbook
    from app.progress import NullProgress

    kind = "money_vnd" if book == "vn" else "money_cny"
    columns = [(_("No."), "int"), (_("Date"), "datetime"), (_("Bank date"), "date"), (_("Account"), "text"),
               (_("Type"), "text"), (_("Reference"), "text"), (_("Counterpart"), "text"), (_("Order"), "text"),
               (_("Description"), "text"), (_("In"), kind), (_("Out"), kind), (_("Balance"), kind)]
    if book == "cn":
        columns.append((_("In VND"), "money_vnd"))
    summary = book_summary(db, actor, book, account_id, start, end)
    n = 0
    with Workbook(path, progress or NullProgress()) as wb:
        sheet = wb.sheet(_("VN money book") if book == "vn" else _("China money book"), title, subtitle, columns,
                         fields=[(_("Opening balance"), summary.opening)])
        after = None
        while True:
            page = book_lines(db, actor, book, account_id, start, end, after, 2000)
            for l in page:
                row = [l.id, l.at, l.value_date, l.account_name, _(ENTRY_KIND_LABELS.get(l.kind, l.kind)),
                       l.reference, l.counterpart, l.order_code, l.memo, l.money_in, l.money_out, l.balance]
                if book == "cn":
                    row.append(l.amount_vnd)
                sheet.write_row(row)
                n += 1
            if len(page) < 2000:
                break
            after = page[-1].id
        sheet.write_pairs([(_("Opening balance"), summary.opening), (_("Money in"), summary.money_in),
                           (_("Money out"), summary.money_out), (_("Closing balance"), summary.closing)])
    return n


def customer_names(tx: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(tx.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())


def user_name(tx: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return tx.scalar(select(User.full_name).where(User.id == user_id)) or ""

