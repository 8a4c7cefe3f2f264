"""Several desktops at once: the server answers each on its own worker thread, in its own
language, and every write lands exactly once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select

from app.models import Parcel
from app.permissions import Role
from app.remote import wire
from app.remote.ops import OPS
from app.services.scanning import Outcome
from tests.factories import PASSWORD, make_customer, make_user, make_warehouses
from tests.money_helpers import accounts


def test_two_scan_stations_at_once_each_scan_lands_once(db, desktop):
    wh = make_warehouses(db)
    make_user(db, Role.FORWARDER_CN, username="wang", warehouse_code="CN-GZ")
    make_user(db, Role.FORWARDER_CN, username="li", warehouse_code="CN-GZ")
    stations = [desktop(), desktop()]
    stations[0].login("wang", PASSWORD)
    stations[1].login("li", PASSWORD)

    def burst(i: int) -> list[Outcome]:
        return [stations[i].call("parcels.receive_cn", wh["CN-GZ"], f"SF{i}{n:09d}").outcome for n in range(15)]

    with ThreadPoolExecutor(2) as pool:
        outcomes = [o for batch in pool.map(burst, [0, 1]) for o in batch]
    assert outcomes == [Outcome.OWNERLESS] * 30
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 30


def test_each_desktop_is_answered_in_its_own_language_at_the_same_time(db, desktop):
    make_user(db, Role.ACCOUNTANT, username="phuong")
    bank, _cny = accounts(db)
    cid = make_customer(db)
    client = desktop()
    client.login("phuong", PASSWORD)
    body = OPS["wallets.record_payment"].encode_args({"kind": "topup", "customer_id": cid, "amount": Decimal("0.5"), "bank_reference": "x",
                        "received_on": db.clock.now().date(), "cash_account_id": bank})

    def ask(lang: str) -> set[str]:
        seen = set()
        for _ in range(10):
            resp = client._http.post("/rpc/wallets.record_payment", content=body, headers={
                "authorization": f"Bearer {client.token}", wire.HEADER_LANGUAGE: lang})
            seen.add(wire.decode(resp.content, wire.ErrorBody).field_errors["amount"])
        return seen

    with ThreadPoolExecutor(3) as pool:
        en, vi, zh = pool.map(ask, ["en", "vi", "zh_CN"])
    assert en == {"Đồng have no decimals: enter a whole amount."}
    assert len(vi) == 1 and len(zh) == 1 and vi != en and zh != en and vi != zh
