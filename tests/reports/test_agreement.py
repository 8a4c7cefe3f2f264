"""One figure, one value: the dashboard, the report screen (paged), the stream and the exported
workbook agree to the last fen on generated business; SQLite and PostgreSQL agree with each other."""
from __future__ import annotations

import pytest

from app.i18n import _
from app.reports import REPORTS, Period, reader
from app.reports.dashboard import CHARTS, FIGURES, dashboard
from app.reports.export import ReportRequest, export_reports
from tests.reports.business import NOVEMBER, OCTOBER, WHOLE
from tests.reports.workbooks import read_workbook, same_cell, same_row

PARAMS = [{}, {"kind": "purchase", "by": "week", "rank_by": "count", "top": "all"},
          {"kind": "consignment", "by": "month", "role": "care", "top": "10"}]


def all_pages(db, actor, name, period, params, limit=7):
    """Every row the reports screen would show while the user scrolls down (7 rows a page)."""
    rows, after = [], None
    while True:
        page = reader.report_page(db, actor, name, period, params, after, limit)
        rows += page.rows
        if page.exhausted:
            return rows
        after = page.last_key


def test_dashboard_report_screen_and_export_show_the_same_figures(business_db, manager_of, tmp_path):
    db = business_db
    manager = manager_of(db)
    for period, by in ((WHOLE, "week"), (NOVEMBER, "day")):
        board = dashboard(db, manager, period, by)
        path = tmp_path / f"stats-{period.start}.xlsx"
        result = export_reports(db, manager, [ReportRequest(r.name, {"by": by}) for r in REPORTS.all()],
                                period, path)
        sheets = read_workbook(path)
        by_title = {s.title.split(" — ")[0]: s for s in sheets.values()}
        assert len(sheets) == len(REPORTS.all())

        for rep in REPORTS.all():
            sheet = by_title[_(rep.title)]
            shown = all_pages(db, manager, rep.name, period, {"by": by})
            with reader.report_rows(db, manager, rep.name, period, {"by": by}) as rows:
                streamed = list(rows)
            assert shown == streamed, rep.name
            assert result.rows[rep.name] == len(shown) == reader.report_count(db, manager, rep.name, period, {"by": by})
            kinds = [c.kind for c in rep.columns]
            assert len(sheet.rows) == len(shown), rep.name
            for cells, values in zip(sheet.rows, shown):
                assert same_row(cells, values, kinds), (rep.name, cells, values)
            for total in reader.report_totals(db, manager, rep.name, period, {"by": by}):
                assert same_cell(sheet.totals.get(total.title), total.value, total.kind), (rep.name, total)

        for figure in FIGURES:
            shown = board.figure(figure.key)
            total = next(t for t in reader.report_totals(db, manager, figure.report, period, {"by": by})
                         if t.key == figure.total)
            assert shown.value == total.value, figure.key
            sheet = next(s for s in sheets.values() if total.title in s.totals
                         and s.title.startswith(_(REPORTS[figure.report].title)))
            assert same_cell(sheet.totals[total.title], shown.value, shown.kind), figure.key
        for chart, spec in CHARTS.items():
            assert board.charts[chart].rows == all_pages(db, manager, spec.report, period,
                                                         {"by": by, **spec.params}), chart

    # the figures are not all zero: the generated months have work in every report
    board = dashboard(db, manager, NOVEMBER)
    assert all(board.figure(k).value for k in ("orders", "purchase", "consignment", "goods_cny", "received",
                                               "delayed", "confirm_avg", "buy_avg", "fees", "net_profit",
                                               "profit_per_order", "fx_margin", "bargaining", "freight_cost",
                                               "result", "debts", "fee_purchasing_fee", "fee_freight"))


def test_figures_add_up_across_reports(business_db, manager_of):
    """Different reports counting the same orders agree: the over-time buckets sum to the period,
    the shops sum to the orders' goods value, received orders match the completed-orders list."""
    db = business_db
    manager = manager_of(db)
    for period in (OCTOBER, NOVEMBER, WHOLE):
        totals = {name: {t.key: t.value for t in reader.report_totals(db, manager, name, period,
                                                                         {"top": "all"})}
                  for name in ("orders.by_status", "orders.over_time", "shops.top", "customers.top",
                               "orders.received", "orders.funnel")}
        by_status, over_time = totals["orders.by_status"], totals["orders.over_time"]
        assert by_status["orders"] == over_time["orders"] == totals["customers.top"]["orders"]
        assert by_status["goods_cny"] == over_time["goods_cny"] == totals["shops.top"]["goods_cny"] \
            == totals["customers.top"]["goods_cny"]
        assert over_time["received"] == totals["orders.received"]["orders"]
        assert totals["orders.funnel"]["submitted"] >= by_status["orders"]
        buckets = all_pages(db, manager, "orders.over_time", period, {"by": "day"})
        assert sum(r[3] for r in buckets) == by_status["orders"]
        assert sum(r[5] for r in buckets) == over_time["received"]
        status_rows = all_pages(db, manager, "orders.by_status", period, {})
        assert sum(r[2] for r in status_rows) == by_status["orders"]


@pytest.mark.pg
def test_sqlite_and_postgresql_give_the_same_reports_for_the_same_business(both_business_dbs, manager_of):
    lite, pg = both_business_dbs
    actors = manager_of(lite), manager_of(pg)
    assert actors[0].user_id == actors[1].user_id
    for period in (OCTOBER, NOVEMBER, WHOLE, Period(NOVEMBER.start, NOVEMBER.end, 0)):
        for rep in REPORTS.all():
            for params in PARAMS:
                views = [reader.open_report(d, a, rep.name, period, params, limit=1000)
                         for d, a in zip((lite, pg), actors)]
                assert views[0].first.rows == views[1].first.rows, (rep.name, period, params)
                assert views[0].totals == views[1].totals, (rep.name, period, params)
                assert views[0].count == views[1].count
        boards = [dashboard(d, a, period) for d, a in zip((lite, pg), actors)]
        assert boards[0].figures == boards[1].figures
        assert {k: v.rows for k, v in boards[0].charts.items()} == {k: v.rows for k, v in boards[1].charts.items()}
