"""Sign-in on the server, the session token, the actor of every call taken from the token — on
SQLite and PostgreSQL, through a real server over real TLS."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import PermissionDenied
from app.models import Payment, RemoteSession
from app.permissions import Role
from app.remote.errors import RoleNotHeld, SessionExpired, TooManyAttempts
from app.server.sessions import SessionStore
from app.services import auth, users, wallets
from tests.factories import PASSWORD, make_customer, make_user
from tests.money_helpers import accounts


def _sessions(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(RemoteSession))


def test_a_user_signs_in_and_calls_as_themselves(db, running, desktop):
    acc = make_user(db, Role.ACCOUNTANT, username="phuong", full_name="Ngô Thị Phương")
    client = desktop()
    signed = client.login("Phuong ", PASSWORD)
    assert signed.user_id == acc.user_id and signed.roles == (Role.ACCOUNTANT,)
    assert client.token and _sessions(db) == 1
    with db.read() as s:   # only the token's hash is stored
        assert s.scalar(select(RemoteSession.token_hash)) != client.token
    cid = make_customer(db)
    assert client.call("wallets.view", customer_id=cid).customer_id == cid
    client.logout()
    assert _sessions(db) == 0
    with pytest.raises(SessionExpired):
        client.call("wallets.view", customer_id=cid)


def test_wrong_passwords_lock_the_account_on_the_server(db, running, desktop):
    make_user(db, Role.CARE, username="trang")
    client = desktop()
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(auth.LoginFailed) as failed:
            client.login("trang", "wrong password")
    assert failed.value.message() == "Sai tên đăng nhập hoặc mật khẩu."
    with pytest.raises(auth.LoginFailed):           # the locking attempt reads like any wrong one:
        client.login("trang", "wrong password")     # nothing tells a guesser the name exists
    with pytest.raises(auth.AccountLocked):       # even the right password now
        client.login("trang", PASSWORD)
    assert client.token is None and _sessions(db) == 0


def test_failed_sign_ins_from_one_address_are_rate_limited(db, start_server, desktop):
    start_server(sessions=SessionStore(db, failures_per_window=3))
    make_user(db, Role.CARE, username="trang")
    client = desktop()
    for name in ("an", "binh", "chi"):            # guessing names: no account locks, the address does
        with pytest.raises(auth.LoginFailed):
            client.login(name, "123456")
    with pytest.raises(TooManyAttempts):
        client.login("trang", PASSWORD)
    db.clock.advance(minutes=11)
    assert client.login("trang", PASSWORD).username == "trang"


def test_a_forwarder_calling_a_manager_operation_is_refused_and_nothing_is_written(db, running, desktop):
    forwarder = make_user(db, Role.FORWARDER_CN, username="quang", full_name="Lý Văn Quang")
    cid = make_customer(db)
    bank, _cny = accounts(db)
    client = desktop()
    client.login("quang", PASSWORD)
    args = ("topup", cid, Decimal(500000), "VCB 1", db.clock.now().date(), bank)
    with pytest.raises(PermissionDenied) as refused:
        client.call("wallets.record_payment", *args)
    with pytest.raises(PermissionDenied) as in_process:
        wallets.record_payment(db, forwarder, *args)
    assert refused.value.message() == in_process.value.message()   # names the role and the action
    with pytest.raises(PermissionDenied):
        client.call("orders.confirm", order_id=1, care_staff_id=1, ordering_staff_id=None)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_disabled_user_is_refused_on_the_next_call(db, running, desktop):
    admin = make_user(db, Role.ADMIN)
    care = make_user(db, Role.CARE, username="trang")
    cid = make_customer(db)
    client = desktop()
    client.login("trang", PASSWORD)
    assert client.call("customers.get", cid).id == cid
    view = next(u for u in users.list_users(db, admin) if u.id == care.user_id)
    users.update_user(db, admin, care.user_id, view.version, view.full_name, ["care"], None,
                      is_active=False)
    with pytest.raises(auth.AccountDisabled):
        client.call("customers.get", cid)
    assert _sessions(db) == 0
    with pytest.raises(auth.AccountDisabled):
        client.login("trang", PASSWORD)


def test_the_role_comes_from_the_session_and_must_still_be_held(db, running, desktop):
    admin = make_user(db, Role.ADMIN)
    both = make_user(db, Role.CARE, Role.MANAGER, username="hung")
    client = desktop()
    client.login("hung", PASSWORD)
    client.role = Role.CARE
    with pytest.raises(PermissionDenied):        # care may not confirm orders
        client.call("orders.confirm", order_id=1, care_staff_id=1, ordering_staff_id=None)
    client.role = Role.ACCOUNTANT                # a role hung does not hold
    with pytest.raises(RoleNotHeld):
        client.call("customers.find", "x")
    client.role = Role.MANAGER
    assert client.call("customers.find", "x") == []
    view = next(u for u in users.list_users(db, admin) if u.id == both.user_id)
    users.update_user(db, admin, both.user_id, view.version, view.full_name, ["care"], None)
    with pytest.raises(RoleNotHeld):             # taken away since signing in: refused at once
        client.call("customers.find", "x")


def test_an_idle_session_expires_and_signing_in_again_continues(db, running, desktop):
    make_user(db, Role.CARE, username="trang")
    cid = make_customer(db)
    client = desktop()
    client.login("trang", PASSWORD)
    db.clock.advance(hours=11)
    client.call("customers.get", cid)            # in use: extended
    db.clock.advance(hours=11)
    client.call("customers.get", cid)
    db.clock.advance(hours=12, seconds=1)
    with pytest.raises(SessionExpired):
        client.call("customers.get", cid)
    assert client.token is None
    client.login("trang", PASSWORD)
    assert client.call("customers.get", cid).id == cid


def test_the_actor_cannot_be_sent_as_an_argument(db, running, desktop):
    from app.remote import wire
    from app.remote.errors import RequestRefused

    make_user(db, Role.CARE, username="trang")
    client = desktop()
    client.login("trang", PASSWORD)
    with pytest.raises(TypeError):
        client.call("customers.find", "x", actor="admin")
    # a hand-made request with an actor field is refused by the server, not obeyed
    resp = client._http.post("/rpc/customers.find", content=wire.encode({"term": "x", "actor": {"role": "admin"}}),
                             headers={"authorization": f"Bearer {client.token}"})
    assert resp.status_code == 400
    err = wire.rebuild_error(wire.decode(resp.content, wire.ErrorBody))
    assert isinstance(err, RequestRefused) and "actor" in err.message()
