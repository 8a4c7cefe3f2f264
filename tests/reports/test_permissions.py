"""Statistics are the managers': every way in refuses the other roles in the service layer."""
from __future__ import annotations

import pytest

from app.errors import PermissionDenied
from app.permissions import Role
from app.reports import REPORTS, reader
from app.reports.dashboard import dashboard
from app.reports.export import ReportRequest, export_all, export_reports
from tests.factories import make_user
from tests.reports.business import NOVEMBER

REFUSED = [Role.CARE, Role.ORDERING, Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN,
           Role.ACCOUNTANT, Role.ADMIN]


@pytest.mark.parametrize("role", REFUSED, ids=lambda r: r.value)
def test_only_managers_see_statistics(db, role, tmp_path):
    actor = make_user(db, role)
    assert reader.reports_for(actor) == []
    name = "orders.by_status"
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
    board = dashboard(db, manager, NOVEMBER)
    assert board.figure("orders").value == 0 and set(board.charts) == {"volumes", "funnel", "types"}


def test_a_manager_acting_as_care_staff_is_refused(db):
    both = make_user(db, Role.MANAGER, Role.CARE)
    assert reader.reports_for(both)
    with pytest.raises(PermissionDenied):
        dashboard(db, both.as_role(Role.CARE), NOVEMBER)
