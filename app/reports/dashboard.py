"""The manager's dashboard: headline figures and the figures behind each chart, for a period.

Every figure is a total of a declared report and every chart is a report's rows, read through
the same functions the reports screen and the export use — so the dashboard, the report and
the workbook show the same number. Capabilities add figures with ``FIGURES.append(Figure(...))``
(e.g. revenue by fee type from a money report); a figure whose report the person may not see
(profit for a care manager without VIEW_PROFIT) is simply left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from app.db import Database
from app.i18n import N_, _
from app.permissions import Actor, Perm, require
from app.progress import NullProgress, Progress
from app.reports import reader
from app.reports.base import REPORTS, Column, Period, TotalValue, auto_grain

CHART_ROWS = 1000   # a chart with more points would not be readable anyway


@dataclass(frozen=True)
class Figure:
    key: str
    title: str                                    # N_ msgid
    report: str
    total: str                                    # the key of one of the report's totals
    params: Mapping[str, str] = field(default_factory=dict)


FIGURES: list[Figure] = [
    Figure("orders", N_("Orders"), "orders.by_status", "orders"),
    Figure("purchase", N_("Purchase orders"), "orders.by_status", "purchase"),
    Figure("consignment", N_("Consignment orders"), "orders.by_status", "consignment"),
    Figure("goods_cny", N_("Goods value (CNY)"), "orders.by_status", "goods_cny"),
    Figure("received", N_("Completed orders"), "orders.received", "orders"),
    Figure("exits", N_("Cancelled or lost"), "orders.over_time", "exits"),
    Figure("delayed", N_("Delayed deliveries"), "orders.delayed", "delayed"),
    Figure("delayed_share", N_("Delayed (%)"), "orders.delayed", "delayed_share"),
    Figure("confirm_avg", N_("Time to confirm, average (h)"), "staff.kpi", "confirm_avg"),
    Figure("confirm_median", N_("Time to confirm, median (h)"), "staff.kpi", "confirm_median"),
    Figure("buy_avg", N_("Time to buy, average (h)"), "staff.kpi", "buy_avg"),
    Figure("buy_median", N_("Time to buy, median (h)"), "staff.kpi", "buy_median"),
]

#: chart name -> the report whose rows it draws (and whose table sits beside it)
CHARTS: dict[str, str] = {
    "volumes": "orders.over_time",
    "funnel": "orders.funnel",
    "types": "orders.by_status",
}


@dataclass(frozen=True)
class FigureValue:
    key: str
    title: str                                    # translated
    value: Any
    kind: str
    report: str


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
    charts_wanted = {k: v for k, v in CHARTS.items() if v in visible}
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
            figures.append(FigureValue(f.key, _(f.title), value.value, value.kind, f.report))
            done += 1
        for chart, name in charts_wanted.items():
            progress.update(done, steps, _("Reading figures…"))
            rep = REPORTS[name]
            ctx = reader.context(db, s, actor, rep, period, {"by": grain})
            page = reader.page_in(s, rep, ctx, None, CHART_ROWS)
            charts[chart] = ReportData(name, _(rep.title), rep.columns, dict(ctx.params), page.rows,
                                       totals(name, {}), page.exhausted)
            done += 1
    progress.update(steps, steps, _("Reading figures…"))
    return Dashboard(period, grain, figures, charts)
