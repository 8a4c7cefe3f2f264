"""`python main.py export`: the same workbook as the screen's export, without the UI."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

from main import main
from app.i18n import _
from app.reports import REPORTS

ROOT = Path(__file__).resolve().parents[2]


def _url(business_sqlite_file, tmp_path) -> str:
    path = tmp_path / "company.db"
    shutil.copyfile(business_sqlite_file, path)
    return f"sqlite:///{path}"


def test_export_one_report_prints_progress_to_stderr(business_sqlite_file, tmp_path, capsys):
    url = _url(business_sqlite_file, tmp_path)
    out = tmp_path / "by-status.xlsx"
    rc = main(["export", "orders.by_status", "--from", "2026-11-01", "--to", "2026-11-30", "-o", str(out),
               "-p", "kind=purchase", "--url", url, "--lang", "vi"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "(100 %)" in captured.err and "wrote" in captured.out
    ws = openpyxl.load_workbook(out).active
    assert ws.title == _("By type and status")
    assert ws["A1"].value.endswith("01/11/2026 – 30/11/2026")
    assert {ws.cell(r, 1).value for r in range(5, 5 + 3)} <= {_("Purchase order"), None}


def test_export_all_reports_one_sheet_each_in_a_subprocess(business_sqlite_file, tmp_path):
    url = _url(business_sqlite_file, tmp_path)
    out = tmp_path / "thang-11.xlsx"
    done = subprocess.run([sys.executable, "main.py", "export", "--all", "--from", "2026-10-01", "--to",
                           "2026-11-30", "-o", str(out), "--url", url, "--lang", "en"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames == [r.sheet for r in REPORTS.all()]
    assert "Order register" in done.stderr


def test_mistakes_are_explained_and_write_nothing(business_sqlite_file, tmp_path, capsys):
    url = _url(business_sqlite_file, tmp_path)
    out = tmp_path / "x.xlsx"
    base = ["--from", "2026-11-01", "--to", "2026-11-30", "-o", str(out), "--url", url]
    assert main(["export", "orders.nope", *base]) == 2
    assert "orders.by_status" in capsys.readouterr().err
    assert main(["export", "orders.by_status", "--from", "1/11/2026", "--to", "2026-11-30",
                 "-o", str(out), "--url", url]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["export", "orders.by_status", "--from", "2026-11-30", "--to", "2026-11-01",
                 "-o", str(out), "--url", url, "--lang", "en"]) == 1
    assert "ends before it starts" in capsys.readouterr().err
    assert main(["export", "customers.top", *base, "-p", "top=7", "--lang", "en"]) == 1
    assert "“7” is not a choice" in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", "--list", "--url", url, "--lang", "en"]) == 0
    assert "staff.kpi" in capsys.readouterr().out


def test_export_a_money_report_the_accountant_reads_back(business_sqlite_file, tmp_path, capsys):
    """The VN money book and the net profit of October from the command line: the workbook holds
    the same opening, movements and closing as the money book screen, and the net profit of each
    order as its money tab."""
    from datetime import date

    from sqlalchemy import select

    from app import db as dbmod
    from app.models import Order
    from app.permissions import SYSTEM_ACTOR
    from app.reports import Period
    from app.services import billing, ledger
    from tests.reports.workbooks import read_workbook, same_cell

    url = _url(business_sqlite_file, tmp_path)
    out = tmp_path / "thang-10.xlsx"
    for name in ("money.book_vn", "money.net_profit"):
        target = out.with_name(f"{name}.xlsx")
        rc = main(["export", name, "--from", "2026-10-01", "--to", "2026-10-31", "-o", str(target), "--url", url,
                   "--lang", "vi"])
        assert rc == 0, capsys.readouterr().err
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    database = dbmod.Database(url)
    try:
        book = read_workbook(out.with_name("money.book_vn.xlsx"))[_("VN money book")]
        summary = ledger.book_summary(database, SYSTEM_ACTOR, "vn", None, october.start_utc, october.end_utc)
        for label, value in ((_("Opening balance"), summary.opening), (_("Money in"), summary.money_in),
                             (_("Money out"), summary.money_out), (_("Closing balance"), summary.closing)):
            assert same_cell(book.totals[label], value, "money_vnd"), label
        lines = ledger.book_lines(database, SYSTEM_ACTOR, "vn", None, october.start_utc, october.end_utc, limit=None)
        assert [r[0] for r in book.rows] == [line.id for line in lines] and len(lines) > 10
        assert book.ws.freeze_panes == "A5" and book.ws.auto_filter.ref.startswith("A4:")

        profit = read_workbook(out.with_name("money.net_profit.xlsx"))[_("Net profit")]
        with database.read() as s:
            ids = dict(s.execute(select(Order.code, Order.id)).all())
        assert profit.rows
        net = profit.header.index(_("Net profit"))
        for row in profit.rows:
            window = billing.net_profit(database, SYSTEM_ACTOR, ids[row[0]])
            assert same_cell(row[net], window.total, "money_vnd"), row[0]
    finally:
        database.dispose()
