"""Finding customers however their name is typed, and exporting orders and queues."""
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from app.errors import PermissionDenied, ValidationFailed
from app.permissions import Role
from app.queries.paging import PageRequest
from app.services import customers, order_export
from tests.factories import item, make_customer, make_order, make_user


@pytest.fixture
def people(db):
    care = make_user(db, Role.CARE, full_name="Lê Thu Trang")
    ids = {
        "hang": make_customer(db, care, name="Nguyễn Thị Hằng", phone="0912 345 678"),
        "duc": make_customer(db, care, name="Trần Văn Đức", phone="0987 654 321"),
        "huong": make_customer(db, care, name="Phạm Thu Hương", phone="+84 903 111 222"),
    }
    return care, ids


@pytest.mark.parametrize("term", ["nguyen thi hang", "hằng", "HANG", "Nguyễn Hằng", "345 678", "0912345", "KH0000"])
def test_customer_search_ignores_accents_case_and_phone_spacing(db, people, term):
    care, ids = people
    names = {h.name for h in customers.find_customers(db, care, term)}
    assert "Nguyễn Thị Hằng" in names
    if term not in ("KH0000",):
        assert "Trần Văn Đức" not in names


def test_search_by_d_finds_the_crossed_d(db, people):
    care, _ids = people
    assert [h.name for h in customers.find_customers(db, care, "duc")] == ["Trần Văn Đức"]
    assert [h.name for h in customers.find_customers(db, care, "huong")] == ["Phạm Thu Hương"]


def test_a_customer_needs_a_plausible_phone_and_gets_a_code(db, people):
    care, ids = people
    with pytest.raises(ValidationFailed) as err:
        customers.create_customer(db, care, customers.CustomerInput(name="", phone="12ab"))
    assert set(err.value.field_errors) == {"name", "phone"}
    view = customers.get_customer(db, care, ids["hang"])
    assert view.code == f"KH{ids['hang']:06d}" and view.addresses[0].is_default


def test_a_forwarder_cannot_edit_customers(db, people):
    forwarder = make_user(db, Role.FORWARDER_CN)
    with pytest.raises(PermissionDenied):
        customers.create_customer(db, forwarder, customers.CustomerInput(name="X", phone="0912345678"))


def test_an_order_exports_to_a_pdf_with_vietnamese_and_chinese_text(db, people, tmp_path):
    care, ids = people
    oid = make_order(db, care, ids["hang"], items=[item("女士连衣裙 夏季", 2, "59.90", variant="Màu đỏ / L")])
    path = order_export.order_pdf(db, care, oid, tmp_path / "don.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Nguyễn Thị Hằng" in text and "女士连衣裙" in text and "Màu đỏ / L" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts and "WenQuanYi" in fonts


def test_an_order_exports_to_a_workbook_that_reads_back(db, people, tmp_path):
    care, ids = people
    oid = make_order(db, care, ids["hang"], items=[item("女士连衣裙", 2, "59.90"), item("发夹", 10, "0.35")])
    path = order_export.order_xlsx(db, care, oid, tmp_path / "don.xlsx")
    ws = load_workbook(path, read_only=True).worksheets[0]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "女士连衣裙" in cells and "发夹" in cells and "Nguyễn Thị Hằng" in " ".join(map(str, cells))


def test_a_queue_exports_exactly_what_the_filter_shows(db, people, tmp_path):
    care, ids = people
    manager = make_user(db, Role.MANAGER)
    make_order(db, care, ids["hang"])
    make_order(db, care, ids["hang"], "consignment")
    make_order(db, care, ids["duc"])
    request = PageRequest(search="hang", filters={"kind": "purchase"})
    n = order_export.queue_xlsx(db, manager, "orders.all", request, tmp_path / "q.xlsx", "Đơn hàng", "Tìm: hang")
    assert n == 1
    rows = list(load_workbook(tmp_path / "q.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    data = [r for r in rows[4:] if any(r)]
    assert len(data) == 1 and "Nguyễn Thị Hằng" in data[0]
    if shutil.which("libreoffice"):
        out = tmp_path / "csv"
        subprocess.run(["libreoffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out), str(tmp_path / "q.xlsx")],
                       check=True, capture_output=True, timeout=120)
        assert "Nguyễn Thị Hằng" in (out / "q.csv").read_text(encoding="utf-8", errors="replace")


def test_exports_need_the_export_permission(db, people, tmp_path):
    forwarder = make_user(db, Role.FORWARDER_VN)
    with pytest.raises(PermissionDenied):
        order_export.queue_xlsx(db, forwarder, "orders.all", PageRequest(), tmp_path / "q.xlsx", "x")


@pytest.mark.parametrize("dense", [False, True])
def test_the_orders_queue_finds_a_customers_orders_however_many_customers_share_the_name(
        db, people, monkeypatch, dense):
    """A name many customers share is searched along the queue's own order (SQLite), a rare one
    through the customer's orders: the same page either way, newest first."""
    from app.queries import reader
    from app.queries.queues import orders as order_queues

    care, ids = people
    manager = make_user(db, Role.MANAGER)
    other = make_customer(db, care, name="Lê Thị Hằng", phone="0913 000 111")
    made = [make_order(db, care, ids["hang"]), make_order(db, care, ids["duc"]),
            make_order(db, care, other, "consignment"), make_order(db, care, ids["hang"])]
    monkeypatch.setattr(order_queues, "DENSE_CUSTOMER_MATCHES", 2 if dense else 1000)
    page = reader.queue_page(db, manager, "orders.all", PageRequest(search="hằng"))
    assert [r.id for r in page.rows] == [made[3], made[2], made[0]]
    assert reader.queue_count(db, manager, "orders.all", PageRequest(search="hằng")) == 3
    page = reader.queue_page(db, manager, "orders.all", PageRequest(search="le thi hang"))
    assert [r.id for r in page.rows] == [made[2]]
