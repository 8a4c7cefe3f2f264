"""Statistics workbooks as people open them: a sheet per report with its period and filters on top,
a frozen header with a filter, money and dates formatted as such; valid for LibreOffice; and an
export that is cancelled or refused leaves nothing behind."""
from __future__ import annotations

import csv
import shutil
import subprocess
import uuid
from decimal import Decimal

import openpyxl
import pytest

from app.errors import PermissionDenied
from app.i18n import _
from app.permissions import Role
from app.progress import CancellableProgress, Cancelled
from app.reports import REPORTS, Period, reader
from app.reports.export import ReportRequest, export_all, export_reports
from tests.factories import make_user
from tests.reports.business import NOVEMBER, WHOLE
from tests.reports.workbooks import read_workbook, same_cell

FORMATS = {"money_cny": '#,##0.00 "¥"', "money_vnd": '#,##0 "₫"', "int": "#,##0", "percent": "0.00%",
           "date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm"}


@pytest.fixture
def business_lite(request, tmp_path):
    from tests.reports.conftest import _business_db

    database, _drop = _business_db("sqlite", request, tmp_path)
    yield database
    database.dispose()


def test_every_report_is_a_sheet_with_period_filters_frozen_header_filter_and_number_formats(
        business_db, manager_of, tmp_path):
    db, manager = business_db, manager_of(business_db)
    path = tmp_path / "thong-ke.xlsx"
    export_all(db, manager, NOVEMBER, path, {"kind": "purchase"})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [_(r.sheet) for r in REPORTS.all()]
    for rep, ws in zip(REPORTS.all(), wb.worksheets):
        title, subtitle = ws["A1"].value, ws["A2"].value
        assert title == f"{_(rep.title)} — 01/11/2026 – 30/11/2026"
        assert _("Period: {period}").format(period="01/11/2026 – 30/11/2026") in subtitle
        if rep.param("kind"):
            assert _("{name}: {value}").format(name=_("Type"), value=_("Purchase order")) in subtitle
        assert [c.value for c in ws[4]][:len(rep.columns)] == [_(c.title) for c in rep.columns]
        assert ws.freeze_panes == "A5"
        n = reader.report_count(db, manager, rep.name, NOVEMBER, {"kind": "purchase"})
        last = openpyxl.utils.get_column_letter(len(rep.columns))
        assert ws.auto_filter.ref == f"A4:{last}{4 + n}"
        if n:
            for col, column in enumerate(rep.columns, start=1):
                cell = ws.cell(5, col)
                if column.kind in FORMATS and cell.value is not None:
                    assert cell.number_format == FORMATS[column.kind], (rep.name, column.key)
                if column.kind in ("date", "datetime") and cell.value is not None:
                    assert cell.is_date, (rep.name, column.key)
    register = wb[_("Orders")]
    money_col = 1 + [c.key for c in REPORTS["orders.list"].columns].index("goods_cny")
    assert isinstance(register.cell(5, money_col).value, (int, float))   # a number, not text


def test_the_workbook_opens_in_libreoffice_with_every_sheet_and_the_same_figures(business_lite, manager_of, tmp_path):
    db, manager = business_lite, manager_of(business_lite)
    path = tmp_path / "stats.xlsx"
    export_all(db, manager, WHOLE, path)
    profile, outdir = tmp_path / f"lo-{uuid.uuid4().hex}", tmp_path / "csv"
    # sheet -1: every sheet to its own CSV, "<file>-<sheet>.csv"
    subprocess.run(["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(outdir), str(path)], check=True, capture_output=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    sheets = read_workbook(path)
    for rep in REPORTS.all():
        name = _(rep.sheet)
        with (outdir / f"stats-{name}.csv").open(encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))
        assert lines[0][0] == sheets[name].title
        assert lines[3][:len(rep.columns)] == [_(c.title) for c in rep.columns]
        data = lines[4:4 + len(sheets[name].rows)]
        assert len(data) == len(sheets[name].rows) and all(line for line in data)
        for row, line in zip(sheets[name].rows, data):
            if isinstance(row[0], str):
                assert line[0] == row[0]
        by_label = {line[0]: line[1] for line in lines[4 + len(data):] if line and line[0]}
        for total in reader.report_totals(db, manager, rep.name, WHOLE):
            text = by_label.get(total.title, "")
            if total.value is None:
                assert text == ""
            elif total.kind in ("money_cny", "money_vnd"):
                assert Decimal(text) == total.value.amount, (rep.name, total.key)
            elif total.kind == "percent":
                assert Decimal(text.rstrip("%")) == total.value, (rep.name, total.key)
            else:
                assert Decimal(text) == Decimal(total.value), (rep.name, total.key)


def test_a_cancelled_export_leaves_no_file_and_keeps_the_previous_one(business_lite, manager_of, tmp_path):
    from app.demo import generate_bulk

    db, manager = business_lite, manager_of(business_lite)
    generate_bulk(db, 3000)                                       # 3,000 more orders over two years
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "register.xlsx"
    path.write_bytes(b"last month's export")
    everything = Period(WHOLE.start.replace(year=2024), WHOLE.end, WHOLE.utc_offset_minutes)
    progress = CancellableProgress()
    seen = []

    class CancelHalfway:
        def update(self, done, total=None, label=None):
            seen.append(done)
            if done >= 1000:
                progress.cancel()
            progress.update(done, total, label)

    with pytest.raises(Cancelled):
        export_reports(db, manager, [ReportRequest("orders.list")], everything, path, CancelHalfway())
    assert max(seen) < 3000
    assert path.read_bytes() == b"last month's export"
    assert [p.name for p in folder.iterdir()] == ["register.xlsx"]

    result = export_reports(db, manager, [ReportRequest("orders.list")], everything, path)
    assert result.rows["orders.list"] == reader.report_count(db, manager, "orders.list", everything) > 3000
    assert read_workbook(path)[_("Orders")].totals[_("Orders")] == result.rows["orders.list"]


def test_an_export_refused_to_care_staff_writes_nothing(business_db, tmp_path):
    care = make_user(business_db, Role.CARE)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(PermissionDenied):
        export_all(business_db, care, NOVEMBER, folder / "nope.xlsx")
    assert not list(folder.iterdir())


def test_totals_of_a_period_without_orders_are_zero_not_missing(business_db, manager_of, tmp_path):
    db, manager = business_db, manager_of(business_db)
    empty = Period(NOVEMBER.start.replace(year=2025), NOVEMBER.end.replace(year=2025), NOVEMBER.utc_offset_minutes)
    path = tmp_path / "empty.xlsx"
    export_all(db, manager, empty, path)
    sheets = read_workbook(path)
    by_status = sheets[_("By type and status")]
    assert by_status.rows == [] and by_status.totals[_("Orders")] == 0
    over_time = sheets[_("Over time")]
    assert len(over_time.rows) == 30 and all(r[3] == 0 for r in over_time.rows)
    assert same_cell(over_time.totals[_("Goods (CNY)")], reader.report_totals(
        db, manager, "orders.over_time", empty)[3].value, "money_cny")
