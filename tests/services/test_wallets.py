"""Wallets on SQLite and PostgreSQL: top-ups and refunds, the second approval above the limit,
credit limits, the statement, the ledger behind it — and who may do what."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import ActivityEvent, CustomerMessage, JournalEntry, Task
from app.money import VND, Money
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import ledger, settings as settings_service, wallets
from tests.factories import make_customer, make_user
from tests.money_helpers import accounts


def vnd(n) -> Money:
    return Money.of(str(n), VND)


@pytest.fixture
def staff(db):
    return {r: make_user(db, getattr(Role, r.upper()), full_name=n) for r, n in (
        ("accountant", "Ngô Thị Phương"), ("manager", "Phạm Quốc Hùng"), ("care", "Lê Thu Trang"),
        ("ordering", "Vũ Minh Đức"), ("forwarder_cn", "Lý Văn Quang"))}


@pytest.fixture
def bank(db):
    return accounts(db)[0]


def _topup(db, actor, cid, amount, ref, bank, kind="topup"):
    return wallets.record_payment(db, actor, kind, cid, Decimal(amount), ref, date(2026, 11, 22), bank)


def test_a_top_up_reaches_the_wallet_statement_and_the_vn_money_book(db, staff, bank):
    acc = staff["accountant"]
    cid = make_customer(db, staff["care"])
    result = _topup(db, acc, cid, "5000000", "VCB 2611 0001", bank)
    assert result.status == "posted" and result.entry_id
    view = wallets.wallet_view(db, staff["care"], cid)
    assert view.balance == vnd(5000000) and view.available == vnd(5000000)
    lines = ledger.statement(db, staff["care"], cid)
    assert [(l.money_in, l.money_out, l.balance, l.reference) for l in lines] == [
        (vnd(5000000), None, vnd(5000000), "VCB 2611 0001")]
    book = ledger.book_lines(db, acc, "vn")
    assert book[0].money_in == vnd(5000000) and book[0].counterpart == "Nguyễn Thị Hằng"
    with db.read() as s:
        msg = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "wallet_topup"))
        assert "5.000.000" in msg.body                       # told in Vietnamese money format
        assert s.scalar(select(ActivityEvent.id).where(ActivityEvent.entity == "journal_entry")) is not None


def test_a_large_top_up_waits_for_a_second_person(db, staff, bank):
    acc, manager = staff["accountant"], staff["manager"]
    cid = make_customer(db, staff["care"])
    result = _topup(db, acc, cid, "25000000", "VCB-BIG", bank)           # above the 20,000,000 limit
    assert result.status == "awaiting_approval" and result.entry_id is None
    assert wallets.wallet_view(db, acc, cid).balance == vnd(0)
    rows = reader.queue_page(db, acc, "money.payments_pending", PageRequest()).rows
    assert [r.id for r in rows] == [result.payment_id]
    with pytest.raises(DomainError) as err:
        wallets.approve_payment(db, acc, result.payment_id)              # not the one who recorded it
    assert "second person" in err.value.msgid
    with pytest.raises(PermissionDenied):
        wallets.approve_payment(db, staff["care"], result.payment_id)
    other = make_user(db, Role.ACCOUNTANT)
    wallets.approve_payment(db, other, result.payment_id)
    assert wallets.wallet_view(db, acc, cid).balance == vnd(25000000)
    assert reader.queue_page(db, acc, "money.payments_pending", PageRequest()).rows == []
    with db.read() as s:
        assert s.scalar(select(Task.status).where(Task.entity == "payment")) == "done"


def test_a_rejected_payment_never_touches_the_wallet(db, staff, bank):
    result = _topup(db, staff["accountant"], make_customer(db, staff["care"]), "30000000", "X-1", bank)
    with pytest.raises(DomainError):
        wallets.reject_payment(db, staff["manager"], result.payment_id, " ")
    wallets.reject_payment(db, staff["manager"], result.payment_id, "Không thấy tiền về tài khoản")
    view = wallets.get_payment(db, staff["manager"], result.payment_id)
    assert view.status == "rejected" and view.entry_id is None
    with db.read() as s:
        assert s.scalar(select(JournalEntry.id)) is None


def test_the_approval_limit_is_a_setting(db, staff, bank):
    admin = make_user(db, Role.ADMIN)
    settings_service.update_settings(db, admin, {"money.approval_limit_vnd": "1000000"})
    result = _topup(db, staff["accountant"], make_customer(db, staff["care"]), "1000001", "R-2", bank)
    assert result.status == "awaiting_approval"


@pytest.mark.parametrize("amount, reference, field", [
    ("0", "R1", "amount"), ("-5", "R1", "amount"), ("100.5", "R1", "amount"), ("1000", "  ", "bank_reference"),
    ("999999999999999", "R1", "amount"),
])
def test_bad_payments_are_refused_field_by_field_and_nothing_is_saved(db, staff, bank, amount, reference, field):
    cid = make_customer(db, staff["care"])
    with pytest.raises(ValidationFailed) as err:
        _topup(db, staff["accountant"], cid, amount, reference, bank)
    assert field in err.value.field_errors
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM payments")).scalar() == 0


def test_the_same_bank_reference_is_not_recorded_twice(db, staff, bank):
    c1, c2 = make_customer(db, staff["care"]), make_customer(db, staff["care"], name="Trần Văn Đức", phone="0987 654 321")
    _topup(db, staff["accountant"], c1, "100000", "FT26327", bank)
    with pytest.raises(ValidationFailed) as err:
        _topup(db, staff["accountant"], c2, "100000", "ft26327", bank)
    assert "Nguyễn Thị Hằng" in err.value.field_errors["bank_reference"]


def test_a_refund_pays_out_no_more_than_the_wallet_holds(db, staff, bank):
    acc = staff["accountant"]
    cid = make_customer(db, staff["care"])
    _topup(db, acc, cid, "300000", "IN-1", bank)
    with pytest.raises(ValidationFailed) as err:
        _topup(db, acc, cid, "300001", "OUT-1", bank, kind="refund")
    assert "amount" in err.value.field_errors
    _topup(db, acc, cid, "120000", "OUT-2", bank, kind="refund")
    assert wallets.wallet_view(db, acc, cid).balance == vnd(180000)
    summary = ledger.book_summary(db, acc, "vn")
    assert (summary.money_in, summary.money_out, summary.closing) == (vnd(300000), vnd(120000), vnd(180000))


def test_credit_is_granted_by_a_manager_with_a_reason(db, staff):
    cid = make_customer(db, staff["care"])
    for who in ("accountant", "care", "ordering", "forwarder_cn"):
        with pytest.raises(PermissionDenied):
            wallets.grant_credit(db, staff[who], cid, Decimal(5000000), "khách quen")
    with pytest.raises(ValidationFailed) as err:
        wallets.grant_credit(db, staff["manager"], cid, Decimal(5000000), "")
    assert "note" in err.value.field_errors
    wallets.grant_credit(db, staff["manager"], cid, Decimal(5000000), "Khách quen 3 năm")
    view = wallets.wallet_view(db, staff["care"], cid)
    assert view.credit_limit == vnd(5000000) and view.available == vnd(5000000) and view.balance == vnd(0)
    with db.read() as s:
        ev = s.scalar(select(ActivityEvent).where(ActivityEvent.action == "credit_limit"))
        assert ev.after == {"credit_limit": "5000000 VND"} and ev.note == "Khách quen 3 năm"


def test_who_may_touch_money(db, staff, bank):
    cid = make_customer(db, staff["care"])
    for who in ("care", "ordering", "forwarder_cn", "manager"):
        with pytest.raises(PermissionDenied):
            _topup(db, staff[who], cid, "1000", "P-" + who, bank)
    for who in ("care", "ordering", "forwarder_cn"):
        with pytest.raises(PermissionDenied):
            ledger.book_lines(db, staff[who], "vn")
    with pytest.raises(PermissionDenied):
        wallets.wallet_view(db, staff["forwarder_cn"], cid)
    assert wallets.wallet_view(db, staff["care"], cid).balance == vnd(0)   # care may look


def test_the_ledger_refuses_edits_and_deletes(db, staff, bank):
    _topup(db, staff["accountant"], make_customer(db, staff["care"]), "1000", "L-1", bank)
    for sql in ("UPDATE journal_lines SET amount = amount + 1", "DELETE FROM journal_lines",
                "UPDATE journal_entries SET memo = 'x'", "DELETE FROM journal_entries"):
        with pytest.raises(Exception) as err:
            with db.engine.begin() as conn:
                conn.execute(text(sql))
        assert "append-only" in str(err.value)


def test_a_mistaken_top_up_is_reversed_by_a_new_entry(db, staff, bank):
    acc, manager = staff["accountant"], staff["manager"]
    cid = make_customer(db, staff["care"])
    entry_id = _topup(db, acc, cid, "700000", "WRONG-1", bank).entry_id
    with pytest.raises(PermissionDenied):
        ledger.reverse_entry(db, staff["care"], entry_id, "nhầm khách")
    reversal = ledger.reverse_entry(db, manager, entry_id, "Nhầm khách hàng")
    assert wallets.wallet_view(db, acc, cid).balance == vnd(0)
    with pytest.raises(DomainError):
        ledger.reverse_entry(db, manager, entry_id, "again")
    view = ledger.get_entry(db, acc, entry_id)
    assert view.reversed_by_id == reversal and not view.reversible
    assert ledger.get_entry(db, acc, reversal).reverses_id == entry_id
    assert ledger.book_summary(db, acc, "vn").closing == vnd(0)


def test_cash_accounts_are_named_once(db, staff):
    acc = staff["accountant"]
    ledger.create_cash_account(db, acc, "Vietcombank 0451", "vn")
    with pytest.raises(ValidationFailed):
        ledger.create_cash_account(db, acc, "vietcombank 0451", "vn")
    with pytest.raises(ValidationFailed):
        ledger.create_cash_account(db, acc, "", "cn")
    with pytest.raises(PermissionDenied):
        ledger.create_cash_account(db, staff["ordering"], "Alipay 2", "cn")
    ledger.create_cash_account(db, acc, "Alipay Quảng Châu", "cn")
    assert [a.name for a in ledger.cash_accounts(db, acc, "cn")] == ["Alipay Quảng Châu"]
