"""What the server refuses before any service runs — unknown operations, malformed, oversized or
unversioned bodies, calls without a session — each with a clear error, and logged."""
from __future__ import annotations

import logging
from decimal import Decimal

import httpx
import pytest

from app import __version__
from app.remote import wire
from app.remote.errors import RequestRefused, SessionExpired, VersionMismatch
from app.remote.ops import OPS
from app.permissions import Role
from tests.factories import PASSWORD, make_user


@pytest.fixture
def signed_in(db, desktop):
    make_user(db, Role.CARE, username="trang")
    client = desktop()
    client.login("trang", PASSWORD)
    return client


def _post(client, path: str, content: bytes, **headers) -> httpx.Response:
    return client._http.post(path, content=content,
                             headers={"authorization": f"Bearer {client.token}", **headers})


def _error(resp: httpx.Response):
    return wire.rebuild_error(wire.decode(resp.content, wire.ErrorBody))


def test_an_unknown_operation_is_refused_and_logged(signed_in, caplog):
    caplog.set_level(logging.INFO, logger="importdesk.server")
    resp = _post(signed_in, "/rpc/ledger.rewrite_balance", wire.encode({}))
    assert resp.status_code == 404
    err = _error(resp)
    assert isinstance(err, RequestRefused) and "ledger.rewrite_balance" in err.message()
    assert any("refused ledger.rewrite_balance" in r.getMessage() for r in caplog.records)
    # a function that exists in the services but is not declared is just as unknown
    assert "housekeeping.run_housekeeping" not in OPS
    assert _post(signed_in, "/rpc/housekeeping.run_housekeeping", wire.encode({})).status_code == 404
    with pytest.raises(RequestRefused):
        signed_in.call("ledger.rewrite_balance")


def test_a_malformed_body_is_refused_with_what_is_wrong(signed_in, caplog):
    caplog.set_level(logging.INFO, logger="importdesk.server")
    resp = _post(signed_in, "/rpc/customers.find", b"\xc1 not messagepack")
    assert resp.status_code == 400
    assert "malformed arguments for customers.find" in _error(resp).message()
    resp = _post(signed_in, "/rpc/customers.get", wire.encode({"customer_id": "12"}))
    assert resp.status_code == 400 and "$.customer_id" in _error(resp).message()
    resp = _post(signed_in, "/rpc/customers.get", wire.encode({}))
    assert resp.status_code == 400 and "customer_id" in _error(resp).message()
    resp = _post(signed_in, "/rpc/customers.find", b'{"term": "x"}', **{"content-type": "application/json"})
    assert resp.status_code == 415
    assert sum("refused customers." in r.getMessage() for r in caplog.records) == 4


def test_an_oversized_body_is_refused_before_it_is_read(db, start_server, desktop, caplog):
    caplog.set_level(logging.INFO, logger="importdesk.server")
    start_server(max_body=64 * 1024)
    make_user(db, Role.CARE, username="trang")
    client = desktop()
    client.login("trang", PASSWORD)
    with pytest.raises(RequestRefused) as refused:
        client.call("customers.find", "x" * 100_000)
    assert "65,536" in refused.value.message()
    assert any("larger than" in r.getMessage() for r in caplog.records)
    assert client.call("customers.find", "x" * 1_000) == []   # the connection is still good


def test_a_call_without_a_valid_session_is_refused(db, desktop):
    client = desktop()
    with pytest.raises(SessionExpired):
        client.call("customers.find", "x")
    client.token = "forged-token"
    with pytest.raises(SessionExpired):
        client.call("customers.find", "x")


def test_a_desktop_of_another_version_is_told_what_to_update(signed_in):
    resp = _post(signed_in, "/rpc/customers.find", wire.encode({"term": "x"}),
                 **{wire.HEADER_VERSION: "0.0.1"})
    assert resp.status_code == 426
    err = _error(resp)
    assert isinstance(err, VersionMismatch)
    assert "0.0.1" in err.message() and __version__ in err.message()


def test_the_version_endpoint_lists_the_declared_operations(signed_in):
    info = signed_in.info
    assert info.app_version == __version__ and info.protocol == wire.PROTOCOL
    assert info.operations == OPS.names() and "wallets.record_payment" in info.operations


def test_a_fault_inside_a_service_is_answered_as_a_server_fault_and_logged(db, desktop, caplog):
    from app.remote.errors import ServerFault
    from tests.money_helpers import accounts

    caplog.set_level(logging.INFO, logger="importdesk.server")
    make_user(db, Role.ACCOUNTANT, username="phuong")
    bank, _cny = accounts(db)
    client = desktop()
    client.login("phuong", PASSWORD)
    with pytest.raises(ServerFault):          # record_payment raises ValueError for an unknown kind
        client.call("wallets.record_payment", "gift", 1, Decimal(1), "r",
                    db.clock.now().date(), bank)
    failed = [r for r in caplog.records if "wallets.record_payment from" in r.getMessage()]
    assert failed and failed[-1].exc_info is not None and failed[-1].exc_info[0] is ValueError


def test_calls_share_one_kept_alive_connection(db, desktop):
    make_user(db, Role.CARE, username="trang")
    client = desktop()
    client.login("trang", PASSWORD)
    for _ in range(20):
        client.call("customers.find", "x")
    pool = client._http._transport._pool
    assert len(pool.connections) == 1
