"""Read models and wrappers for the money and statistics screens, shaped for the wire.

Each screen gets what it needs for its first paint in one call (a wallet with its statement, the
shop orders with the order's money and the CNY accounts, the fee settings' three tabs…), with
the server's "now" where a screen proposes today's date. Exports are built here and returned as
the workbook's bytes (the desktop asks for the path and writes the file); long ones report to
``app.progress.current_progress()``, the caller's progress when run in-process.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, TypeVar

from app.db import Database
from app.i18n import _
from app.permissions import Actor
from app.progress import current_progress
from app.reports import REPORTS, reader
from app.reports.base import Column, Period, TotalValue
from app.reports.dashboard import FigureValue, ReportData, dashboard
from app.reports.export import ReportRequest, export_reports
from app.services import billing, fee_policies, ledger, purchasing, rates, wallets
from app.services import settings as settings_service
from app.fees import FeeQuote
from app.services.billing import OrderMoneyView
from app.services.fee_policies import DiscountView, PolicyView, VipLevelView
from app.services.ledger import AccountView, BookLine, BookSummary
from app.services.purchasing import PurchasingView, RecordResult
from app.services.rates import AdjustmentInput, RateView
from app.services.wallets import WalletView

T = TypeVar("T")


def _xlsx_bytes(write: Callable[[Path], T]) -> tuple[bytes, T]:
    """Run ``write(path)`` on a throw-away file and return what it wrote, as bytes."""
    with tempfile.TemporaryDirectory(prefix="importdesk-export-") as folder:
        path = Path(folder) / "export.xlsx"
        result = write(path)
        return path.read_bytes(), result


# -- wallets and payments ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentForm:
    """The top-up / refund dialog: the VND accounts, the approval limit, the server's now, and the
    wallet of the customer it was opened for (None when the customer is chosen in it)."""

    accounts: list[AccountView]
    approval_limit_vnd: Decimal
    now: datetime
    wallet: WalletView | None


def payment_form(db: Database, actor: Actor, customer_id: int | None = None) -> PaymentForm:
    limit = settings_service.read_all(db)["money.approval_limit_vnd"]
    wallet = wallets.wallet_view(db, actor, customer_id) if customer_id is not None else None
    return PaymentForm(ledger.cash_accounts(db, actor, "vn"), Decimal(limit), db.clock.now(), wallet)


@dataclass(frozen=True)
class WalletWindowView:
    wallet: WalletView
    statement: list[BookLine]


def wallet_window(db: Database, actor: Actor, customer_id: int) -> WalletWindowView:
    return WalletWindowView(wallets.wallet_view(db, actor, customer_id), ledger.statement(db, actor, customer_id))


# -- money books ---------------------------------------------------------------------------------------

def _bounds(start: date, end: date, utc_offset_minutes: int) -> tuple[datetime, datetime]:
    """From midnight of ``start`` to midnight after ``end``, on the desktop's clock."""
    tz = timezone(timedelta(minutes=utc_offset_minutes))
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


@dataclass(frozen=True)
class BookView:
    """A page of a money book with its period's figures; the accounts when asked (first paint);
    ``start``/``end`` the period shown (this month up to today when none was given)."""

    accounts: list[AccountView] | None
    start: date
    end: date
    lines: list[BookLine]
    summary: BookSummary
    now: datetime


def book_view(db: Database, actor: Actor, book: str, account_id: int | None, start: date | None,
              end: date | None, utc_offset_minutes: int, after_id: int | None = None, limit: int = 500,
              with_accounts: bool = False) -> BookView:
    now = db.clock.now()
    today = now.astimezone(timezone(timedelta(minutes=utc_offset_minutes))).date()
    start, end = start or today.replace(day=1), end or today
    accounts = ledger.cash_accounts(db, actor, book, active_only=False) if with_accounts else None
    if accounts is not None and account_id not in {a.id for a in accounts}:
        account_id = None
    first, last = _bounds(start, end, utc_offset_minutes)
    lines = ledger.book_lines(db, actor, book, account_id, first, last, after_id, limit)
    summary = ledger.book_summary(db, actor, book, account_id, first, last)
    return BookView(accounts, start, end, lines, summary, now)


@dataclass(frozen=True)
class BookExport:
    data: bytes                                   # the .xlsx file
    rows: int


