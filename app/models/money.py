"""Money: exchange rates (tỷ giá), fee policy sets, discount codes, wallets (ví), the double-entry
ledger (sổ cái: accounts, entries, lines), top-ups/refunds, billing notices and supplementary
bills (truy thu), and each order's money (rate applied, deposit held, balance due).

Booked amounts are integer minor units (MoneyType / BigInteger); rates are Fixed(6) Decimals.
Journal entries and their lines are append-only: the database refuses UPDATE and DELETE on them
(triggers in migration 0002); a mistake is corrected by a reversing entry.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import Fixed, MoneyType
from app.money import CNY, VND, Money


class ExchangeRate(Base):
    """A selling (charged to customers) or buying (paid for CNY) rate, effective from a time.

    ``value`` is VND per 1 CNY. Rates are never edited: a new row takes over from its time.
    """

    __tablename__ = "exchange_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))          # "selling" | "buying"
    value: Mapped[Decimal] = mapped_column(Fixed(6))
    effective_from: Mapped[datetime]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_by_name: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")

    adjustments: Mapped[list["RateAdjustment"]] = relationship(
        back_populates="rate", cascade="all, delete-orphan", order_by="RateAdjustment.id")

    __table_args__ = (Index("ix_exchange_rates_current", "kind", "effective_from", "id"),)


class RateAdjustment(Base):
    """A selling-rate adjustment for one customer group (or all: no VIP level) from an order
    value upwards, e.g. VIP 3 orders from ¥5,000 get −20 ₫ per ¥."""

    __tablename__ = "rate_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_id: Mapped[int] = mapped_column(ForeignKey("exchange_rates.id", ondelete="CASCADE"))
    vip_level_id: Mapped[int | None] = mapped_column(ForeignKey("vip_levels.id"))
    min_goods_cny: Mapped[Money] = mapped_column(MoneyType(CNY))
    delta: Mapped[Decimal] = mapped_column(Fixed(6))

    rate: Mapped[ExchangeRate] = relationship(back_populates="adjustments")

    __table_args__ = (Index("ix_rate_adjustments_rate", "rate_id", "vip_level_id"),)


class FeePolicy(Base):
    """A versioned fee policy set (biểu phí) for one customer group, effective from a time.

    ``rules`` is the tariff the fee engine reads (app.fees.Tariff, decimals as text). Once its
    time has come a set is never edited; a new version is made by copying it.
    """

    __tablename__ = "fee_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: None: the default set for customers whose group has none of its own
    vip_level_id: Mapped[int | None] = mapped_column(ForeignKey("vip_levels.id"))
    version: Mapped[int] = mapped_column(default=1)
    effective_from: Mapped[datetime]
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("fee_policies.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}
    # version numbers count up per customer group; the default set (no group) has its own
    __table_args__ = (Index("ix_fee_policies_current", "vip_level_id", "effective_from", "id"),
                      Index("uq_fee_policies_version", "vip_level_id", "version", unique=True),
                      Index("uq_fee_policies_default_version", "version", unique=True,
                            sqlite_where=text("vip_level_id IS NULL"),
                            postgresql_where=text("vip_level_id IS NULL")))


class DiscountCode(Base):
    """A discount code (mã giảm giá): percent or amount off the fees it names, valid for a
    period, with usage limits overall and per customer, optionally for one customer only."""

    __tablename__ = "discount_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    percent: Mapped[Decimal | None] = mapped_column(Fixed(2))
    amount: Mapped[Money | None] = mapped_column(MoneyType(VND))
    #: the fee codes it applies to, comma separated (app.fees.FEE_LABELS)
    fee_codes: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    max_uses: Mapped[int | None]
    max_uses_per_customer: Mapped[int | None]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    used_count: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def fee_code_set(self) -> frozenset[str]:
        return frozenset(c for c in self.fee_codes.split(",") if c)


class DiscountUse(Base):
    """A discount code applied to one order (one code per order)."""

    __tablename__ = "discount_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("discount_codes.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (Index("ix_discount_uses_code_customer", "code_id", "customer_id"),)


class LedgerAccount(Base):
    """An account of the ledger: a customer's wallet, a company VND bank/cash or CNY account,
    a revenue or cost account.

    ``balance`` (debit positive, minor units) is kept — by atomic UPDATEs in the posting
    transaction — for the accounts that need it at once: wallets (the credit-limit check) and
    the company's cash accounts (the money books' running balance). Revenue, cost and the
    receivable are summed from their lines when asked; keeping a balance on them would make
    every posting in the company queue behind one row.
    """

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: asset, liability, revenue, expense, exchange
    kind: Mapped[str] = mapped_column(String(12))
    #: "VND", "CNY", or "*" for the currency-exchange account that holds both
    currency: Mapped[str] = mapped_column(String(3))
    #: money book the account belongs to: "vn" (VND cash/bank), "cn" (CNY accounts) or None
    book: Mapped[str | None] = mapped_column(String(2))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), unique=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    #: a company (book) account's name as the no-two-alike rule compares it (trimmed, NFC,
    #: lower case); None for wallets and system accounts, which the rule does not cover
    name_key: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (Index("ix_ledger_accounts_book", "book", "code"),
                      Index("uq_ledger_accounts_name", "name_key", unique=True))

    @property
    def tracked(self) -> bool:
        """Whether ``balance`` and the lines' ``balance_after`` are kept for this account."""
        return self.customer_id is not None or self.book is not None

    @property
    def credit_normal(self) -> bool:
        return self.kind in ("liability", "revenue")

    def shown_balance(self) -> Money:
        """The balance as people read it: a wallet's money, a bank's cash, a revenue earned."""
        minor = -self.balance if self.credit_normal else self.balance
        return Money.from_minor(minor, self.currency if self.currency != "*" else VND)


