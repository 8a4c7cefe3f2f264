"""Orders brought to where complaints happen: bought and waiting in the Vietnam warehouse, or
delivered to the customer; and the money a test reads back (wallet, what the order owes,
an entry's lines per currency)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from app.db import Database
from app.models import JournalEntry, JournalLine, LedgerAccount, OrderMoney
from app.money import VND, Money
from app.services import deliveries, ledger, parcels, shipments
from app.services.deliveries import DeliveryInput
from tests.services.warehouse_helpers import Staff, kg, purchase_order
from tests.factories import arrive_sealed

_codes = iter(range(10_000_000, 99_999_999))


def new_codes(n: int = 1) -> list[str]:
    return [f"YT9{next(_codes):011d}" for _ in range(n)]


def in_vietnam(db: Database, st: Staff, n_parcels: int = 1, customer_id: int | None = None) -> tuple[int, int, list[str]]:
    """A purchase order bought from one shop whose parcels are ready in the Hà Nội warehouse.
    Returns (order id, shop order id, tracking codes)."""
    codes = new_codes(n_parcels)
    oid, so_id = purchase_order(db, st, codes, customer_id=customer_id)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in codes:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, kg("1.2"))
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("2") * n_parcels, "S1")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for c in codes:
        shipments.receive_scan(db, st.vn, sid, c, Decimal("1.2"))
    shipments.close_shipment(db, st.vn, sid)
    return oid, so_id, codes


def delivered(db: Database, st: Staff, n_parcels: int = 1) -> tuple[int, int, list[str]]:
    """As ``in_vietnam``, then delivered to the customer and signed for."""
    oid, so_id, codes = in_vietnam(db, st, n_parcels)
    from tests.services.warehouse_helpers import parcel

    cid = parcel(db, codes[0]).customer_id
    ids = [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"]) if p.tracking_code in codes]
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], ids, "pickup",
                                                                 delivery_fee=Money.of("0", VND)))
    for c in codes:
        deliveries.pack_scan(db, st.store, did, c, 1)
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Nguyễn Thị Hằng")
    deliveries.confirm_delivered(db, st.store, did, "Nguyễn Thị Hằng", True)
    return oid, so_id, codes


def wallet_of(db: Database, customer_id: int) -> Money:
    with db.read() as s:
        return ledger.wallet_money(s, customer_id)[0]


def order_money(db: Database, order_id: int) -> OrderMoney:
    with db.read() as s:
        return s.get(OrderMoney, order_id)


def entry_lines(db: Database, entry_id: int) -> dict[str, Money]:
    """account code -> signed amount (debit +) of one entry; asserts it balances per currency."""
    with db.read() as s:
        e = s.get(JournalEntry, entry_id)
        rows = s.execute(select(LedgerAccount.code, JournalLine.amount, JournalLine.currency)
                         .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                         .where(JournalLine.entry_id == e.id)).all()
    per_currency: dict[str, int] = defaultdict(int)
    out: dict[str, Money] = {}
    for code, amount, currency in rows:
        per_currency[currency] += amount
        key = "wallet" if code.startswith("wallet:") else code
        out[key] = out.get(key, Money.zero(currency)) + Money.from_minor(amount, currency)
    assert all(v == 0 for v in per_currency.values()), per_currency
    return out


def trial_balance(db: Database) -> dict[str, int]:
    with db.read() as s:
        return ledger.trial_balance(s)