def export_book(db: Database, actor: Actor, book: str, account_id: int | None, start: date, end: date,
                utc_offset_minutes: int, title: str, subtitle: str) -> BookExport:
    first, last = _bounds(start, end, utc_offset_minutes)
    progress = current_progress()
    data, rows = _xlsx_bytes(lambda path: ledger.export_book_xlsx(db, actor, book, str(path), account_id, first,
                                                                  last, title, subtitle, progress))
    return BookExport(data, rows)


@dataclass(frozen=True)
class CnyPurchaseForm:
    cny_accounts: list[AccountView]
    vnd_accounts: list[AccountView]
    now: datetime


def cny_purchase_form(db: Database, actor: Actor) -> CnyPurchaseForm:
    return CnyPurchaseForm(ledger.cash_accounts(db, actor, "cn"), ledger.cash_accounts(db, actor, "vn"),
                           db.clock.now())


# -- billing and purchasing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    """``billing.PackageInput`` as numbers (the screen reads what was typed; 0 = not measured)."""

    actual_kg: Decimal
    length_cm: Decimal = Decimal(0)
    width_cm: Decimal = Decimal(0)
    height_cm: Decimal = Decimal(0)


def _packages(packages: list[Package]) -> list[billing.PackageInput]:
    return [billing.PackageInput(p.actual_kg, p.length_cm, p.width_cm, p.height_cm) for p in packages]


def measured_packages(db: Database, actor: Actor, order_id: int) -> list[Package]:
    return [Package(*(Decimal(str(x)) for x in (p.actual_kg, p.length_cm, p.width_cm, p.height_cm)))
            for p in billing.measured_packages(db, actor, order_id)]


def preview_billing(db: Database, actor: Actor, order_id: int, packages: list[Package],
                    deliver: bool = True) -> FeeQuote:
    return billing.preview_billing(db, actor, order_id, _packages(packages), deliver)


def issue_billing_notice(db: Database, actor: Actor, order_id: int, packages: list[Package],
                         deliver: bool = True) -> int:
    return billing.issue_billing_notice(db, actor, order_id, _packages(packages), deliver)


@dataclass(frozen=True)
class ShopOrderFigures:
    """``purchasing.ShopOrderInput`` with the amounts as numbers."""

    platform_order_no: str
    goods_cny: Decimal
    domestic_shipping_cny: Decimal
    shop_discount_cny: Decimal
    paying_account_id: int | None
    quantities: dict[int, int]
    note: str = ""
    tracking_codes: list[str] = field(default_factory=list)


def record_shop_order(db: Database, actor: Actor, shop_order_id: int, data: ShopOrderFigures,
                      seen_version: int | None = None) -> RecordResult:
    return purchasing.record_shop_order(db, actor, shop_order_id, purchasing.ShopOrderInput(
        data.platform_order_no, data.goods_cny, data.domestic_shipping_cny, data.shop_discount_cny,
        data.paying_account_id, dict(data.quantities), data.note, list(data.tracking_codes)), seen_version)


# -- purchasing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShopOrdersView:
    purchasing: PurchasingView
    money: OrderMoneyView
    accounts: list[AccountView]                   # the CNY accounts a shop is paid from


def shop_orders_view(db: Database, actor: Actor, order_id: int) -> ShopOrdersView:
    return ShopOrdersView(purchasing.purchasing_view(db, actor, order_id),
                          billing.order_money_view(db, actor, order_id), ledger.cash_accounts(db, actor, "cn"))


# -- exchange rates and fees ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RatesView:
    levels: list[VipLevelView]
    current: dict[str, Decimal | None]
    history: list[RateView]
    now: datetime


def rates_view(db: Database, actor: Actor) -> RatesView:
    return RatesView(fee_policies.list_vip_levels(db, actor), rates.current_values(db), rates.history(db, actor),
                     db.clock.now())


def set_exchange_rate(db: Database, actor: Actor, kind: str, value: Decimal, effective_from: datetime,
                      adjustments: list[AdjustmentInput], note: str = "") -> int:
    """``rates.set_rate`` with the value as a number (the screen reads what was typed)."""
    return rates.set_rate(db, actor, kind, value, effective_from, adjustments, note)


@dataclass(frozen=True)
class FeesView:
    """The fee settings' three tabs, for the dialog's first paint."""

    levels: list[VipLevelView]
    policies: list[PolicyView]
    codes: list[DiscountView]
    now: datetime


