"""The China receiving station at scale: 1,000,000 parcels, on SQLite and PostgreSQL (loopback).

Times the whole scan service call a barcode gun triggers — parcels.receive_cn: normalise the code,
check the permission, look the parcel up, move it (and its order), write the activity event and
the task/notification effects, commit — for SCANS expected parcels, and beside it, in the same
run on the same database, the bare work done with the raw driver (sqlite3 / psycopg): look the
parcel up, update it, insert an activity event, commit. Prints p50, p99, scans per second and the
ratio. Targets (p99 of the service call): SQLite ≤ 5 ms, PostgreSQL ≤ 10 ms. Exits non-zero when
a target is missed.

    PARCELS=1000000 SCANS=2000 python benchmarks/scan_station.py   (data cached in .benchmarks-data/)
    ONLY=sqlite (or ONLY=postgresql) runs one database; both are needed to meet the targets.
"""
from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

from _common import ROOT, Targets, percentile, with_postgresql

os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")

N = int(os.environ.get("PARCELS", "1000000"))
SCANS = int(os.environ.get("SCANS", "2000"))
ONLY = os.environ.get("ONLY", "")
ORDERS = max(1000, N // 5)
CACHE = ROOT / ".benchmarks-data"
BATCH = 20000
#: where parcels of the background data are (most have long since been delivered)
SPREAD = (("delivered", 0.70), ("ready", 0.06), ("received_vn", 0.04), ("in_transit", 0.08),
          ("received_cn", 0.06), ("expected", 0.05), ("lost", 0.01))


def build(database) -> None:
    """Demo company + ORDERS bulk orders + N parcels spread over them (bulk inserts)."""
    from sqlalchemy import func, insert, select

    from app import db as dbmod
    from app.demo import create_demo_company, generate_bulk
    from app.models import Order, Parcel, Warehouse

    dbmod.upgrade(database)
    if dbmod.is_empty(database):
        create_demo_company(database)
    t0 = time.perf_counter()
    generate_bulk(database, ORDERS, batch=10000)
    with database.read() as s:
        hi = s.scalar(select(func.max(Order.id)))
        customers = dict(s.execute(select(Order.id, Order.customer_id).where(Order.id >= hi - ORDERS)).all())
        cn = s.scalar(select(Warehouse.id).where(Warehouse.code == "CN-GZ"))
        vn = [w for w in s.scalars(select(Warehouse.id).where(Warehouse.country == "VN"))]
    rng = random.Random(7)
    order_ids = list(customers)
    statuses = [s for s, _w in SPREAD]
    weights = [w for _s, w in SPREAD]
    base = database.clock.now() - timedelta(days=700)
    for start in range(0, N, BATCH):
        rows = []
        for i in range(start, min(N, start + BATCH)):
            oid = rng.choice(order_ids)
            status = rng.choices(statuses, weights)[0]
            at = base + timedelta(seconds=i * 60)
            in_cn, in_vn = status == "received_cn", status in ("ready", "received_vn")
            code = f"YT{4000000000000 + i:013d}"
            rows.append(dict(tracking_code=code, carrier="yto", order_id=oid, customer_id=customers[oid],
                             status=status, ownerless=False, excess=False,
                             warehouse_id=cn if in_cn else (vn[i % len(vn)] if in_vn else None),
                             destination_warehouse_id=vn[i % len(vn)], shelf="", label_name="", label_shop="",
                             seller_order_no="", note="", search_text=code.lower(),
                             weight_kg=Decimal(rng.randint(200, 20000)) / 1000 if status != "expected" else None,
                             created_at=at, updated_at=at,
                             received_cn_at=at + timedelta(days=4) if status not in ("expected", "lost") else None,
                             version=1))
        with database.transaction() as tx:
            tx.execute(insert(Parcel), rows)
        print(f"\r  parcels {min(N, start + BATCH):,}/{N:,}", end="", flush=True)
    print()
    _analyze(database)
    print(f"  generated {ORDERS:,} orders and {N:,} parcels in {time.perf_counter() - t0:.0f} s")


def _analyze(database) -> None:
    from sqlalchemy import text

    if database.kind == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    else:
        with database.engine.connect() as c:
            c.execute(text("ANALYZE"))
            c.commit()


def targets(database, run: str) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """2 × SCANS fresh expected parcels on orders waiting for them (consignment orders accepted,
    purchase orders the seller shipped): one half for the service, one for the raw driver; and
    the orders' statuses, to put back afterwards so the cached database serves the next run."""
    from sqlalchemy import insert, or_, select

    from app.models import Order, Parcel

    with database.read() as s:
        waiting = s.execute(select(Order.id, Order.customer_id, Order.destination_warehouse_id, Order.status)
                            .where(or_((Order.kind == "consignment") & (Order.status == "accepted"),
                                       (Order.kind == "purchase") & (Order.status == "seller_shipped")))
                            .limit(2 * SCANS)).all()
    if not waiting:
        raise SystemExit("no orders waiting for parcels in the generated data")
    at = database.clock.now()
    codes = [f"SF{run}{i:06d}" for i in range(2 * SCANS)]
    rows = []
    for i, code in enumerate(codes):
        oid, cid, dest, _status = waiting[i % len(waiting)]
        rows.append(dict(tracking_code=code, carrier="sf", order_id=oid, customer_id=cid, status="expected",
                         ownerless=False, excess=False, destination_warehouse_id=dest, shelf="", label_name="",
                         label_shop="", seller_order_no="", note="", search_text=code.lower(),
                         created_at=at, updated_at=at, version=1))
    with database.transaction() as tx:
        tx.execute(insert(Parcel), rows)
    return codes[:SCANS], codes[SCANS:], [(w.id, w.status) for w in waiting]


def put_back(database, statuses: list[tuple[int, str]]) -> None:
    from sqlalchemy import bindparam, update

    from app.models import Order

    with database.transaction() as tx:
        tx.connection().execute(update(Order.__table__).where(Order.__table__.c.id == bindparam("oid"))
                                .values(status=bindparam("st")), [{"oid": i, "st": s} for i, s in statuses])


def service_scans(database, codes: list[str]) -> list[float]:
    from sqlalchemy import select

    from app.models import User, Warehouse
    from app.permissions import Actor, Role
    from app.services import parcels
    from app.services.scanning import Measurements, Outcome

    with database.read() as s:
        uid = s.scalar(select(User.id).where(User.username == "khotq"))
        wh = s.scalar(select(Warehouse.id).where(Warehouse.code == "CN-GZ"))
    actor = Actor(uid, "Lý Văn Quang", Role.FORWARDER_CN, frozenset({Role.FORWARDER_CN}), wh)
    times, outcomes = [], {}
    for code in codes:
        t = time.perf_counter()
        r = parcels.receive_cn(database, actor, wh, code.lower(), Measurements(Decimal("1.250")))
        times.append((time.perf_counter() - t) * 1000)
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    if outcomes.get(Outcome.RECEIVED, 0) != len(codes):
        raise SystemExit(f"not every scan was a receipt: {outcomes}")
    return times


def raw_scans(database, codes: list[str]) -> list[float]:
    """The same lookup-update-insert-commit with the bare driver, no ORM, no rules."""
    from sqlalchemy import select

    from app.models import User, Warehouse

    with database.read() as s:
        uid = s.scalar(select(User.id).where(User.username == "khotq"))
        wh = s.scalar(select(Warehouse.id).where(Warehouse.code == "CN-GZ"))
    at = database.clock.now().isoformat()
    url = database.engine.url
    times = []
    if database.kind == "sqlite":
        import sqlite3

        con = sqlite3.connect(url.database, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        ph = "?"
    else:
        import psycopg

        con = psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True)
        ph = "%s"
    sel = f"SELECT id, status, order_id FROM parcels WHERE tracking_code = {ph}"
    upd = (f"UPDATE parcels SET status = 'received_cn', warehouse_id = {ph}, weight_kg = 1250, "
           f"received_cn_at = {ph}, received_cn_by_id = {ph}, updated_at = {ph}, version = version + 1 WHERE id = {ph}")
    ins = (f"INSERT INTO activity_events (at, actor_id, actor_name, role, entity, entity_id, action, before, after, note) "
           f"VALUES ({ph}, {ph}, 'raw', 'forwarder_cn', 'parcel', {ph}, 'received_cn', {ph}, {ph}, '')")
    for code in codes:
        t = time.perf_counter()
        if database.kind == "sqlite":
            con.execute("BEGIN IMMEDIATE")
            pid, status, _oid = con.execute(sel, (code,)).fetchone()
            con.execute(upd, (wh, at, uid, at, pid))
            con.execute(ins, (at, uid, pid, json.dumps({"status": status}), json.dumps({"status": "received_cn"})))
            con.execute("COMMIT")
        else:
            with con.transaction():
                cur = con.execute(sel, (code,))
                pid, status, _oid = cur.fetchone()
                con.execute(upd, (wh, at, uid, at, pid))
                con.execute(ins, (at, uid, pid, json.dumps({"status": status}), json.dumps({"status": "received_cn"})))
        times.append((time.perf_counter() - t) * 1000)
    con.close()
    return times


def measure(label: str, database, t: Targets, limit: float) -> None:
    from sqlalchemy import func, select

    from app.models import Parcel

    with database.read() as s:
        n = s.scalar(select(func.count()).select_from(Parcel))
    run = f"{int(time.time()) % 10**6:06d}"
    mine, raw, statuses = targets(database, run)
    print(f"-- {label}: {n:,} parcels, {SCANS:,} scans each way")
    service_scans(database, mine[:50])              # warm-up: imports, statement caches
    svc = service_scans(database, mine[50:])
    bare = raw_scans(database, raw)
    put_back(database, statuses)
    p50, p99 = percentile(svc, 50), percentile(svc, 99)
    t.info(f"{label}: service scan p50", p50, "ms")
    t.check(f"{label}: service scan p99 (whole call, committed)", p99, limit)
    t.info(f"{label}: service scans per second", f"{1000 * len(svc) / sum(svc):.0f}", "/s")
    r50, r99 = percentile(bare, 50), percentile(bare, 99)
    t.info(f"{label}: raw driver p50", r50, "ms")
    t.info(f"{label}: raw driver p99", r99, "ms")
    t.info(f"{label}: raw driver scans per second", f"{1000 * len(bare) / sum(bare):.0f}", "/s")
    t.info(f"{label}: service / raw driver (p50)", p50 / r50, "x")
    t.info(f"{label}: service / raw driver (p99)", p99 / r99, "x")


def main() -> int:
    from app import db as dbmod

    CACHE.mkdir(exist_ok=True)
    t = Targets(f"scan station at {N:,} parcels")
    if ONLY != "postgresql":
        path = CACHE / f"parcels-{N}.db"
        database = dbmod.Database(f"sqlite:///{path}")
        if not path.exists() or dbmod.is_empty(database):
            print(f"building {path.name} (once) …")
            build(database)
        else:
            dbmod.upgrade(database)
        measure("SQLite", database, t, 5)
        database.dispose()
    if ONLY == "sqlite":
        return t.finish()

    def on_postgresql(database) -> None:
        print("building the PostgreSQL database …")
        build(database)
        measure("PostgreSQL (loopback)", database, t, 10)

    with_postgresql(on_postgresql)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
