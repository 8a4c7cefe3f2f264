"""Through the server, the services do exactly what they do in-process: the same wallet credit,
the same scan, the same read models value for value (Decimal, Money, dates, enums), the same
refusals with the same field errors — in the desktop's language."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import NotFound, StaleEdit, ValidationFailed
from app.i18n import set_language
from app.models import ActivityEvent, JournalLine
from app.money import CNY, VND, Money
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.remote import wire
from app.remote.views import next_request
from app.services import ledger, orders, parcels, wallets
from app.services.scanning import Measurements, Outcome, ScanResult
from tests.factories import PASSWORD, make_customer, make_order, make_user
from tests.money_helpers import accounts
from tests.services.warehouse_helpers import make_staff, purchase_order


def test_a_top_up_through_the_server_credits_the_wallet_exactly_as_in_process(db, desktop):
    acc = make_user(db, Role.ACCOUNTANT, username="phuong", full_name="Ngô Thị Phương")
    care = make_user(db, Role.CARE)
    bank, _cny = accounts(db)
    here, there = make_customer(db, care, name="Trần Văn An"), make_customer(db, care, name="Lê Thị Bình")
    on = db.clock.now().date()
    local = wallets.record_payment(db, acc, "topup", here, Decimal("5250000"), "VCB 0001", on, bank)
    client = desktop()
    client.login("phuong", PASSWORD)
    remote = client.call("wallets.record_payment", "topup", there, Decimal("5250000"), "VCB 0002", on,
                         bank, note="chuyển khoản sáng")
    assert isinstance(remote, wallets.PaymentResult)
    assert remote.status == local.status == "posted" and remote.entry_id

    a, b = wallets.wallet_view(db, care, here), client.call("wallets.view", there)
    assert b == wallets.wallet_view(db, care, there)           # the remote view is the in-process one
    assert b.balance == a.balance == Money(Decimal(5250000), VND) and isinstance(b.balance.amount, Decimal)
    statement = client.call("ledger.statement", there)
    assert statement == ledger.statement(db, care, there)
    assert [(l.money_in, l.money_out, l.balance) for l in statement] == \
        [(l.money_in, l.money_out, l.balance) for l in ledger.statement(db, care, here)]
    with db.read() as s:
        lines = s.execute(select(JournalLine.entry_id, JournalLine.amount)
                          .where(JournalLine.entry_id.in_([local.entry_id, remote.entry_id]))).all()
        assert sorted(x.amount for x in lines if x.entry_id == remote.entry_id) == \
            sorted(x.amount for x in lines if x.entry_id == local.entry_id)
        who = s.scalar(select(ActivityEvent).where(ActivityEvent.entity == "payment",
                                                   ActivityEvent.entity_id == remote.payment_id))
    assert (who.actor_id, who.actor_name, who.role) == (acc.user_id, "Ngô Thị Phương", "accountant")
    assert client.call("wallets.get_payment", remote.payment_id) == wallets.get_payment(db, acc, remote.payment_id)


def test_a_refused_top_up_comes_back_with_its_field_errors_in_the_desktops_language(db, desktop):
    acc = make_user(db, Role.ACCOUNTANT, username="phuong")
    bank, _cny = accounts(db)
    cid = make_customer(db)
    client = desktop()
    client.login("phuong", PASSWORD)
    args = ("topup", cid, Decimal("1500.5"), "", db.clock.now().date(), bank)

    def both() -> tuple[ValidationFailed, ValidationFailed]:
        with pytest.raises(ValidationFailed) as remote:
            client.call("wallets.record_payment", *args)
        with pytest.raises(ValidationFailed) as local:
            wallets.record_payment(db, acc, *args)
        return remote.value, local.value

    remote_vi, local_vi = both()
    assert set(remote_vi.field_errors) == {"amount", "bank_reference"}
    assert remote_vi.field_errors == local_vi.field_errors and remote_vi.message() == local_vi.message()
    set_language("en")
    remote_en, local_en = both()
    assert remote_en.field_errors == local_en.field_errors != local_vi.field_errors
    assert remote_en.field_errors["amount"] == "Đồng have no decimals: enter a whole amount."
    with pytest.raises(NotFound) as missing:
        client.call("wallets.get_payment", 999)
    assert missing.value.message() == "The payment was not found; it may have been deleted."
    set_language("vi")     # the parameter ("The payment") is translated where it is shown
    assert missing.value.message() != "The payment was not found; it may have been deleted."
    assert "The payment" not in missing.value.message()


def test_a_receiving_scan_through_the_server_is_the_same_scan(db, desktop):
    st = make_staff(db)
    purchase_order(db, st, ["YT1234567890123", "YT1234567890124"])
    with db.transaction() as tx:
        from app.models import User
        tx.get(User, st.cn.user_id).username = "wang"
    client = desktop()
    client.login("wang", PASSWORD)
    m = Measurements(Decimal("1.255"), Decimal("30.5"), Decimal("20"), Decimal("15.25"))
    remote = client.call("parcels.receive_cn", st.wh["CN-GZ"], " yt 1234567890123 ", m)
    local = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT1234567890124", m)
    assert isinstance(remote, ScanResult) and remote.outcome is Outcome.RECEIVED
    same = lambda r: dataclasses.replace(r, code="", parcel_id=0, title=r.title.replace(r.code, ""),
                                         detail=r.detail.replace(r.code, ""))
    assert same(remote) == same(local)
    assert remote.weight_kg == Decimal("1.255") and str(remote.chargeable_kg) == str(local.chargeable_kg)
    again = client.call("parcels.receive_cn", st.wh["CN-GZ"], "YT1234567890123")
    assert again.outcome is Outcome.ALREADY and again.tone == "again"
    assert client.call("parcels.receive_cn", st.wh["CN-GZ"], "??").outcome is Outcome.REFUSED


def test_the_order_window_read_model_arrives_value_for_value(db, desktop):
    care = make_user(db, Role.CARE, username="trang")
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    client = desktop()
    client.login("trang", PASSWORD)
    remote, local = client.call("orders.get", oid), orders.get_order(db, care, oid)
    assert remote == local
    assert remote.goods_cny == local.goods_cny and remote.goods_cny.currency == CNY
    assert [str(i.unit_price_cny) for i in remote.items] == [str(i.unit_price_cny) for i in local.items]
    assert remote.created_at == local.created_at and remote.created_at.tzinfo is not None
    assert remote.tracker == local.tracker and remote.actions == local.actions
    client.call("orders.apply_action", oid, "submit", seen_version=remote.version)
    with pytest.raises(StaleEdit):       # a second desktop with the old version
        client.call("orders.apply_action", oid, "cancel", reason="khách huỷ", seen_version=remote.version)


def test_queue_pages_through_the_server_match_the_in_process_ones(db, desktop, clock):
    care = make_user(db, Role.CARE, username="trang")
    cid = make_customer(db, care)
    for _ in range(5):
        make_order(db, care, cid)
        clock.advance(minutes=7)
    client = desktop()
    client.login("trang", PASSWORD)
    names = [q.name for q in reader.queues_for(care)]
    assert client.call("queues.counts", names) == \
        {n: reader.queue_count(db, care, n, PageRequest()) for n in names}
    req = PageRequest(limit=2)
    first = client.call("queues.page", "orders.all", req)
    local = reader.queue_page(db, care, "orders.all", req)
    assert first.rows == [tuple(r) for r in local.rows] and first.fields == tuple(local.rows[0]._fields)
    assert first.rows[0].id == local.rows[0].id and first.last_key == local.last_key
    queue = reader.QUEUES["orders.all"]
    ctx = reader.context(db, care)
    assert list(first.flags) == [queue.flag(r, ctx) if queue.flag else None for r in local.rows]
    seen, page = [r.id for r in first.rows], first
    while not page.exhausted:                 # keyset paging with the key the server sent
        page = client.call("queues.page", "orders.all", next_request(req, page))
        seen += [r.id for r in page.rows]
    assert len(seen) == len(set(seen)) == 5


def test_exact_values_survive_the_wire_where_the_type_says_any():
    at = datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=timezone.utc)
    facts = {"net_kg": Decimal("12.500"), "fee": Money(Decimal("1.05"), CNY), "day": date(2026, 1, 31),
             "at": at, "naive": datetime(2026, 1, 1, 8, 30), "n": 3, "blob": b"\x00\xff", "neg": Decimal("-0.000")}
    r = ScanResult(Outcome.RECEIVED, "YT1", "ok", weight_kg=Decimal("1.250"), facts=facts)
    back = wire.decode(wire.encode(r, ScanResult), ScanResult)
    assert back == r and back.outcome is Outcome.RECEIVED
    for key, value in facts.items():
        assert type(back.facts[key]) is type(value) and str(back.facts[key]) == str(value)
    assert str(back.weight_kg) == "1.250"
    req = PageRequest(sort=("total", True), after=(Money(Decimal("120000"), VND), 41))
    assert wire.decode(wire.encode(req, PageRequest), PageRequest) == req


def test_a_scan_through_the_server_sends_the_scans_statements_and_one_for_the_session(db, desktop):
    """One request per scan, and on the server the statements the scan needs plus one to read
    the session (no statement per row, nothing more per call)."""
    from sqlalchemy import event

    st = make_staff(db)
    purchase_order(db, st, ["YT1234567890125", "YT1234567890126", "YT1234567890127"])
    with db.transaction() as tx:
        from app.models import User
        tx.get(User, st.cn.user_id).username = "wang"
    client = desktop()
    client.login("wang", PASSWORD)
    client.call("parcels.receive_cn", st.wh["CN-GZ"], "YT1234567890127")   # warm: the session is touched
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT1234567890125")
        local = len(statements)
        statements.clear()
        client.call("parcels.receive_cn", st.wh["CN-GZ"], "YT1234567890126")
        remote = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    extra = 2 if db.kind == "sqlite" else 1      # SQLite's read also issues its own BEGIN
    assert remote == local + extra, statements


def test_the_order_window_paints_from_one_call_pictures_and_chats_included(db, desktop):
    care = make_user(db, Role.CARE, username="trang")
    forwarder = make_user(db, Role.FORWARDER_CN, username="wang")
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40     # every byte value, exactly
    client = desktop()
    client.login("trang", PASSWORD)
    fid = client.call("orders.attach_file", oid, "ảnh mẫu.png", picture)
    client.call("orders.post_message", oid, "internal", "Shop hết màu đỏ, hỏi khách", attachment=("b.png", picture[:300]))
    window = client.call("orders.window", oid)
    assert window.order == orders.get_order(db, care, oid)
    assert window.internal_chat == tuple(orders.list_messages(db, care, oid, "internal"))
    assert window.internal_chat[0].body == "Shop hết màu đỏ, hỏi khách"
    assert window.customer_chat == ()
    stored = next(f for f in window.order.files if f.id == fid)
    assert client.call("orders.read_file", stored.file_id) == orders.read_file(db, care, stored.file_id)
    assert client.call("orders.read_file", stored.file_id)[1] == picture
    client.logout()
    client.login("wang", PASSWORD)                        # a forwarder reads no chat
    seen = client.call("orders.window", oid)
    assert seen.internal_chat is None and seen.customer_chat is None and seen.order.id == oid
    assert forwarder.role is Role.FORWARDER_CN
