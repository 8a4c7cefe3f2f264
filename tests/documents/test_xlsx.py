"""Workbooks that open in Excel and LibreOffice with the values, formats and filters people expect."""
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest

from app.documents.xlsx import Workbook
from app.i18n import _, local_time
from app.money import CNY, VND, CurrencyMismatch, Money
from app.progress import Cancelled, CancellableProgress

COLUMNS = [
    ("Mã đơn", "text"), ("Khách hàng", "text"), ("Số lượng", "int"), ("Cân nặng (kg)", "decimal"),
    ("Tiền hàng", "money_vnd"), ("Giá (¥)", "money_cny"), ("Ngày đặt", "date"),
    ("Cập nhật", "datetime"), ("Đã trả", "bool"), ("Phí dịch vụ", "percent"), ("Ghi chú", "text"),
]
START = datetime(2026, 1, 1, 1, 30, tzinfo=timezone.utc)


def row(n: int) -> list:
    return [
        f"DH-2026-{n:06d}",
        ["Nguyễn Thị Hằng", "Trần Văn Đức", "淘宝 店铺", "=SUM(A1:A2)"][n % 4],
        n % 50,
        Decimal(n % 997) / 8,
        Money(Decimal(n * 1375), VND),
        Money(Decimal(n) / 4, CNY),
        date(2026, 1, 1) + timedelta(days=n % 365),
        START + timedelta(minutes=n),
        n % 3 == 0,
        Decimal(n % 7),
        None if n % 5 else "Giao giờ hành chính",
    ]


def write(path, rows, progress=None, **sheet_kw):
    with Workbook(path, progress) as wb:
        sh = wb.sheet("Đơn hàng", "Báo cáo đơn hàng", "Tháng 1/2026 — kho Hà Nội", COLUMNS, **sheet_kw)
        sh.write_rows(rows)
    return path


HEADER_ROW = 4  # title, subtitle, blank, then the header (1-based rows in openpyxl)