class Wallet(Base):
    """A customer's wallet (ví): its ledger account and the credit limit a manager granted."""

    __tablename__ = "wallets"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    credit_limit: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    credit_granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    credit_granted_at: Mapped[datetime | None]
    credit_note: Mapped[str] = mapped_column(Text, default="")

    account: Mapped[LedgerAccount] = relationship()


class JournalEntry(Base):
    """One money movement (bút toán): its lines sum to zero in each currency. Never edited."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    #: when the money really moved (the bank's date of a transfer), if not ``at``
    value_date: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    #: as written (English where ``memo_key`` is set; the text itself on older rows and on
    #: what people typed)
    memo: Mapped[str] = mapped_column(Text, default="")
    #: the memo's msgid and values (app.i18n.Message), read in the reader's language
    memo_key: Mapped[str | None] = mapped_column(Text)
    memo_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(String(120), default="")
    counterpart: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    shop_order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_orders.id"))
    #: selling/buying rates the entry converted with (VND per CNY), for the record
    rate: Mapped[Decimal | None] = mapped_column(Fixed(6))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)

    lines: Mapped[list["JournalLine"]] = relationship(back_populates="entry", order_by="JournalLine.id")

    __table_args__ = (Index("ix_journal_entries_order", "order_id", "id"),
                      Index("ix_journal_entries_customer", "customer_id", "id"),
                      Index("ix_journal_entries_kind", "kind", "at", "id"))


class JournalLine(Base):
    """One side of an entry on one account: signed minor units (debit +, credit −) and, for a
    wallet or cash account, its balance right after it (the running balance books show)."""

    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int | None] = mapped_column(BigInteger)
    #: the VND value of a CNY line at the entry's rate (money books show both)
    amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    #: copied from the entry and the account so books and statements page on one index
    at: Mapped[datetime]
    book: Mapped[str | None] = mapped_column(String(2))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[LedgerAccount] = relationship()

    #: books and statements run in posting order (the order balance_after was computed in)
    __table_args__ = (Index("ix_journal_lines_account", "account_id", "id"),
                      Index("ix_journal_lines_book", "book", "id"),
                      Index("ix_journal_lines_order", "order_id", "account_id"),
                      Index("ix_journal_lines_entry", "entry_id", "id"))

    @property
    def money(self) -> Money:
        return Money.from_minor(self.amount, self.currency)


class Payment(Base):
    """A top-up (nạp tiền) or refund paid out (hoàn tiền) recorded by an accountant.

    Above the approval limit it waits for a second person; it reaches the ledger when posted.
    """

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))                   # "topup" | "refund"
    status: Mapped[str] = mapped_column(String(20))                 # awaiting_approval, posted, rejected
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Money] = mapped_column(MoneyType(VND))
    bank_reference: Mapped[str] = mapped_column(String(80), default="")
    #: the reference as the duplicate rule compares it (app.services.wallets.reference_key);
    #: None once the payment is rejected, so a rejected one never blocks recording it again
    reference_key: Mapped[str | None] = mapped_column(String(80))
    received_on: Mapped[date] = mapped_column(Date)
    cash_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_payments_status", "status", "created_at", "id"),
                      Index("ix_payments_customer", "customer_id", "id"),
                      Index("ix_payments_reference", "bank_reference"),
                      # one payment per reference, kind and company account: eight desktops
                      # recording the same transfer at once credit the wallet once
                      Index("uq_payments_reference", "cash_account_id", "kind", "reference_key", unique=True))


class Bill(Base):
    """A billing notice (thông báo cước) when weight and freight are known, or a supplementary
    bill (truy thu) after a re-weigh or an extra service, which a manager approves.

    ``lines`` keeps each charge with the explanation of how it was computed, as issued.
    """

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(14))                  # "notice" | "supplementary"
    status: Mapped[str] = mapped_column(String(20))                # issued, proposed, approved, rejected
    amount: Mapped[Money] = mapped_column(MoneyType(VND))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    packages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_bills_status", "status", "created_at", "id"),
                      Index("ix_bills_order", "order_id", "id"))


class OrderMoney(Base):
    """An order's money: the rate and fee policy applied to it, the deposit held, what it was
    charged and what is still due (charged − paid), and since when (for debt ageing)."""

    __tablename__ = "order_money"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: the selling rate applied to the order (VND per CNY), fixed when the deposit is taken
    selling_rate: Mapped[Decimal | None] = mapped_column(Fixed(6))
    rate_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_rates.id"))
    fee_policy_id: Mapped[int | None] = mapped_column(ForeignKey("fee_policies.id"))
    deposit_percent: Mapped[Decimal | None] = mapped_column(Fixed(2))
    deposit_held: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    charged: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    #: receivable balance of the order: charged − paid (negative: paid in advance)
    balance_due: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    due_since: Mapped[datetime | None]
    discount_code_id: Mapped[int | None] = mapped_column(ForeignKey("discount_codes.id"))
    #: declared value for cargo insurance (default: the goods value)
    declared_value: Mapped[Money | None] = mapped_column(MoneyType(VND))
    service_fee_booked: Mapped[bool] = mapped_column(default=False)
    billed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_order_money_debts", "due_since", "order_id"),
                      Index("ix_order_money_customer", "customer_id", "order_id"))


class CommissionAccrual(Base):
    """A commission earned on a completed order (hoa hồng): one row per person and role — the
    order's customer care and ordering staff, and each forwarder per warehouse they received the
    order's parcels into — at the rates in the settings when the order completed. Written once,
    with the journal entry that books them (commission_expense / commissions_payable), and never
    edited: a later change of rates does not touch what was earned.

    ``role``: "care", "ordering" (``fee`` is the order's service fee, ``rate`` a percentage:
    2.50 means 2.5 %), or "forwarder_cn", "forwarder_vn" (``kg`` is the weight received,
    ``parcels`` how many, ``warehouse_id`` where, ``rate`` VND per kg: 300.00 means 300 ₫/kg).
    ``amount`` is the commission, rounded to the đồng once per row by the money rule.
    """

    __tablename__ = "commission_accruals"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    parcels: Mapped[int] = mapped_column(default=0)
    fee: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    kg: Mapped[Decimal] = mapped_column(Fixed(3), default=Decimal(0))
    rate: Mapped[Decimal] = mapped_column(Fixed(2))
    amount: Mapped[Money] = mapped_column(MoneyType(VND))
    #: when the order completed (its "received" step)
    at: Mapped[datetime]
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))

    __table_args__ = (Index("ix_commission_accruals_at", "at", "id"),
                      Index("ix_commission_accruals_order", "order_id", "id"))


class CnyLot(Base):
    """Yuan that came into one CNY account together, with what they cost in VND (a lot).

    Money leaves a CNY account first in, first out: each payment to a Chinese shop takes from
    the oldest lot that has yuan left, at that lot's rate (``CnyLotUse``). ``cny_left`` and
    ``vnd_left`` shrink together; the last yuan of a lot takes the last đồng, so a lot's uses add
    up to exactly what it cost. The sum of an account's ``cny_left`` equals its balance."""

    __tablename__ = "cny_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    #: purchase (bought with VND) | opening (balance before lots were kept) | income (other yuan in)
    source: Mapped[str] = mapped_column(String(12))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    acquired_at: Mapped[datetime]
    value_date: Mapped[date | None] = mapped_column(Date)
    cny_total: Mapped[int] = mapped_column(BigInteger)
    vnd_total: Mapped[int] = mapped_column(BigInteger)
    cny_left: Mapped[int] = mapped_column(BigInteger)
    vnd_left: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (Index("ix_cny_lots_fifo", "account_id", "acquired_at", "id"),
                      CheckConstraint("cny_left >= 0 AND cny_left <= cny_total", name="ck_cny_lots_left"),
                      CheckConstraint("cny_total > 0", name="ck_cny_lots_total"))

    @property
    def rate(self) -> Decimal:
        return (Decimal(self.vnd_total) / (Decimal(self.cny_total) / 100)).quantize(Decimal("0.000001")) \
            if self.cny_total else Decimal(0)