def fees_view(db: Database, actor: Actor) -> FeesView:
    return FeesView(fee_policies.list_vip_levels(db, actor), fee_policies.list_policies(db, actor),
                    fee_policies.list_discount_codes(db, actor), db.clock.now())


# -- statistics ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnInfo:
    """A report column as screens show it (the declaration's row functions stay on the server)."""

    key: str
    title: str                                    # N_ msgid
    kind: str
    width: int


def _columns(columns: tuple[Column, ...]) -> tuple[ColumnInfo, ...]:
    return tuple(ColumnInfo(c.key, c.title, c.kind, c.width) for c in columns)


@dataclass(frozen=True)
class ReportInfo:
    name: str
    title: str                                    # N_ msgids
    description: str
    sheet: str


@dataclass(frozen=True)
class StatsWindowView:
    company: str
    page_size: int
    now: datetime
    reports: list[ReportInfo]                     # those the actor may open, in the screen's order


def stats_window(db: Database, actor: Actor) -> StatsWindowView:
    settings = settings_service.read_all(db)
    return StatsWindowView(settings["company.name"], settings["ui.page_size"], db.clock.now(),
                           [ReportInfo(r.name, r.title, r.description, r.sheet) for r in reader.reports_for(actor)])


@dataclass(frozen=True)
class StatsPage:
    rows: list[tuple[Any, ...]]
    last_key: tuple[Any, ...] | None
    exhausted: bool


@dataclass(frozen=True)
class StatsReportView:
    """``reader.ReportView`` for the wire."""

    name: str
    title: str
    description: str
    columns: tuple[ColumnInfo, ...]
    params: dict[str, str]
    caption: list[str]
    first: StatsPage
    count: int
    totals: list[TotalValue]
    param_views: list[reader.ParamView]           # its filters with their choices (the screen's boxes)


def open_report(db: Database, actor: Actor, name: str, period: Period, params: dict[str, str],
                limit: int = 100) -> StatsReportView:
    v = reader.open_report(db, actor, name, period, params, limit)
    first = StatsPage([tuple(r) for r in v.first.rows], v.first.last_key, v.first.exhausted)
    return StatsReportView(v.name, v.title, v.description, _columns(v.columns), dict(v.params), list(v.caption),
                           first, v.count, list(v.totals), reader.param_views(db, actor, name))


def report_page(db: Database, actor: Actor, name: str, period: Period, params: dict[str, str],
                after: tuple[Any, ...] | None, limit: int = 100) -> StatsPage:
    page = reader.report_page(db, actor, name, period, params, after, limit)
    return StatsPage([tuple(r) for r in page.rows], page.last_key, page.exhausted)


@dataclass(frozen=True)
class StatsChart:
    """``dashboard.ReportData`` for the wire."""

    name: str
    title: str
    columns: tuple[ColumnInfo, ...]
    params: dict[str, str]
    rows: list[tuple[Any, ...]]
    totals: list[TotalValue]
    complete: bool


@dataclass(frozen=True)
class StatsDashboard:
    period: Period
    grain: str
    figures: list[FigureValue]
    charts: dict[str, StatsChart]
    report_titles: dict[str, str]                 # report name -> its title, translated

    def figure(self, key: str) -> FigureValue:
        return next(f for f in self.figures if f.key == key)


def _chart(data: ReportData) -> StatsChart:
    return StatsChart(data.name, data.title, _columns(data.columns), dict(data.params),
                      [tuple(r) for r in data.rows], list(data.totals), data.complete)


def stats_dashboard(db: Database, actor: Actor, period: Period, by: str = "auto") -> StatsDashboard:
    board = dashboard(db, actor, period, by, current_progress())
    titles = {f.report: _(REPORTS[f.report].title) for f in board.figures}
    return StatsDashboard(board.period, board.grain, list(board.figures),
                          {k: _chart(v) for k, v in board.charts.items()}, titles)


@dataclass(frozen=True)
class StatsExport:
    data: bytes                                   # the .xlsx file
    rows: dict[str, int]                          # report name -> data rows written


def export_stats(db: Database, actor: Actor, names: list[str], params: dict[str, dict[str, str]],
                 period: Period) -> StatsExport:
    """The named reports, one sheet each (``params`` per report name), as an .xlsx file's bytes."""
    requests = [ReportRequest(n, dict(params.get(n, {}))) for n in names]
    progress = current_progress()
    data, result = _xlsx_bytes(lambda path: export_reports(db, actor, requests, period, path, progress))
    return StatsExport(data, dict(result.rows))
