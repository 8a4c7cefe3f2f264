"""Eight desktops doing the same thing at the same moment: every uniqueness rule holds, the one
that lost reads why, and nothing is counted twice.

Each desktop is a thread with its own ``Database`` (its own engine and connection). On
PostgreSQL the eight wait on a barrier right before their INSERT, so all of them have passed
the service's own check first — only a database constraint can stop the seven. SQLite queues
writers (BEGIN IMMEDIATE), so there they only start together, and must end the same way.
"""
from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app import db as dbmod
from app.errors import DomainError, ValidationFailed
from app.fees import DEFAULT_TARIFF
from app.models import (ActivityEvent, Customer, FeePolicy, JournalLine, LedgerAccount, Order, Parcel, ParcelImport,
                        Payment, SettingValue, Shipment, Shop, Stocktake, StoredFile, Task, User)
from app.permissions import SYSTEM_ACTOR, Role
from app.services import (auth, customers, fee_policies, files, ledger, orders, shipments, stocktakes, tasks, users,
                          wallets)
from app.services import settings as settings_service
from app.workflows.tasks import TaskKind
from tests.factories import arrive_sealed, PASSWORD, item, make_customer, make_order, make_user, make_warehouses
from tests.money_helpers import accounts, set_rates

pytestmark = pytest.mark.fault

DESKTOPS = 8


