"""Money reports: revenue and costs of the period by ledger account, net profit per completed
order and by month, the VN and China money books, and customer debts with their age.

Nothing here re-derives a money rule. Net profit is billing.NetProfit over the parts declared in
billing.PROFIT_PARTS (the order window reads the same table), the books are the ledger's own
(ledger.book_rows / book_summary_in), debts are OrderMoney's balance due aged by
billing.AGE_BUCKETS. So a figure here is the figure the order window and the money screens show.

Two views of profit, both named on their sheets:
- "Revenue and costs" counts ledger lines booked in the period, whatever order they belong to
  (what the books earned this month);
- "Net profit per order" and "Profit by month" take the orders completed in the period, each with
  everything booked on it (what the finished work earned), as the order window shows it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from decimal import Decimal
from typing import Any, Iterator

from sqlalchemy import case, func, literal, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.fees import DISCOUNTABLE, FEE_LABELS
from app.i18n import N_, _
from app.models import (CnyLot, CnyLotUse, Customer, JournalLine, LedgerAccount, Order, OrderMoney, User, Wallet)
from app.models.types import MoneyType, UTCDateTime
from app.money import CNY, VND, Money, round_money
from app.permissions import Perm
from app.reports.base import (REPORTS, STREAM_CHUNK, CalendarSource, Column, Param, Report, ReportContext,
                              RowPage, SqlSource, Total)
from app.reports.orders import (CARE_STAFF, GRAIN, KIND, ORDERING_STAFF, TYPE_COLUMN, kind_is,
                                received_where, with_people)
from app.reports.sql import in_period, in_range, local_bucket
from app.services import ledger
from app.services.billing import AGE_BUCKETS, FEE_ACCOUNT_PREFIX, PROFIT_PARTS, NetProfit, age_bucket
from app.workflows.orders import OrderStatus

PARTS = tuple(PROFIT_PARTS)
PART_LABELS = {
    "fees": N_("Fees"),
    "bargaining": N_("Bargaining profit"),
    "fx_margin": N_("FX margin"),
    "freight_cost": N_("Freight cost"),
    "unrecovered": N_("Unrecovered costs"),
    "compensation": N_("Compensation"),
    "commissions": N_("Commissions"),
}
FEE_CODES = tuple(DISCOUNTABLE)          # every fee with its own revenue account


def _money(expr: Any, currency: str = VND) -> ColumnElement:
    return type_coerce(expr, MoneyType(currency))


def _in_part(part: str, code: Any) -> ColumnElement:
    """An account code belongs to a part of net profit (billing.PROFIT_PARTS)."""
    codes, _side = PROFIT_PARTS[part]
    if part == "fees":
        return code.startswith(FEE_ACCOUNT_PREFIX, autoescape=True)
    return code.in_(codes)


def _part_sums(amount: Any, code: Any) -> list[ColumnElement]:
    """One signed sum per part, read on its side (revenue positive, cost positive), minor units."""
    return [(func.coalesce(func.sum(case((_in_part(p, code), amount), else_=0)), 0) * -PROFIT_PARTS[p][1]).label(p)
            for p in PARTS]


def _profit_lines(orders_where: list):
    """Per order of ``orders_where``: the sum of each part over every VND line booked on it —
    what billing.net_profit_of reads, for many orders at once."""
    return (select(JournalLine.order_id.label("oid"), *_part_sums(JournalLine.amount, LedgerAccount.code))
            .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(JournalLine.currency == VND, JournalLine.order_id.in_(select(Order.id).where(*orders_where)))
            .group_by(JournalLine.order_id).subquery("order_profit"))


def _currency_lines(orders_where: list):
    """Per order of ``orders_where``: what its yuan cost less than the buying rate predicted
    (CNY lots, first in first out), in đồng."""
    return (select(CnyLotUse.order_id.label("oid"),
                   func.sum(CnyLotUse.vnd_predicted - CnyLotUse.vnd).label("currency_result"))
            .where(CnyLotUse.order_id.in_(select(Order.id).where(*orders_where)))
            .group_by(CnyLotUse.order_id).subquery("order_currency"))


def net_profit_of_row(row: Any) -> NetProfit:
    return NetProfit(**{p: getattr(row, p) for p in PARTS})


def per_order(total: Money, orders: int) -> Money | None:
    """A total shared over orders, to the đồng (half up, as all money)."""
    if not orders:
        return None
    return Money(round_money(total.amount / orders, VND), VND)


# -- revenue and costs of the period, by account ---------------------------------------------------------

def _part_rank(code: Any) -> ColumnElement:
    return case(*[(_in_part(p, code), i) for i, p in enumerate(PARTS)], else_=None)


def _profit_accounts(code: Any) -> ColumnElement:
    return _part_rank(code).isnot(None)


def _revenue(ctx: ReportContext):
    code = LedgerAccount.code
    return (select(code.label("code"), _part_rank(code).label("part_rank"),
                   _money(-func.sum(JournalLine.amount)).label("credit"),
                   func.count().label("lines"))
            .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(JournalLine.currency == VND, in_period(JournalLine.at, ctx), _profit_accounts(code))
            .group_by(code))


def _revenue_totals(session: Session, ctx: ReportContext) -> Any:
    code = LedgerAccount.code
    fees = [(func.coalesce(func.sum(case((code == FEE_ACCOUNT_PREFIX + c, JournalLine.amount), else_=0)), 0) * -1)
            .label(f"fee_{c}") for c in FEE_CODES]
    row = session.execute(select(*_part_sums(JournalLine.amount, code), *fees)
                          .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                          .where(JournalLine.currency == VND, in_period(JournalLine.at, ctx))).one()
    values = {k: Money.from_minor(int(v or 0), VND) for k, v in row._mapping.items()}
    return SimpleNamespace(**values, result=NetProfit(**{p: values[p] for p in PARTS}).total)


def _part_of(row: Any) -> str:
    return PARTS[row.part_rank]


def _account_title(row: Any) -> str:
    known = ledger.SYSTEM_ACCOUNTS.get(row.code)
    return _(known[2]) if known else row.code


REPORTS.add(Report(
    "money.revenue", N_("Revenue and costs"), N_("Revenue and costs"),
    N_("What the ledger booked in the period on the accounts net profit is made of: each fee's "
       "revenue, bargaining profit and FX margin, and freight, unrecovered, compensation and "
       "commission costs — whichever order they belong to. The result is the period's net profit "
       "as the books see it."),
    (Column("account", N_("Account"), get=_account_title, width=260),
     Column("part", N_("Part of net profit"), get=lambda r: _(PART_LABELS[_part_of(r)]), width=160),
     Column("revenue", N_("Revenue (VND)"), "money_vnd",
            get=lambda r: r.credit if PROFIT_PARTS[_part_of(r)][1] > 0 else None, width=140),
     Column("cost", N_("Cost (VND)"), "money_vnd",
            get=lambda r: -r.credit if PROFIT_PARTS[_part_of(r)][1] < 0 else None, width=140),
     Column("lines", N_("Entries"), "int", width=80)),
    SqlSource(_revenue, ("part_rank", "code"), grouped=True),
    totals=(Total("fees", N_("Fees"), "money_vnd"),
            *[Total(f"fee_{c}", FEE_LABELS[c], "money_vnd") for c in FEE_CODES],
            Total("bargaining", N_("Bargaining profit"), "money_vnd"),
            Total("fx_margin", N_("FX margin"), "money_vnd"),
            Total("freight_cost", N_("Freight cost"), "money_vnd"),
            Total("unrecovered", N_("Unrecovered costs"), "money_vnd"),
            Total("compensation", N_("Compensation"), "money_vnd"),
            Total("commissions", N_("Commissions"), "money_vnd"),
            Total("result", N_("Net result of the period"), "money_vnd")),
    total_query=_revenue_totals, perm=Perm.VIEW_PROFIT, order=200))


# -- net profit per completed order -----------------------------------------------------------------------

def _net_profit(ctx: ReportContext):
    where = received_where(ctx)
    lines = _profit_lines(where)
    fx = _currency_lines(where)
    return with_people(select(
        Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
        Customer.code.label("customer_code"), Customer.name.label("customer_name"),
        CARE_STAFF.full_name.label("care_staff"), ORDERING_STAFF.full_name.label("ordering_staff"),
        Order.status_changed_at.label("received_at"),
        *[_money(func.coalesce(lines.c[p], 0)).label(p) for p in PARTS],
        _money(func.coalesce(fx.c.currency_result, 0)).label("currency_result"),
    )).outerjoin(lines, lines.c.oid == Order.id).outerjoin(fx, fx.c.oid == Order.id).where(*where)


def _profit_totals_where(session: Session, where: list) -> Any:
    lines = _profit_lines(where)
    row = session.execute(select(func.count(Order.id).label("orders"),
                                 *[func.coalesce(func.sum(lines.c[p]), 0).label(p) for p in PARTS])
                          .select_from(Order).outerjoin(lines, lines.c.oid == Order.id).where(*where)).one()
    profit = NetProfit(**{p: Money.from_minor(int(getattr(row, p)), VND) for p in PARTS})
    return SimpleNamespace(orders=row.orders, **{p: getattr(profit, p) for p in PARTS},
                           net_profit=profit.total, per_order=per_order(profit.total, row.orders))


def _net_profit_totals(session: Session, ctx: ReportContext) -> Any:
    return _profit_totals_where(session, received_where(ctx))


def _net_profit_and_currency_totals(session: Session, ctx: ReportContext) -> Any:
    """The net profit totals and the sum of the currency column (CNY lots against the buying rate)."""
    where = received_where(ctx)
    totals = _profit_totals_where(session, where)
    fx = _currency_lines(where)
    result = session.scalar(select(func.coalesce(func.sum(fx.c.currency_result), 0)))
    totals.currency_result = Money.from_minor(int(result), VND)
    return totals


_PROFIT_TOTALS = (
    Total("orders", N_("Completed orders"), "int"),
    *[Total(p, PART_LABELS[p], "money_vnd") for p in PARTS],
    Total("net_profit", N_("Net profit"), "money_vnd"),
    Total("per_order", N_("Net profit per order"), "money_vnd"),
)

REPORTS.add(Report(
    "money.net_profit", N_("Net profit per order"), N_("Net profit"),
    N_("Orders completed in the period, each with everything booked on it: fees + bargaining "
       "profit + FX margin − freight cost − unrecovered costs − compensation − commissions, "
       "as the order's money tab shows it. “Currency result” is what the yuan paid for the order "
       "really cost (CNY lots, first in first out) less than the buying rate predicted; it is "
       "not part of the FX margin."),
    (Column("code", N_("Order"), width=100), TYPE_COLUMN,
     Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=170),
     Column("care_staff", N_("Customer care"), width=140),
     Column("ordering_staff", N_("Ordering staff"), width=140),
     Column("received_at", N_("Received"), "datetime", width=130),
     *[Column(p, PART_LABELS[p], "money_vnd", width=120) for p in PARTS],
     Column("net_profit", N_("Net profit"), "money_vnd", get=lambda r: net_profit_of_row(r).total, width=130),
     Column("currency_result", N_("Currency result (CNY lots)"), "money_vnd", width=130)),
    SqlSource(_net_profit, ("received_at", "id")),
    params=(KIND,),
    totals=(*_PROFIT_TOTALS, Total("currency_result", N_("Currency result (CNY lots)"), "money_vnd")),
    total_query=_net_profit_and_currency_totals,
    perm=Perm.VIEW_PROFIT, order=210))


# -- profit by month (or week, day) ------------------------------------------------------------------------

def _profit_over_time(ctx: ReportContext, grain: str, lo: datetime, hi: datetime):
    where = [Order.status == OrderStatus.RECEIVED.value, in_range(Order.status_changed_at, lo, hi), kind_is(ctx)]
    lines = _profit_lines(where)
    bucket = local_bucket(Order.status_changed_at, grain, ctx.period.utc_offset_minutes, ctx.dialect)
    return (select(bucket.label("bucket"), func.count(Order.id).label("orders"),
                   *[_money(func.coalesce(func.sum(lines.c[p]), 0)).label(p) for p in PARTS])
            .select_from(Order).outerjoin(lines, lines.c.oid == Order.id).where(*where).group_by(bucket))


REPORTS.add(Report(
    "money.profit_over_time", N_("Profit by month"), N_("Profit by month"),
    N_("Per month (or week, day) of completion: the orders completed and what they earned, each "
       "with everything booked on it, as in “Net profit per order”."),
    (Column("bucket", N_("From"), "date", width=100),
     Column("orders", N_("Completed orders"), "int", width=90),
     *[Column(p, PART_LABELS[p], "money_vnd", width=120) for p in PARTS],
     Column("net_profit", N_("Net profit"), "money_vnd", get=lambda r: net_profit_of_row(r).total, width=130),
     Column("per_order", N_("Net profit per order"), "money_vnd",
            get=lambda r: per_order(net_profit_of_row(r).total, r.orders), width=130)),
    CalendarSource(_profit_over_time, {"orders": 0, **{p: Money.zero(VND) for p in PARTS}}),
    params=(GRAIN, KIND), totals=_PROFIT_TOTALS, total_query=_net_profit_totals,
    perm=Perm.VIEW_PROFIT, order=220))


# -- the money books ------------------------------------------------------------------------------------------

def _accounts_of(book: str):
    def choices(session: Session | None) -> list[tuple[str, str]]:
        out = [("all", N_("All accounts"))]
        if session is not None:
            from app.services.ledger import account_label

            out += [(str(i), account_label(code, name)) for i, code, name in session.execute(
                select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.name).where(LedgerAccount.book == book)
                .order_by(LedgerAccount.name, LedgerAccount.id))]
        return out
    return choices


@dataclass(frozen=True)
class BookSource:
    """The ledger's money book (ledger.book_rows), paged along the lines' posting order."""

    book: str

    def _args(self, ctx: ReportContext) -> tuple:
        account = ctx.params.get("account", "all")
        return self.book, (None if account == "all" else int(account)), ctx.start_utc, ctx.end_utc

    def page(self, session: Session, ctx: ReportContext, after: tuple | None, limit: int) -> RowPage:
        rows = ledger.book_rows(session, *self._args(ctx), after[0] if after else None, limit)
        return RowPage(rows, (rows[-1].id,) if rows else after, len(rows) < limit)

    def stream(self, session: Session, ctx: ReportContext) -> Iterator[Any]:
        after = None
        while True:
            rows = ledger.book_rows(session, *self._args(ctx), after, STREAM_CHUNK)
            yield from rows
            if len(rows) < STREAM_CHUNK:
                return
            after = rows[-1].id

    def count(self, session: Session, ctx: ReportContext) -> int:
        return int(session.scalar(select(func.count()).select_from(JournalLine)
                                  .where(*ledger.book_where(*self._args(ctx)))) or 0)


def _book_totals(book: str):
    def totals(session: Session, ctx: ReportContext) -> Any:
        return ledger.book_summary_in(session, *BookSource(book)._args(ctx))
    return totals


def _book_report(book: str, name: str, title: str, sheet: str, description: str, order: int) -> Report:
    kind = "money_vnd" if book == "vn" else "money_cny"
    columns = [Column("id", N_("No."), "int", width=70),
               Column("at", N_("Date"), "datetime", width=130),
               Column("value_date", N_("Bank date"), "date", width=95),
               Column("account_name", N_("Account"), width=170),
               Column("kind", N_("Type"), labels=ledger.ENTRY_KIND_LABELS, width=140),
               Column("reference", N_("Reference"), width=120),
               Column("counterpart", N_("Counterpart"), width=170),
               Column("order_code", N_("Order"), width=100),
               Column("memo", N_("Description"), width=300),
               Column("money_in", N_("In"), kind, width=120),
               Column("money_out", N_("Out"), kind, width=120),
               Column("balance", N_("Balance"), kind, width=130)]
    if book == "cn":
        columns.append(Column("amount_vnd", N_("In VND"), "money_vnd", width=130))
    return Report(
        name, title, sheet, description, tuple(columns), BookSource(book),
        params=(Param("account", N_("Account"), _accounts_of(book), "all"),),
        totals=(Total("opening", N_("Opening balance"), kind), Total("money_in", N_("Money in"), kind),
                Total("money_out", N_("Money out"), kind), Total("closing", N_("Closing balance"), kind)),
        total_query=_book_totals(book), perm=Perm.VIEW_MONEY, order=order)


REPORTS.add(_book_report(
    "vn", "money.book_vn", N_("VN money book"), N_("VN money book"),
    N_("Every movement of the period on the company's VND bank and cash accounts, in posting order, "
       "with the account's balance after it; opening and closing balances below."), 230))
REPORTS.add(_book_report(
    "cn", "money.book_cn", N_("China money book"), N_("China money book"),
    N_("Every movement of the period on the company's CNY accounts (Alipay, banks), in posting "
       "order, with the account's balance after it and the VND it was worth; opening and closing "
       "balances below."), 240))


# -- customer debts ---------------------------------------------------------------------------------------------

def _age_bucket_index(since: Any, now: datetime) -> ColumnElement:
    """Which of billing.AGE_BUCKETS a debt owed since ``since`` falls in at ``now``: "up to N days"
    holds while (now − since).days ≤ N, i.e. since > now − (N + 1) days — exact on both databases."""
    whens = [(since > now - timedelta(days=limit + 1), i) for i, (limit, _label) in enumerate(AGE_BUCKETS)
             if limit is not None]
    return case(*whens, else_=len(AGE_BUCKETS) - 1)


_DEBT_OWNER = User.__table__.alias("debt_care")


def _debtors(ctx: ReportContext):
    om = OrderMoney
    owed = om.due_since.isnot(None)
    index = _age_bucket_index(om.due_since, ctx.now)
    per_customer = (select(om.customer_id.label("customer_id"), func.count().label("orders"),
                           func.sum(om.balance_due).label("due"), func.min(om.due_since).label("oldest"),
                           *[func.sum(case((index == i, om.balance_due), else_=0)).label(f"b{i}")
                             for i in range(len(AGE_BUCKETS))])
                    .where(owed).group_by(om.customer_id).subquery("per_customer"))
    pc = per_customer.c
    return (select(pc.customer_id, Customer.code.label("customer_code"), Customer.name.label("customer_name"),
                   Customer.phone.label("phone"), _DEBT_OWNER.c.full_name.label("care_staff"), pc.orders,
                   *[_money(pc[f"b{i}"]).label(f"b{i}") for i in range(len(AGE_BUCKETS))],
                   _money(pc.due).label("due"), type_coerce(pc.oldest, UTCDateTime()).label("oldest"),
                   _money(-func.coalesce(LedgerAccount.balance, 0)).label("wallet"))
            .join(Customer, Customer.id == pc.customer_id)
            .outerjoin(_DEBT_OWNER, _DEBT_OWNER.c.id == Customer.care_staff_id)
            .outerjoin(Wallet, Wallet.customer_id == pc.customer_id)
            .outerjoin(LedgerAccount, LedgerAccount.id == Wallet.account_id))


def _debtors_totals(session: Session, ctx: ReportContext) -> Any:
    om = OrderMoney
    index = _age_bucket_index(om.due_since, ctx.now)
    row = session.execute(select(
        func.count(func.distinct(om.customer_id)).label("customers"), func.count().label("orders"),
        _money(func.coalesce(func.sum(om.balance_due), 0)).label("due"),
        *[_money(func.coalesce(func.sum(case((index == i, om.balance_due), else_=0)), 0)).label(f"b{i}")
          for i in range(len(AGE_BUCKETS))]).where(om.due_since.isnot(None))).one()
    return row


_BUCKET_TOTALS = tuple(Total(f"b{i}", label, "money_vnd") for i, (_limit, label) in enumerate(AGE_BUCKETS))

REPORTS.add(Report(
    "money.debts", N_("Customer debts by age"), N_("Debts by age"),
    N_("What each customer owes now on their orders (charged − paid), whatever the period chosen, "
       "split by how long it has been owed; the biggest debts first, with what their wallet holds."),
    (Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=180),
     Column("phone", N_("Phone"), width=110),
     Column("care_staff", N_("Customer care"), width=140),
     Column("orders", N_("Orders owing"), "int", width=80),
     *[Column(f"b{i}", label, "money_vnd", width=120) for i, (_limit, label) in enumerate(AGE_BUCKETS)],
     Column("due", N_("Total owed"), "money_vnd", width=130),
     Column("oldest", N_("Owed since"), "datetime", width=130),
     Column("wallet", N_("Wallet holds"), "money_vnd", width=130)),
    SqlSource(_debtors, ("due", "customer_id"), desc=True, grouped=True),
    totals=(Total("customers", N_("Customers"), "int"), Total("orders", N_("Orders owing"), "int"),
            *_BUCKET_TOTALS, Total("due", N_("Total owed"), "money_vnd")),
    total_query=_debtors_totals, perm=Perm.VIEW_MONEY, order=250))


def _debt_orders(ctx: ReportContext):
    om = OrderMoney
    return (select(om.order_id.label("order_id"), Customer.code.label("customer_code"),
                   Customer.name.label("customer_name"), Order.code.label("order_code"),
                   om.charged.label("charged"), om.balance_due.label("due"), om.due_since.label("due_since"),
                   literal(ctx.now, UTCDateTime()).label("now"))
            .join(Order, Order.id == om.order_id).join(Customer, Customer.id == om.customer_id)
            .where(om.due_since.isnot(None)))


def _age_days(row: Any) -> int:
    return (row.now - row.due_since).days           # as billing.customer_debts counts it


REPORTS.add(Report(
    "money.debt_orders", N_("Customer debts by order"), N_("Debts by order"),
    N_("Every order with money owed now (charged − paid), whatever the period chosen, the oldest "
       "debt first, with its age."),
    (Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=180),
     Column("order_code", N_("Order"), width=100),
     Column("charged", N_("Charged"), "money_vnd", width=130),
     Column("paid", N_("Paid"), "money_vnd", get=lambda r: r.charged - r.due, width=130),
     Column("due", N_("Owed"), "money_vnd", width=130),
     Column("due_since", N_("Owed since"), "datetime", width=130),
     Column("age_days", N_("Days owed"), "int", get=_age_days, width=80),
     Column("age", N_("Age"), get=lambda r: _(age_bucket(_age_days(r))), width=110)),
    SqlSource(_debt_orders, ("due_since", "order_id")),
    totals=(Total("orders", N_("Orders owing"), "int"), *_BUCKET_TOTALS, Total("due", N_("Total owed"), "money_vnd")),
    total_query=_debtors_totals, perm=Perm.VIEW_MONEY, order=260))


# -- CNY lots ---------------------------------------------------------------------------------------------------

LOT_SOURCES = {"purchase": N_("Bought"), "opening": N_("Opening balance"), "income": N_("Other income")}
LOT_USE_KINDS = {"payment": N_("Paid to a shop"), "refund": N_("Returned by the seller"),
                 "borrow": N_("Borrowed (no yuan left)"), "settle": N_("Borrowing settled")}


def _lot_rate(row: Any) -> Decimal:
    return (Decimal(row.vnd_total.minor) / row.cny_total.amount).quantize(Decimal("0.01")) \
        if row.cny_total.amount else Decimal(0)


def _account_where(ctx: ReportContext, column: Any) -> list:
    account = ctx.params.get("account", "all")
    return [] if account == "all" else [column == int(account)]


def _cny_lots(ctx: ReportContext):
    return (select(CnyLot.id.label("id"), CnyLot.acquired_at.label("acquired_at"),
                   CnyLot.value_date.label("value_date"), LedgerAccount.name.label("account_name"),
                   CnyLot.source.label("source"), CnyLot.reference.label("reference"),
                   _money(CnyLot.cny_total, CNY).label("cny_total"), _money(CnyLot.vnd_total).label("vnd_total"),
                   _money(CnyLot.cny_total - CnyLot.cny_left, CNY).label("cny_used"),
                   _money(CnyLot.cny_left, CNY).label("cny_left"), _money(CnyLot.vnd_left).label("vnd_left"))
            .join(LedgerAccount, LedgerAccount.id == CnyLot.account_id)
            .where(in_period(CnyLot.acquired_at, ctx), *_account_where(ctx, CnyLot.account_id)))


def _cny_lots_totals(session: Session, ctx: ReportContext) -> Any:
    row = session.execute(select(func.coalesce(func.sum(CnyLot.cny_total), 0).label("cny_total"),
                                 func.coalesce(func.sum(CnyLot.vnd_total), 0).label("vnd_total"),
                                 func.coalesce(func.sum(CnyLot.cny_left), 0).label("cny_left"),
                                 func.coalesce(func.sum(CnyLot.vnd_left), 0).label("vnd_left"))
                          .where(in_period(CnyLot.acquired_at, ctx), *_account_where(ctx, CnyLot.account_id))).one()
    return SimpleNamespace(cny_total=Money.from_minor(int(row.cny_total), CNY),
                           vnd_total=Money.from_minor(int(row.vnd_total), VND),
                           cny_left=Money.from_minor(int(row.cny_left), CNY),
                           vnd_left=Money.from_minor(int(row.vnd_left), VND))


REPORTS.add(Report(
    "money.cny_lots", N_("CNY lots"), N_("CNY lots"),
    N_("Yuan bought into each CNY account in the period, each purchase a lot with its own rate: "
       "how much of it payments to shops have used (first in, first out) and what is left, in "
       "yuan and in what those yuan cost in VND."),
    (Column("acquired_at", N_("Date"), "datetime", width=130),
     Column("value_date", N_("Bank date"), "date", width=95),
     Column("account_name", N_("Account"), width=170),
     Column("source", N_("Source"), labels=LOT_SOURCES, width=110),
     Column("reference", N_("Reference"), width=120),
     Column("cny_total", N_("Yuan"), "money_cny", width=120),
     Column("vnd_total", N_("Cost"), "money_vnd", width=130),
     Column("rate", N_("Rate"), "decimal", get=_lot_rate, width=90),
     Column("cny_used", N_("Used"), "money_cny", width=120),
     Column("cny_left", N_("Left"), "money_cny", width=120),
     Column("vnd_left", N_("Left (VND)"), "money_vnd", width=130)),
    SqlSource(_cny_lots, ("acquired_at", "id"), desc=True),
    params=(Param("account", N_("Account"), _accounts_of("cn"), "all"),),
    totals=(Total("cny_total", N_("Yuan"), "money_cny"), Total("vnd_total", N_("Cost"), "money_vnd"),
            Total("cny_left", N_("Left"), "money_cny"), Total("vnd_left", N_("Left (VND)"), "money_vnd")),
    total_query=_cny_lots_totals, perm=Perm.VIEW_MONEY, order=236))


def _cny_lot_uses(ctx: ReportContext):
    return (select(CnyLotUse.id.label("id"), CnyLotUse.at.label("at"), LedgerAccount.name.label("account_name"),
                   CnyLot.acquired_at.label("lot_date"), CnyLot.reference.label("lot_reference"),
                   CnyLotUse.kind.label("kind"), Order.code.label("order_code"),
                   _money(CnyLotUse.cny, CNY).label("cny"), _money(CnyLotUse.vnd).label("vnd"),
                   _money(CnyLotUse.vnd_predicted).label("vnd_predicted"),
                   _money(CnyLotUse.vnd_predicted - CnyLotUse.vnd).label("currency_result"))
            .join(LedgerAccount, LedgerAccount.id == CnyLotUse.account_id)
            .outerjoin(CnyLot, CnyLot.id == CnyLotUse.lot_id)
            .outerjoin(Order, Order.id == CnyLotUse.order_id)
            .where(in_period(CnyLotUse.at, ctx), *_account_where(ctx, CnyLotUse.account_id)))


def _cny_lot_uses_totals(session: Session, ctx: ReportContext) -> Any:
    row = session.execute(select(func.coalesce(func.sum(CnyLotUse.vnd), 0).label("vnd"),
                                 func.coalesce(func.sum(CnyLotUse.vnd_predicted - CnyLotUse.vnd), 0).label("r"))
                          .where(in_period(CnyLotUse.at, ctx), *_account_where(ctx, CnyLotUse.account_id))).one()
    return SimpleNamespace(vnd=Money.from_minor(int(row.vnd), VND),
                           currency_result=Money.from_minor(int(row.r), VND))


REPORTS.add(Report(
    "money.cny_lot_uses", N_("What used each CNY lot"), N_("CNY lot uses"),
    N_("Every payment to a shop, seller refund and borrowing in the period, with the lot it took "
       "its yuan from (first in, first out), their cost at that lot's rate, what the buying rate "
       "predicted, and the currency result (predicted − cost)."),
    (Column("at", N_("Date"), "datetime", width=130),
     Column("account_name", N_("Account"), width=160),
     Column("kind", N_("Type"), labels=LOT_USE_KINDS, width=150),
     Column("order_code", N_("Order"), width=100),
     Column("lot_date", N_("Lot of"), "datetime", width=130),
     Column("lot_reference", N_("Lot reference"), width=120),
     Column("cny", N_("Yuan"), "money_cny", width=110),
     Column("vnd", N_("Cost at the lot's rate"), "money_vnd", width=140),
     Column("vnd_predicted", N_("At the buying rate"), "money_vnd", width=140),
     Column("currency_result", N_("Currency result"), "money_vnd", width=130)),
    SqlSource(_cny_lot_uses, ("at", "id"), desc=True),
    params=(Param("account", N_("Account"), _accounts_of("cn"), "all"),),
    totals=(Total("vnd", N_("Cost at the lot's rate"), "money_vnd"),
            Total("currency_result", N_("Currency result"), "money_vnd")),
    total_query=_cny_lot_uses_totals, perm=Perm.VIEW_MONEY, order=237))
