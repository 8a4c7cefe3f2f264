"""The freight carrier's bill checked, on SQLite and PostgreSQL: each line matched to our sack by
its code and compared with our sealed weight, our parcels and the route's cost price; the
tolerances come from settings; accepting posts the payable (balanced), disputing opens a task
with the evidence; a file with one bad row is refused whole."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, ValidationFailed
from app.i18n import render_stored
from app.models import CarrierBill, CarrierBillLine, JournalLine, LedgerAccount, Shipment, Task
from app.money import VND, Money
from app.permissions import Role
from app.services import carrier_bills as cb
from app.services import settings as settings_service
from tests.factories import make_user
from tests.services.carrier_helpers import bill_csv, make_sacks



def vnd(x) -> Money:
    return Money(Decimal(x), VND)


@pytest.fixture
def sacks(db):
    return make_sacks(db)


def header(no: str = "HD-2026-11") -> cb.BillHeader:
    return cb.BillHeader("Vận tải Hưng Phát", no, date(2026, 11, 30))


def _owed(s) -> int:
    """What the ledger says the company owes carriers (a credit balance, in dong)."""
    return -s.scalar(select(func.coalesce(func.sum(JournalLine.amount), 0))
                     .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                     .where(LedgerAccount.code == "freight_payable"))


def _lines(view):
    return {l.shipment_code: l for l in view.lines}


def test_each_line_is_matched_to_our_sack_and_differences_beyond_tolerance_are_flagged(db, sacks):
    acc = sacks.st.accountant
    pv = cb.preview_file(db, acc, "Vận tải Hưng Phát", "hoa_don_11.csv", bill_csv(sacks.a, sacks.b))
    assert pv.ok and not pv.problems
    rows = {r.shipment_code: r for r in pv.rows}
    a, b = rows[sacks.a], rows[sacks.b]
    # sack A: 21 kg sealed, 20.5 kg of parcels, 0.12 m³; 21 kg × 17,000 (route cost from 10 kg)
    assert (a.our_gross_kg, a.our_parcels_kg, a.our_m3) == (Decimal("21"), Decimal("20.5"), Decimal("0.12"))
    assert a.expected == vnd(357000) and a.amount_diff == vnd(6800)          # 1.9 %: within 2 %
    assert a.kg_diff == Decimal("0.4") and a.flags == []
    # sack B: billed 14 kg for our 10.3, and 258,000 against 175,100
    assert b.expected == vnd(175100) and b.amount_diff == vnd(82900)
    assert b.kg_diff == Decimal("3.7") and b.flags == ["weight", "price"] and b.seal_no == "S-B2"
    assert b.surcharges == vnd(20000)

    bill_id = cb.import_file(db, acc, header(), "hoa_don_11.csv", bill_csv(sacks.a, sacks.b))
    view = cb.bill_view(db, acc, bill_id)
    assert view.status == "open" and view.billed == vnd(621800) and view.expected == vnd(532100)
    assert _lines(view)[sacks.b].flags == ["weight", "price"] and _lines(view)[sacks.a].flags == []
    assert _lines(view)[sacks.a].seal_no == "S-A1"
    [summary] = cb.list_bills(db, acc)
    assert (summary.flagged_lines, summary.lines) == (1, 2)


def test_the_tolerance_set_in_settings_decides_what_is_flagged(db, sacks):
    admin = make_user(db, Role.ADMIN)
    settings_service.update_settings(db, admin, {"carriers.weight_tolerance_kg": "5",
                                                 "carriers.price_tolerance_percent": "50"})
    pv = cb.preview_file(db, sacks.st.accountant, "Hưng Phát", "b.csv", bill_csv(sacks.a, sacks.b))
    assert {r.shipment_code: r.flags for r in pv.rows}[sacks.b] == []       # 3.7 kg and 47 % now pass
    settings_service.update_settings(db, admin, {"carriers.weight_tolerance_kg": "0.1",
                                                 "carriers.price_tolerance_percent": "1"})
    pv = cb.preview_file(db, sacks.st.accountant, "Hưng Phát", "b.csv", bill_csv(sacks.a, sacks.b))
    assert {r.shipment_code: r.flags for r in pv.rows}[sacks.a] == ["weight", "price"]


def test_a_unit_price_off_the_routes_cost_price_is_flagged(db, sacks):
    acc = sacks.st.accountant
    # 21 kg at 17,500 instead of 17,000 (2.9 %): the unit price and the amount are both off
    bill_id = cb.enter_bill(db, acc, header("HD-3"), [
        cb.BillLineInput(sacks.a, Decimal("21"), None, vnd(17500), None, None),
        cb.BillLineInput(sacks.b, Decimal("10.3"), None, vnd(17100), None, None)])   # 0.6 %: within tolerance
    lines = _lines(cb.bill_view(db, acc, bill_id))
    assert lines[sacks.a].flags == ["unit_price", "price"] and lines[sacks.a].amount == vnd(367500)
    assert lines[sacks.b].flags == [] and lines[sacks.b].amount == vnd(176130)


def test_a_line_for_a_sack_that_is_not_ours_or_billed_twice_is_flagged(db, sacks):
    acc = sacks.st.accountant
    cb.enter_bill(db, acc, header("HD-1"), [cb.BillLineInput(sacks.a, Decimal("21"), None, None, None, vnd(357000))])
    bill_id = cb.enter_bill(db, acc, header("HD-2"), [
        cb.BillLineInput(sacks.a.lower(), Decimal("21"), None, None, None, vnd(357000)),
        cb.BillLineInput("BH9999999", Decimal("5"), None, vnd(17000), vnd(1000), None)])
    lines = _lines(cb.bill_view(db, acc, bill_id))
    assert lines[sacks.a].flags == ["billed_before"]
    assert lines["BH9999999"].flags == ["unknown"]
    assert lines["BH9999999"].amount == vnd(86000) and lines["BH9999999"].amount_diff == vnd(86000)
    with pytest.raises(ValidationFailed) as e:      # the same number from the same carrier again
        cb.enter_bill(db, acc, header("HD-2"), [cb.BillLineInput(sacks.b, Decimal("10"), None, None, None, vnd(1))])
    assert "bill_no" in e.value.field_errors


def test_a_file_with_one_bad_row_is_refused_whole(db, sacks):
    acc = sacks.st.accountant
    content = bill_csv(sacks.a, sacks.b, bad_amount=True)
    pv = cb.preview_file(db, acc, "Hưng Phát", "bad.csv", content)
    assert not pv.ok and pv.error_count == 1
    assert [r.shipment_code for r in pv.rows if r.errors] == [sacks.b]
    with pytest.raises(cb.BillImportRefused):
        cb.import_file(db, acc, header(), "bad.csv", content)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CarrierBill)) == 0
        assert s.scalar(select(func.count()).select_from(CarrierBillLine)) == 0


def test_accepting_posts_what_the_bill_adds_to_the_cost_already_booked_in_one_balanced_entry(db, sacks):
    """Billing the customers books each order's freight at the route's cost price (the bill's
    expected 532,100); accepting the 621,800 bill books the 89,700 beyond it, not the bill again."""
    acc = sacks.st.accountant
    bill_id = cb.import_file(db, acc, header(), "hd.csv", bill_csv(sacks.a, sacks.b))
    entry_id = cb.accept_bill(db, acc, bill_id)
    with db.read() as s:
        lines = s.execute(select(LedgerAccount.code, JournalLine.amount, JournalLine.currency)
                          .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                          .where(JournalLine.entry_id == entry_id)).all()
        assert sorted(lines) == [("freight_cost", 89700, "VND"), ("freight_payable", -89700, "VND")]
        assert sum(a for _c, a, _cur in lines) == 0
        assert _owed(s) == 621800 - 532100          # these sacks' orders were not billed in this test
    view = cb.bill_view(db, acc, bill_id)
    assert view.status == "accepted" and view.accepted_amount == vnd(621800) and view.entry_id == entry_id
    with pytest.raises(DomainError):
        cb.accept_bill(db, acc, bill_id)                      # never posted twice


def test_disputing_opens_a_task_with_the_evidence_and_a_lower_agreed_amount_is_recovered(db, sacks):
    acc = sacks.st.accountant
    bill_id = cb.import_file(db, acc, header(), "hd.csv", bill_csv(sacks.a, sacks.b))
    with pytest.raises(ValidationFailed):
        cb.accept_bill(db, acc, bill_id, vnd(500000))        # less than billed only after a dispute
    with pytest.raises(ValidationFailed):
        cb.dispute_bill(db, acc, bill_id, "  ")
    task_id = cb.dispute_bill(db, acc, bill_id, "Bao B cân 10,3 kg khi niêm phong")
    with db.read() as s:
        task = s.get(Task, task_id)
        assert (task.kind, task.role, task.entity, task.entity_id) == ("carrier_dispute", "accountant",
                                                                      "carrier_bill", bill_id)
        note = render_stored(task.note, task.note_key, task.note_params, "en")
    assert "Bao B cân 10,3 kg" in note and sacks.b in note and "S-B2" in note and "10.3" in note
    assert sacks.a not in note                                  # only the flagged lines
    assert cb.bill_view(db, acc, bill_id).status == "disputed"
    with pytest.raises(DomainError):
        cb.dispute_bill(db, acc, bill_id, "again")
    cb.accept_bill(db, acc, bill_id, vnd(539000))              # the carrier took 82,800 off
    view = cb.bill_view(db, acc, bill_id)
    assert view.status == "accepted" and view.accepted_amount == vnd(539000)
    with db.read() as s:
        assert s.get(Task, task_id).status == "done"
        assert _owed(s) == 539000 - 532100


def test_typed_bills_are_checked_before_anything_is_saved(db, sacks):
    acc = sacks.st.accountant
    with pytest.raises(ValidationFailed) as e:
        cb.enter_bill(db, acc, header(), [cb.BillLineInput(sacks.a, Decimal("-1"), None, None, None, vnd(1000)),
                                          cb.BillLineInput(sacks.b, Decimal("10"), None, None, None, None)])
    assert set(e.value.field_errors) == {"lines.1", "lines.2"}
    with pytest.raises(ValidationFailed) as e:
        cb.enter_bill(db, acc, cb.BillHeader(" ", "", date(2026, 11, 1)), [cb.BillLineInput(sacks.a, Decimal(1))])
    assert {"carrier", "bill_no"} <= set(e.value.field_errors)
    with pytest.raises(Exception):
        cb.enter_bill(db, sacks.st.care, header(), [cb.BillLineInput(sacks.a, Decimal("21"), None, None, None, vnd(1))])
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CarrierBill)) == 0


def test_the_report_per_carrier_and_month_shows_billed_expected_disputed_and_recovered(db, sacks):
    from app.reports import Period
    from app.reports.reader import report_page, report_totals

    acc = sacks.st.accountant
    nov = cb.import_file(db, acc, header("HD-11"), "hd.csv", bill_csv(sacks.a, sacks.b))
    cb.dispute_bill(db, acc, nov, "Bao B sai cân")
    cb.accept_bill(db, acc, nov, vnd(539000))
    dec = cb.enter_bill(db, acc, cb.BillHeader("Vận tải Hưng Phát", "HD-12", date(2026, 12, 2)),
                        [cb.BillLineInput(sacks.a, Decimal("21"), None, None, None, vnd(357000))])
    cb.accept_bill(db, acc, dec)
    cb.enter_bill(db, acc, cb.BillHeader("Chành xe Minh Long", "ML-7", date(2026, 11, 15)),
                  [cb.BillLineInput(sacks.b, Decimal("10.3"), None, None, None, vnd(175100))])
    period = Period(date(2026, 11, 1), date(2026, 12, 31), 420)
    rows = report_page(db, acc, "carriers.bills", period).rows
    assert rows == [
        ("Chành xe Minh Long", "11/2026", 1, vnd(175100), vnd(175100), vnd(0), vnd(0), vnd(0)),
        ("Vận tải Hưng Phát", "11/2026", 1, vnd(621800), vnd(532100), vnd(89700), vnd(621800), vnd(82800)),
        ("Vận tải Hưng Phát", "12/2026", 1, vnd(357000), vnd(357000), vnd(0), vnd(0), vnd(0))]
    totals = {t.key: t.value for t in report_totals(db, acc, "carriers.bills", period)}
    assert totals["billed"] == vnd(1153900) and totals["recovered"] == vnd(82800)
    assert totals["disputed"] == vnd(621800) and totals["bills"] == 3


def test_a_column_mapped_by_hand_is_remembered_for_that_carrier_even_with_a_long_name(db, sacks):
    from app.import_columns import header_key

    acc = sacks.st.accountant
    carrier = "Công ty TNHH Vận tải và Logistics Quốc tế Hưng Phát Lạng Sơn – Chi nhánh Hà Nội"
    content = (f"Mã bao,Cân nặng (kg),Cước phải trả\n{sacks.a},21,357000\n").encode("utf-8")
    pv = cb.preview_file(db, acc, carrier, "hp.csv", content)
    assert not pv.ok and pv.problems                               # no amount column the words name
    chosen = {header_key("Cước phải trả", 2): "amount"}
    assert cb.preview_file(db, acc, carrier, "hp.csv", content, chosen).ok
    bill_id = cb.import_file(db, acc, cb.BillHeader(carrier, "HP-1", date(2026, 11, 30)), "hp.csv", content, chosen)
    assert cb.bill_view(db, acc, bill_id).billed == vnd(357000)
    assert cb.preview_file(db, acc, carrier, "hp.csv", content).ok          # next file: remembered
    assert not cb.preview_file(db, acc, "Chành xe khác", "hp.csv", content).ok   # not for another carrier


def test_a_chinese_xlsx_bill_with_a_title_row_and_grams_is_read(db, sacks):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["凭祥物流 11月账单"])                                   # a title above the header
    ws.append(["集包号", "重量(g)", "体积", "单价", "附加费", "金额"])
    ws.append([sacks.a, 21400, 0.12, 17000, 0, 363800])
    ws.append([sacks.b, 14000, None, 17000, 20000, 258000])
    buf = io.BytesIO()
    wb.save(buf)
    pv = cb.preview_file(db, sacks.st.accountant, "凭祥物流", "bill.xlsx", buf.getvalue())
    assert pv.ok, (pv.problems, [r.errors for r in pv.rows])
    rows = {r.shipment_code: r for r in pv.rows}
    assert rows[sacks.a].billed_kg == Decimal("21.4") and rows[sacks.a].billed_m3 == Decimal("0.12")
    assert rows[sacks.b].flags == ["weight", "price"] and rows[sacks.b].line == 4


def test_a_dispute_points_to_the_seal_photo_when_the_sack_has_one(db, sacks):
    from app.services import seals

    PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
           b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
    with db.read() as s:
        sid = s.scalar(select(Shipment.id).where(Shipment.code == sacks.b))
    seals.add_seal_photo(db, sacks.st.cn, sid, "seal.png", PNG)
    acc = sacks.st.accountant
    bill_id = cb.import_file(db, acc, header(), "hd.csv", bill_csv(sacks.a, sacks.b))
    task_id = cb.dispute_bill(db, acc, bill_id, "Bao B sai cân")
    with db.read() as s:
        task = s.get(Task, task_id)
        note = render_stored(task.note, task.note_key, task.note_params, "en")
    assert "S-B2 (photo in the shipment's seal and custody)" in note
