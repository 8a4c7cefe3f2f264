"""Statistics are the managers' and, for money, the accountants': every way in refuses the other
roles in the service layer, and each money report asks for its own permission."""
from __future__ import annotations

import pytest

from app.errors import PermissionDenied
from app.money import VND, Money
from app.permissions import Perm, Role
from app.reports import REPORTS, reader
from app.reports.dashboard import dashboard
from app.reports.export import ReportRequest, export_all, export_reports
from tests.factories import make_user
from tests.reports.business import NOVEMBER

REFUSED = [Role.CARE, Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.ADMIN]
MONEY_REPORTS = {"money.revenue", "money.net_profit", "money.profit_over_time", "money.book_vn", "money.book_cn",
                 "money.debts", "money.debt_orders", "commissions.staff", "commissions.forwarders"}


@pytest.mark.parametrize("role", REFUSED, ids=lambda r: r.value)
def test_only_managers_and_accountants_see_statistics(db, role, tmp_path):
    actor = make_user(db, role)
    assert reader.reports_for(actor) == []
    for name in ("orders.by_status", "money.net_profit", "money.book_vn", "commissions.staff"):
        _refused_everywhere(db, actor, name, tmp_path)


def test_ordering_staff_see_the_shop_kpis_and_nothing_else(db, tmp_path):
    actor = make_user(db, Role.ORDERING)
    assert [r.name for r in reader.reports_for(actor)] == ["shops.kpis"]
    assert reader.report_count(db, actor, "shops.kpis", NOVEMBER) == 0
    for name in ("orders.by_status", "money.net_profit", "staff.kpi", "commissions.staff"):
        _refused_everywhere(db, actor, name, tmp_path)


def _refused_everywhere(db, actor, name, tmp_path):
    calls = [
        lambda: reader.report_page(db, actor, name, NOVEMBER),
        lambda: reader.report_totals(db, actor, name, NOVEMBER),
        lambda: reader.report_count(db, actor, name, NOVEMBER),
        lambda: reader.open_report(db, actor, name, NOVEMBER),
        lambda: reader.param_views(db, actor, name),
        lambda: dashboard(db, actor, NOVEMBER),
        lambda: export_reports(db, actor, [ReportRequest(name)], NOVEMBER, tmp_path / "x.xlsx"),
        lambda: export_all(db, actor, NOVEMBER, tmp_path / "y.xlsx"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        with reader.report_rows(db, actor, name, NOVEMBER) as rows:
            list(rows)
    assert not list(tmp_path.glob("*.xlsx"))


def test_a_manager_sees_every_report_and_the_dashboard(db):
    manager = make_user(db, Role.MANAGER)
    assert [r.name for r in reader.reports_for(manager)] == [r.name for r in REPORTS.all()]
    assert all(name in REPORTS for name in MONEY_REPORTS)
    board = dashboard(db, manager, NOVEMBER)
    assert board.figure("orders").value == 0 and set(board.charts) == {"volumes", "funnel", "types", "profit"}
    assert board.figure("net_profit").value == Money.zero(VND) and board.figure("profit_per_order").value is None


def test_an_accountant_sees_the_money_reports_and_money_on_the_dashboard(db, tmp_path):
    accountant = make_user(db, Role.ACCOUNTANT)
    assert MONEY_REPORTS <= {r.name for r in reader.reports_for(accountant)}
    board = dashboard(db, accountant, NOVEMBER)
    assert {"fees", "net_profit", "fx_margin", "freight_cost", "debts"} <= {f.key for f in board.figures}
    export_reports(db, accountant, [ReportRequest("money.book_vn")], NOVEMBER, tmp_path / "so-quy.xlsx")
    assert (tmp_path / "so-quy.xlsx").exists()


def test_each_money_report_asks_for_its_own_permission(db, monkeypatch, tmp_path):
    """A role that may open statistics but not see profit gets the books, not the profit."""
    from app import permissions

    accountant = make_user(db, Role.ACCOUNTANT)
    monkeypatch.setitem(permissions.MATRIX, Role.ACCOUNTANT,
                        permissions.MATRIX[Role.ACCOUNTANT] - {Perm.VIEW_PROFIT, Perm.VIEW_COMMISSIONS})
    visible = {r.name for r in reader.reports_for(accountant)}
    assert {"money.book_vn", "money.book_cn", "money.debts", "money.debt_orders"} <= visible
    assert not visible & {"money.revenue", "money.net_profit", "money.profit_over_time", "commissions.staff",
                          "commissions.forwarders"}
    for name in ("money.net_profit", "commissions.forwarders"):
        _refused_everywhere_but_the_dashboard(db, accountant, name, tmp_path)
    board = dashboard(db, accountant, NOVEMBER)
    assert "debts" in {f.key for f in board.figures}
    assert not {"net_profit", "fees", "fx_margin"} & {f.key for f in board.figures} and "profit" not in board.charts


def _refused_everywhere_but_the_dashboard(db, actor, name, tmp_path):
    for call in (lambda: reader.report_page(db, actor, name, NOVEMBER),
                 lambda: reader.report_totals(db, actor, name, NOVEMBER),
                 lambda: reader.open_report(db, actor, name, NOVEMBER),
                 lambda: export_reports(db, actor, [ReportRequest(name)], NOVEMBER, tmp_path / "z.xlsx")):
        with pytest.raises(PermissionDenied):
            call()
    assert not (tmp_path / "z.xlsx").exists()


def test_a_manager_acting_as_care_staff_is_refused(db):
    both = make_user(db, Role.MANAGER, Role.CARE)
    assert reader.reports_for(both)
    with pytest.raises(PermissionDenied):
        dashboard(db, both.as_role(Role.CARE), NOVEMBER)