def race(db, action, before_insert_into: str | None = None, n: int = DESKTOPS):
    """Run ``action(i, database)`` on ``n`` desktops at once; returns (results, errors) by desktop.

    With ``before_insert_into`` (PostgreSQL only) every desktop waits for the others right before
    its first INSERT into that table."""
    start = threading.Barrier(n)
    at_insert = threading.Barrier(n) if before_insert_into and db.kind == "postgresql" else None
    url = db.url.render_as_string(hide_password=False)
    desktops = [dbmod.Database(url, clock=db.clock, pool_size=1) for _ in range(n)]
    waited = threading.local()
    if at_insert is not None:
        prefix = f"INSERT INTO {before_insert_into} "

        def hold(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith(prefix) and not getattr(waited, "done", False):
                waited.done = True
                try:
                    at_insert.wait(15)
                except threading.BrokenBarrierError:    # a desktop stopped earlier: go on alone
                    pass
        for d in desktops:
            event.listen(d.engine, "before_cursor_execute", hold)
    results: dict[int, object] = {}
    errors: dict[int, BaseException] = {}

    def desktop(i: int) -> None:
        try:
            start.wait(30)
            results[i] = action(i, desktops[i])
        except BaseException as exc:          # kept for the assertions, never lost in a thread
            errors[i] = exc

    threads = [threading.Thread(target=desktop, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for d in desktops:
        d.dispose()
    return results, errors


def one_wins(results, errors, error_type=ValidationFailed):
    assert len(results) == 1, (results, errors)
    assert len(errors) == DESKTOPS - 1
    for exc in errors.values():
        assert isinstance(exc, error_type), repr(exc)
    return next(iter(results.values())), list(errors.values())


def _count(db, model, *where) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


# -- money -----------------------------------------------------------------------------------------

def test_eight_desktops_recording_one_bank_transfer_credit_the_wallet_once(db):
    set_rates(db)
    bank, _cny = accounts(db)
    accountant = make_user(db, Role.ACCOUNTANT)
    cid = make_customer(db)

    def record(i, database):
        return wallets.record_payment(database, accountant, "topup", cid, Decimal(500000), "FT26341 0042",
                                      date(2026, 11, 22), bank)

    results, errors = race(db, record, before_insert_into="payments")
    winner, losers = one_wins(results, errors)
    assert winner.status == "posted"
    for exc in losers:
        assert "Nguyễn Thị Hằng" in exc.field_errors["bank_reference"]     # who has it already
    view = wallets.wallet_view(db, accountant, cid)
    assert view.balance.amount == Decimal(500000)                                    # credited once
    assert _count(db, Payment) == 1
    with db.read() as s:
        wallet_acc = s.scalar(select(LedgerAccount.id).where(LedgerAccount.customer_id == cid))
        assert s.scalar(select(func.sum(JournalLine.amount)).where(JournalLine.account_id == wallet_acc)) == -500000
        assert s.scalar(select(func.sum(JournalLine.amount))) == 0             # the ledger balances
        assert s.scalar(select(LedgerAccount.balance).where(LedgerAccount.id == bank)) == 500000


def test_a_reference_is_one_per_company_account_and_a_rejected_one_can_be_recorded_again(db):
    set_rates(db)
    bank, _cny = accounts(db)
    accountant, manager = make_user(db, Role.ACCOUNTANT), make_user(db, Role.MANAGER)
    other_bank = ledger.create_cash_account(db, accountant, "Techcombank 1903", "vn")
    cid = make_customer(db)
    big = wallets.record_payment(db, accountant, "topup", cid, Decimal(30000000), "MB 0042", date(2026, 11, 22), bank)
    with pytest.raises(ValidationFailed):
        wallets.record_payment(db, accountant, "topup", cid, Decimal(30000000), " mb 0042 ", date(2026, 11, 22), bank)
    # the same number on another bank's statement is another transfer
    wallets.record_payment(db, accountant, "topup", cid, Decimal(100000), "MB 0042", date(2026, 11, 22), other_bank)
    wallets.reject_payment(db, manager, big.payment_id, "Không thấy tiền về")
    again = wallets.record_payment(db, accountant, "topup", cid, Decimal(300000), "MB 0042", date(2026, 11, 22), bank)
    assert again.status == "posted"


def test_eight_desktops_opening_the_same_company_account_make_one(db):
    accountant = make_user(db, Role.ACCOUNTANT)
    results, errors = race(db, lambda i, d: ledger.create_cash_account(d, accountant, "Vietcombank 0123", "vn"),
                           before_insert_into="ledger_accounts")
    one_wins(results, errors)
    assert all("name" in e.field_errors for e in errors.values())
    assert _count(db, LedgerAccount, LedgerAccount.book == "vn") == 1


def test_eight_desktops_opening_different_company_accounts_get_eight_codes(db):
    accountant = make_user(db, Role.ACCOUNTANT)
    results, errors = race(db, lambda i, d: ledger.create_cash_account(d, accountant, f"Quỹ tiền mặt {i}", "vn"),
                           before_insert_into="ledger_accounts")
    assert not errors, errors
    with db.read() as s:
        codes = list(s.scalars(select(LedgerAccount.code).where(LedgerAccount.book == "vn")))
    assert len(codes) == len(set(codes)) == DESKTOPS


# -- codes -----------------------------------------------------------------------------------------

def test_eight_desktops_declaring_the_same_tracking_code_give_it_to_one_order(db):
    care = make_user(db, Role.CARE)
    wh = make_warehouses(db)
    cid = make_customer(db, care)

    def declare(i, database):
        return orders.create_order(database, care, orders.OrderInput(
            "consignment", cid, wh["VN-HN"], wh["CN-GZ"], tracking_codes=["yt 2026 1207 0001"],
            goods_description="Giày dép, 1 kiện"))

    results, errors = race(db, declare, before_insert_into="parcels")
    winner, losers = one_wins(results, errors)
    for exc in losers:
        assert "YT202612070001" in exc.field_errors["tracking_codes"]
    with db.read() as s:
        assert s.scalar(select(Parcel.order_id).where(Parcel.tracking_code == "YT202612070001")) == winner
        assert s.scalar(select(func.count()).select_from(Order)) == 1            # the losers left nothing


def test_eight_desktops_creating_customers_and_orders_get_distinct_codes(db):
    care = make_user(db, Role.CARE)
    wh = make_warehouses(db)

    def create(i, database):
        cid = customers.create_customer(database, care, customers.CustomerInput(
            name=f"Khách {i}", phone=f"0912 000 {i:03d}", addresses=[]))
        return orders.create_order(database, care, orders.OrderInput(
            "purchase", cid, wh["VN-HN"], wh["CN-GZ"], items=[item(shop="Cửa hàng mới 新店")]))

    results, errors = race(db, create, before_insert_into="shops")
    assert not errors, errors           # the new shop, named by all eight at once, is shared
    with db.read() as s:
        ccodes = list(s.scalars(select(Customer.code)))
        ocodes = list(s.scalars(select(Order.code)))
        assert s.scalar(select(func.count()).select_from(Shop).where(Shop.name == "Cửa hàng mới 新店")) == 1
    assert len(set(ccodes)) == len(ccodes) == DESKTOPS and all(c.startswith("KH") for c in ccodes)
    assert len(set(ocodes)) == len(ocodes) == DESKTOPS and all(c.startswith("DH") for c in ocodes)


def test_one_packer_opening_shipments_on_eight_desktops_in_the_same_second_gets_eight(db):
    packer = make_user(db, Role.FORWARDER_CN)
    wh = make_warehouses(db)
    results, errors = race(db, lambda i, d: shipments.open_shipment(d, packer, wh["CN-GZ"], wh["VN-HN"]),
                           before_insert_into="shipments")
    assert not errors, errors
    with db.read() as s:
        codes = list(s.scalars(select(Shipment.code)))
    assert len(set(codes)) == DESKTOPS and all(c.startswith("BH") for c in codes)


def test_eight_admins_creating_the_same_user_name_make_one_account(db):
    admin = make_user(db, Role.ADMIN)
    results, errors = race(db, lambda i, d: users.create_user(d, admin, "thu.trang", f"Lê Thu Trang {i}",
                                                              "mật khẩu 12345", ["care"]),
                           before_insert_into="users")
    one_wins(results, errors)
    assert all("username" in e.field_errors for e in errors.values())
    assert _count(db, User, User.username == "thu.trang") == 1


def test_eight_managers_saving_the_same_discount_code_make_one(db):
    manager = make_user(db, Role.MANAGER)

    def save(i, database):
        return fee_policies.save_discount_code(database, manager, None, fee_policies.DiscountInput(
            code="TET2027", fee_codes=["purchasing_fee"], percent=Decimal(10)))

    results, errors = race(db, save, before_insert_into="discount_codes")
    one_wins(results, errors)
    assert all("code" in e.field_errors for e in errors.values())


def test_eight_managers_saving_fee_policy_versions_at_once_number_them_one_by_one(db, clock):
    manager = make_user(db, Role.MANAGER)
    fee_policies.list_policies(db, manager)                 # the default set exists (version 1)

    def save(i, database):
        return fee_policies.create_policy(database, manager, f"Biểu phí {i}", None,
                                          clock.now() + timedelta(days=1, minutes=i), DEFAULT_TARIFF.to_json())

    results, errors = race(db, save, before_insert_into="fee_policies")
    assert not errors, errors
    with db.read() as s:
        versions = sorted(s.scalars(select(FeePolicy.version).where(FeePolicy.vip_level_id.is_(None))))
    assert versions == list(range(1, DESKTOPS + 2))


def test_eight_desktops_starting_a_stocktake_of_one_warehouse_open_one(db):
    keeper = make_user(db, Role.WAREHOUSE_VN)
    wh = make_warehouses(db)
    results, errors = race(db, lambda i, d: stocktakes.start_stocktake(d, keeper, wh["VN-HN"]))
    one_wins(results, errors, DomainError)
    assert _count(db, Stocktake, Stocktake.status == "open") == 1


def test_eight_desktops_attaching_the_same_photo_store_it_once(db):
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    def attach(i, database):
        with database.transaction() as tx:
            return files.store(tx, "hang.png", photo, images_only=True).id

    results, errors = race(db, attach, before_insert_into="stored_files")
    assert not errors, errors
    assert len(set(results.values())) == 1
    assert _count(db, StoredFile) == 1


# -- signing in ------------------------------------------------------------------------------------

def _verify_together(db, monkeypatch):
    """Every desktop has read the account before any checks its password (PostgreSQL)."""
    if db.kind != "postgresql":
        return
    barrier = threading.Barrier(DESKTOPS)
    real = auth.verify_password

    def verify(stored, password):
        try:
            barrier.wait(15)
        except threading.BrokenBarrierError:
            pass
        return real(stored, password)
    monkeypatch.setattr(auth, "verify_password", verify)


def test_one_account_signing_in_on_eight_desktops_at_once_gets_in_everywhere(db, monkeypatch):
    care = make_user(db, Role.CARE, username="hang")
    with db.read() as s:
        version = s.scalar(select(User.version).where(User.id == care.user_id))
    _verify_together(db, monkeypatch)
    results, errors = race(db, lambda i, d: auth.login(d, "hang", PASSWORD))
    assert not errors, errors
    assert {r.user_id for r in results.values()} == {care.user_id}
    with db.read() as s:
        u = s.get(User, care.user_id)
        assert u.last_login_at is not None and u.failed_logins == 0
        assert u.version == version            # an admin's open form of the account is not stale
        assert s.scalar(select(func.count()).select_from(ActivityEvent).where(
            ActivityEvent.entity == "user", ActivityEvent.action == "login")) == DESKTOPS


def test_eight_wrong_passwords_at_once_count_eight_and_lock_the_account(db, monkeypatch):
    care = make_user(db, Role.CARE, username="hang")
    _verify_together(db, monkeypatch)
    results, errors = race(db, lambda i, d: auth.login(d, "hang", "sai mật khẩu"))
    assert not results
    assert len(errors) == DESKTOPS
    assert all(isinstance(e, (auth.LoginFailed, auth.AccountLocked)) for e in errors.values()), errors
    with db.read() as s:
        u = s.get(User, care.user_id)
        assert u.locked_at is not None
        if db.kind == "postgresql":           # all eight checked before any was refused as locked
            assert u.failed_logins == DESKTOPS
    with pytest.raises(auth.AccountLocked):
        auth.login(db, "hang", PASSWORD)


# -- set-up, settings, tasks -----------------------------------------------------------------------

def test_eight_desktops_setting_up_one_new_server_make_one_company(db):
    def setup(i, database):
        return auth.first_run_setup(database, "Công ty Minh Phát", f"admin{i}", "Phạm Quốc Hùng", "mật khẩu mạnh 1")

    results, errors = race(db, setup, before_insert_into="warehouses")
    one_wins(results, errors, DomainError)
    assert all("already has accounts" in e.msgid for e in errors.values())
    assert _count(db, User) == 1


def test_eight_admins_saving_a_setting_never_set_before_all_save_it(db):
    admin = make_user(db, Role.ADMIN)
    results, errors = race(db, lambda i, d: settings_service.update_settings(d, admin,
                                                                             {"ui.page_size": str(100 + i)}),
                           before_insert_into="settings")
    assert not errors, errors
    with db.read() as s:
        rows = s.execute(select(SettingValue.value).where(SettingValue.key == "ui.page_size")).all()
    assert len(rows) == 1 and int(rows[0].value) in range(100, 100 + DESKTOPS)


def test_eight_desktops_opening_the_same_task_open_it_once(db):
    care = make_user(db, Role.CARE)
    oid = make_order(db, care, make_customer(db, care))

    def chase(i, database):
        with database.transaction() as tx:
            return tasks.open_task(tx, SYSTEM_ACTOR, TaskKind.CHASE_SHOP, Role.ORDERING, "Đòi mã vận đơn",
                                   "order", oid).id

    results, errors = race(db, chase, before_insert_into="tasks")
    assert not errors, errors
    assert len(set(results.values())) == 1
    assert _count(db, Task, Task.kind == TaskKind.CHASE_SHOP.value, Task.status == "open") == 1


def test_eight_managers_saving_the_same_vip_level_code_make_one(db):
    manager = make_user(db, Role.MANAGER)
    results, errors = race(db, lambda i, d: fee_policies.save_vip_level(d, manager, None, fee_policies.VipLevelInput(
        code="VIP2", name=f"VIP 2 ({i})")), before_insert_into="vip_levels")
    one_wins(results, errors)
    assert all("code" in e.field_errors for e in errors.values())


# -- warehouse -------------------------------------------------------------------------------------

#: the first row links a code to its shop order (a new parcel): the desktops meet on it first
PARTNER_LIST = """Mã vận đơn,Cân nặng (kg),Kích thước,Mã đơn shop,Ghi chú
ZT6000000000003,2,,TB-998877,
YT6000000000001,1.25,40x30x20,,
JT6000000000004,3.1,,TB-000000,không rõ
"""


def test_eight_desktops_importing_one_partner_list_receive_it_once(db):
    from app.services import parcel_imports
    from tests.services.warehouse_helpers import make_staff, parcel, purchase_order

    st = make_staff(db)
    purchase_order(db, st, ["YT6000000000001"])
    oid, _so = purchase_order(db, st, [], seller_order_no="TB-998877")
    content = PARTNER_LIST.encode("utf-8-sig")
    results, errors = race(db, lambda i, d: parcel_imports.import_parcels(d, st.cn, st.wh["CN-GZ"], "partner.csv",
                                                                          content),
                           before_insert_into="parcel_imports")
    winner, _losers = one_wins(results, errors, DomainError)
    assert (winner.received, winner.ownerless) == (2, 1)
    assert _count(db, ParcelImport) == 1
    assert parcel(db, "ZT6000000000003").order_id == oid
    assert _count(db, Parcel, Parcel.tracking_code.in_(["YT6000000000001", "ZT6000000000003",
                                                         "JT6000000000004"])) == 3


def test_an_unknown_code_scanned_from_four_arrived_shipments_at_once_becomes_one_parcel(db):
    from tests.services.warehouse_helpers import consignment_order, kg, make_staff, parcel
    from app.services import parcels as parcel_service
    from app.services.scanning import Outcome

    st = make_staff(db)
    arrived = []
    for i in range(4):
        code = f"SF77000000{i:02d}"
        consignment_order(db, st, [code])
        parcel_service.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg("1"))
        sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
        shipments.pack_scan(db, st.cn, sid, code)
        shipments.seal_shipment(db, st.cn, sid, Decimal("1.5"), f"S-{i}")
        shipments.depart_shipment(db, st.cn, sid)
        arrive_sealed(db, st.vn, shipments.get_shipment(db, st.cn, sid).code)
        arrived.append(sid)
    results, errors = race(db, lambda i, d: shipments.receive_scan(d, st.vn, arrived[i], "JT9100000000001"),
                           before_insert_into="parcels", n=4)
    assert not errors, errors
    outcomes = sorted(r.outcome for r in results.values())
    assert outcomes.count(Outcome.EXTRA) == 1 and outcomes.count(Outcome.WRONG) == 3, outcomes
    assert parcel(db, "JT9100000000001").ownerless
    assert _count(db, Parcel, Parcel.tracking_code == "JT9100000000001") == 1
