"""How the money, warehouse and complaint reports will join: a report is a declaration, and a
dashboard figure is one line naming a report's total — nothing else changes."""
from __future__ import annotations

from sqlalchemy import func, select

from app.i18n import N_, _
from app.models import Task
from app.permissions import Perm, Role
from app.reports import REPORTS, reader
from app.reports.base import Column, Report, SqlSource, Total
from app.reports.dashboard import FIGURES, Figure, dashboard
from app.reports.export import ReportRequest, export_reports
from app.reports.sql import in_period
from app.services.tasks import open_task
from app.workflows.tasks import TaskKind
from tests.factories import make_user
from tests.reports.business import END, NOVEMBER
from tests.reports.workbooks import read_workbook


def _tasks(ctx):
    return (select(Task.role.label("role"), func.count().label("tasks"))
            .where(in_period(Task.created_at, ctx)).group_by(Task.role))


def _task_totals(session, ctx):
    return session.execute(select(func.count().label("tasks")).where(in_period(Task.created_at, ctx))).one()


TASKS_BY_ROLE = Report(
    "tasks.by_role", N_("Tasks"), N_("Tasks"), N_("Tasks"),
    (Column("role", N_("Role")), Column("tasks", N_("Tasks"), "int")),
    SqlSource(_tasks, ("role",), grouped=True),
    totals=(Total("tasks", N_("Tasks"), "int"),), total_query=_task_totals, order=5)


def test_a_declared_report_appears_on_the_screen_list_in_exports_and_on_the_dashboard(db, monkeypatch, tmp_path):
    monkeypatch.setitem(REPORTS._reports, TASKS_BY_ROLE.name, TASKS_BY_ROLE)
    monkeypatch.setattr("app.reports.dashboard.FIGURES", FIGURES + [Figure("tasks", N_("Tasks"), "tasks.by_role", "tasks")])
    manager = make_user(db, Role.MANAGER)
    db.clock.set(END)
    with db.transaction() as tx:
        for n, role in enumerate((Role.CARE, Role.CARE, Role.ORDERING)):
            open_task(tx, manager, TaskKind.OTHER, role, "Gọi lại cho khách", "customer", n)
    assert reader.reports_for(manager)[0].name == "tasks.by_role"
    assert reader.report_page(db, manager, "tasks.by_role", NOVEMBER).rows == [("care", 2), ("ordering", 1)]
    assert dashboard(db, manager, NOVEMBER).figure("tasks").value == 3
    path = tmp_path / "tasks.xlsx"
    export_reports(db, manager, [ReportRequest("tasks.by_role")], NOVEMBER, path)
    assert read_workbook(path)[_("Tasks")].totals[_("Tasks")] == 3


def test_a_report_with_its_own_permission_is_hidden_from_those_without_it(db, monkeypatch):
    profit = Report("money.profit_demo", N_("Tasks"), N_("Tasks"), N_("Tasks"), TASKS_BY_ROLE.columns,
                    TASKS_BY_ROLE.source, perm=Perm.VIEW_COMMISSIONS)
    monkeypatch.setitem(REPORTS._reports, profit.name, profit)
    manager = make_user(db, Role.MANAGER)
    assert "money.profit_demo" in [r.name for r in reader.reports_for(manager)]
    monkeypatch.setitem(REPORTS._reports, profit.name,
                        Report(**{**profit.__dict__, "perm": Perm.RECEIVE_CN}))
    assert "money.profit_demo" not in [r.name for r in reader.reports_for(manager)]