def test_ten_thousand_rows_read_back_as_written(tmp_path):
    path = tmp_path / "orders.xlsx"
    started = time.perf_counter()
    write(path, (row(n) for n in range(1, 10_001)), total=10_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"10,000 rows took {elapsed:.1f} s"

    ws = openpyxl.load_workbook(path, read_only=True).active
    rows = ws.iter_rows(values_only=True)
    assert next(rows)[0] == "Báo cáo đơn hàng"
    assert next(rows)[0] == "Tháng 1/2026 — kho Hà Nội"
    assert next(rows)[0] is None
    assert list(next(rows)) == [h for h, _k in COLUMNS]
    count = 0
    for n, got in enumerate(rows, start=1):
        want = row(n)
        assert got[0] == want[0] and got[1] == want[1]  # "=SUM(...)" stays text, not a formula
        assert got[2] == want[2]
        assert Decimal(str(got[3])) == want[3]
        assert Decimal(str(got[4])) == want[4].amount
        assert Decimal(str(got[5])) == want[5].amount
        assert got[6] == datetime.combine(want[6], datetime.min.time())
        assert got[7] == local_time(want[7]).replace(tzinfo=None)
        assert got[8] == (_("Yes") if want[8] else _("No"))
        assert Decimal(str(got[9])) == want[9] / 100
        assert got[10] == want[10]
        count += 1
    assert count == 10_000


def test_header_is_frozen_and_filter_covers_the_data(tmp_path):
    path = write(tmp_path / "small.xlsx", (row(n) for n in range(1, 101)))
    ws = openpyxl.load_workbook(path).active
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:K{HEADER_ROW + 100}"
    assert ws.cell(1, 1).font.b and ws.cell(HEADER_ROW, 1).font.b
    assert ws.title == "Đơn hàng"


def test_cells_carry_the_formats_people_read(tmp_path):
    path = write(tmp_path / "fmt.xlsx", [row(3)])
    ws = openpyxl.load_workbook(path).active
    data = HEADER_ROW + 1
    formats = [ws.cell(data, col).number_format for col in range(1, 12)]
    assert formats[4] == '#,##0 "₫"'
    assert formats[5] == '#,##0.00 "¥"'
    assert formats[6] == "dd/mm/yyyy"
    assert formats[7] == "dd/mm/yyyy hh:mm"
    assert formats[9] == "0.00%"
    assert ws.cell(data, 6).value == 0.75


def test_columns_are_wide_enough_for_their_contents(tmp_path):
    path = write(tmp_path / "w.xlsx", (row(n) for n in range(1, 50)))
    ws = openpyxl.load_workbook(path).active
    widths = {col: ws.column_dimensions[col].width for col in "ABCDEFGHIJK"}
    assert widths["A"] >= len("DH-2026-000001")
    assert widths["B"] >= len("Nguyễn Thị Hằng")
    assert widths["H"] >= len("01/01/2026 02:00")
    assert max(widths.values()) <= 62


def test_money_in_the_wrong_currency_is_refused_and_nothing_is_left(tmp_path):
    path = tmp_path / "bad.xlsx"
    bad = row(1)
    bad[4] = Money(Decimal("10"), CNY)
    with pytest.raises(CurrencyMismatch):
        write(path, [row(2), bad])
    assert list(tmp_path.iterdir()) == []


def test_floats_are_refused_for_money(tmp_path):
    bad = row(1)
    bad[4] = 1375.0
    with pytest.raises(TypeError):
        write(tmp_path / "float.xlsx", [bad])
    assert list(tmp_path.iterdir()) == []


class CancelAt:
    """The user presses Cancel when the progress shows row ``at``."""

    def __init__(self, at: int) -> None:
        self.at, self.seen = at, []

    def update(self, done, total=None, label=None):
        self.seen.append(done)
        if done >= self.at:
            raise Cancelled()


def test_cancelled_export_leaves_no_file(tmp_path, monkeypatch):
    import tempfile

    # the temporary folder of this test alone: the system's also holds other processes' files
    # (the other test worker's), which come and go while this runs
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = tmp_path / "out"
    out.mkdir()
    progress = CancelAt(1_500)
    with pytest.raises(Cancelled):
        write(out / "cancel.xlsx", (row(n) for n in range(1, 10_001)), progress, total=10_000)
    assert progress.seen == [500, 1_000, 1_500]
    assert list(out.iterdir()) == []
    assert list(temp.iterdir()) == []       # xlsxwriter's row files are gone too


def test_a_failed_export_keeps_the_previous_file(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"last month's export")
    progress = CancellableProgress()
    progress.cancel()
    with pytest.raises(Cancelled):
        write(path, (row(n) for n in range(1, 1_001)), progress)
    assert path.read_bytes() == b"last month's export"
    assert list(tmp_path.iterdir()) == [path]


def test_progress_reports_every_500_rows_and_at_the_end(tmp_path):
    seen = []

    class Recorder:
        def update(self, done, total=None, label=None):
            seen.append((done, total, label))

    write(tmp_path / "p.xlsx", (row(n) for n in range(1, 1_201)), Recorder(), total=1_200)
    assert seen == [(500, 1_200, "Báo cáo đơn hàng"), (1_000, 1_200, "Báo cáo đơn hàng"),
                    (1_200, 1_200, "Báo cáo đơn hàng")]


def test_sheet_names_excel_refuses_are_cleaned(tmp_path):
    path = tmp_path / "names.xlsx"
    with Workbook(path) as wb:
        wb.sheet("Đơn 01/2026: [Hà Nội]", "a", "", [("x", "text")])
        wb.sheet("Đơn 01/2026: [Hà Nội]", "b", "", [("x", "text")])
        wb.sheet("Một tên sheet rất dài vượt quá ba mươi mốt ký tự", "c", "", [("x", "text")])
    names = openpyxl.load_workbook(path).sheetnames
    assert names[0] == "Đơn 01-2026- -Hà Nội-"
    assert names[1] == "Đơn 01-2026- -Hà Nội- (2)"
    assert len(names[2]) == 31


@pytest.mark.slow
def test_libreoffice_reads_the_same_number_of_rows(tmp_path, libreoffice_csv):
    path = write(tmp_path / "lo.xlsx", (row(n) for n in range(1, 10_001)))
    lines = libreoffice_csv(path)
    assert len(lines) == HEADER_ROW + 10_000
    assert lines[HEADER_ROW - 1][:2] == ["Mã đơn", "Khách hàng"]
    assert lines[HEADER_ROW][:2] == ["DH-2026-000001", "Trần Văn Đức"]
    assert lines[-1][0] == "DH-2026-010000"


def test_the_totals_labels_below_the_table_are_not_cut(tmp_path):
    """A report's totals sit under its first two columns: a label longer than anything in the first
    column ("Lợi nhuận ròng mỗi đơn") widens it, a value too (no "###")."""
    path = tmp_path / "totals.xlsx"
    with Workbook(path) as wb:
        sh = wb.sheet("Lãi", "Lợi nhuận", "Tháng 12/2026", [("Đơn", "text"), ("Phí", "money_vnd")])
        sh.write_row(["DH1", Money(Decimal(5), VND)])
        sh.write_pairs([("Lợi nhuận ròng mỗi đơn", Money(Decimal(123456789), VND), "money_vnd"),
                        ("Đơn hoàn thành", 2, "int")])
    ws = openpyxl.load_workbook(path).active
    assert ws.column_dimensions["A"].width >= len("Lợi nhuận ròng mỗi đơn")
    assert ws.column_dimensions["B"].width >= len("123.456.789 ₫")
