"""The manager's dashboard: headline figures and the figures behind each chart, for a period.

Every figure is a total of a declared report and every chart is a report's rows, read through
the same functions the reports screen and the export use — so the dashboard, the report and
the workbook show the same number. Capabilities add figures with ``FIGURES.append(Figure(...))``;
a figure or chart whose report the person may not see (an accountant sees money, not orders
statistics they lack the permission for) is simply left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from app.db import Database
from app.i18n import N_, _
from app.permissions import Actor, Perm, require
from app.progress import NullProgress, Progress
from app.reports import reader
from app.fees import FEE_LABELS
from app.reports.base import REPORTS, Column, Period, TotalValue, auto_grain
from app.reports.money import FEE_CODES

CHART_ROWS = 1000   # a chart with more points would not be readable anyway


ORDERS, MONEY, FEES = N_("Orders"), N_("Money"), N_("Revenue by fee type")


@dataclass(frozen=True)
class Figure:
    key: str
    title: str                                    # N_ msgid
    report: str
    total: str                                    # the key of one of the report's totals
    params: Mapping[str, str] = field(default_factory=dict)
    group: str = ORDERS                           # N_ msgid: the row of tiles it sits in


FIGURES: list[Figure] = [
    Figure("orders", N_("Orders"), "orders.by_status", "orders"),
    Figure("purchase", N_("Purchase orders"), "orders.by_status", "purchase"),
    Figure("consignment", N_("Consignment orders"), "orders.by_status", "consignment"),
    Figure("goods_cny", N_("Goods value (CNY)"), "orders.by_status", "goods_cny"),
    Figure("received", N_("Completed orders"), "orders.received", "orders"),
    Figure("exits", N_("Cancelled or lost"), "orders.over_time", "exits"),
    Figure("delayed", N_("Delayed deliveries"), "orders.delayed", "delayed"),
    Figure("delayed_share", N_("Delayed (%)"), "orders.delayed", "delayed_share"),
    Figure("complaints", N_("Complaints opened"), "complaints.rate", "complaints"),
    Figure("complaint_rate", N_("Complaints per 100 delivered orders"), "complaints.rate", "rate"),
    Figure("satisfaction", N_("Average satisfaction (1–5)"), "satisfaction.by_month", "average"),
    Figure("acceptance", N_("Inspection acceptance (%)"), "inspections.acceptance", "acceptance_rate"),
    Figure("confirm_avg", N_("Time to confirm, average (h)"), "staff.kpi", "confirm_avg"),
    Figure("confirm_median", N_("Time to confirm, median (h)"), "staff.kpi", "confirm_median"),
    Figure("buy_avg", N_("Time to buy, average (h)"), "staff.kpi", "buy_avg"),
    Figure("buy_median", N_("Time to buy, median (h)"), "staff.kpi", "buy_median"),
    # money: the period's books, and what the orders completed in it earned
    Figure("fees", N_("Fee revenue"), "money.revenue", "fees", group=MONEY),
    Figure("net_profit", N_("Net profit of completed orders"), "money.net_profit", "net_profit", group=MONEY),
    Figure("profit_per_order", N_("Net profit per order"), "money.net_profit", "per_order", group=MONEY),
    Figure("fx_margin", N_("FX margin"), "money.revenue", "fx_margin", group=MONEY),
    Figure("bargaining", N_("Bargaining profit"), "money.revenue", "bargaining", group=MONEY),
    Figure("freight_cost", N_("Freight cost"), "money.revenue", "freight_cost", group=MONEY),
    Figure("result", N_("Net result of the period"), "money.revenue", "result", group=MONEY),
    Figure("debts", N_("Customers owe now"), "money.debts", "due", group=MONEY),
    *[Figure(f"fee_{code}", FEE_LABELS[code], "money.revenue", f"fee_{code}", group=FEES) for code in FEE_CODES],
]


@dataclass(frozen=True)
class Chart:
    report: str
    params: Mapping[str, str] = field(default_factory=dict)   # over the period bar's "Group by"


#: chart name -> the report whose rows it draws (and whose table sits beside it)
CHARTS: dict[str, Chart] = {
    "volumes": Chart("orders.over_time"),
    "funnel": Chart("orders.funnel"),
    "types": Chart("orders.by_status"),
    "profit": Chart("money.profit_over_time", {"by": "month"}),
}


@dataclass(frozen=True)
class FigureValue:
    key: str
    title: str                                    # translated
    value: Any
    kind: str
    report: str
    group: str                                    # translated


@dataclass(frozen=True)
class ReportData:
    name: str
    title: str
    columns: tuple[Column, ...]
    params: dict[str, str]
    rows: list[tuple]
    totals: list[TotalValue]
    complete: bool


@dataclass(frozen=True)
class Dashboard:
    period: Period
    grain: str
    figures: list[FigureValue]
    charts: dict[str, ReportData]

    def figure(self, key: str) -> FigureValue:
        return next(f for f in self.figures if f.key == key)


def dashboard(db: Database, actor: Actor, period: Period, by: str = "auto",
              progress: Progress | None = None) -> Dashboard:
    """Every figure and chart of the period, read in one snapshot."""
    require(actor, Perm.VIEW_STATISTICS)
    progress = progress or NullProgress()
    grain = auto_grain(period) if by == "auto" else by
    visible = {r.name for r in reader.reports_for(actor)}
    figures_wanted = [f for f in FIGURES if f.report in visible]
    charts_wanted = {k: v for k, v in CHARTS.items() if v.report in visible}
    steps = len(figures_wanted) + len(charts_wanted)
    done = 0
    figures: list[FigureValue] = []
    charts: dict[str, ReportData] = {}
    totals_cache: dict[tuple, list[TotalValue]] = {}
    with db.read() as s:
        def totals(name: str, params: Mapping[str, str]) -> list[TotalValue]:
            rep = REPORTS[name]
            ctx = reader.context(db, s, actor, rep, period, {"by": grain, **params})
            key = (name, tuple(sorted(ctx.params.items())))
            if key not in totals_cache:
                totals_cache[key] = reader.totals_in(s, rep, ctx)
            return totals_cache[key]

        for f in figures_wanted:
            progress.update(done, steps, _("Reading figures…"))
            value = next(t for t in totals(f.report, f.params) if t.key == f.total)
            figures.append(FigureValue(f.key, _(f.title), value.value, value.kind, f.report, _(f.group)))
            done += 1
        for chart, spec in charts_wanted.items():
            progress.update(done, steps, _("Reading figures…"))
            rep = REPORTS[spec.report]
            ctx = reader.context(db, s, actor, rep, period, {"by": grain, **spec.params})
            page = reader.page_in(s, rep, ctx, None, CHART_ROWS)
            charts[chart] = ReportData(spec.report, _(rep.title), rep.columns, dict(ctx.params), page.rows,
                                       totals(spec.report, dict(spec.params)), page.exhausted)
            done += 1
    progress.update(steps, steps, _("Reading figures…"))
    return Dashboard(period, grain, figures, charts)