class CnyLotUse(Base):
    """Yuan taken from a lot (``cny`` > 0) or given back to it (< 0, a seller's refund returns
    at the rate it left), with their VND cost at the lot's rate. A use with no lot is borrowed:
    paid from an account that had no yuan left (where the company allows it), valued at the
    buying rate until the next lot settles it (``settles_id`` on the settling pair)."""

    __tablename__ = "cny_lot_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("cny_lots.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    shop_order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_orders.id"))
    kind: Mapped[str] = mapped_column(String(12))   # payment | refund | borrow | settle
    cny: Mapped[int] = mapped_column(BigInteger)
    vnd: Mapped[int] = mapped_column(BigInteger)
    #: what the buying rate in force when the yuan left predicted they cost (the currency result
    #: of an order is Σ vnd_predicted − Σ vnd)
    vnd_predicted: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the borrowed use this one settles (a settle pair: −borrowed, +from the new lot)
    settles_id: Mapped[int | None] = mapped_column(ForeignKey("cny_lot_uses.id"))
    at: Mapped[datetime]

    __table_args__ = (Index("ix_cny_lot_uses_lot", "lot_id", "id"),
                      Index("ix_cny_lot_uses_order", "order_id"),
                      Index("ix_cny_lot_uses_shop_order", "shop_order_id"),
                      Index("ix_cny_lot_uses_account", "account_id", "lot_id", "id"))
