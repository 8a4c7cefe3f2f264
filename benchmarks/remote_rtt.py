"""Per-call latency through the application server on loopback (real HTTPS, one kept-alive
connection), beside the same call in-process: a CN receiving scan and a queue page.

No targets (the 50 ms-link benchmark with a delaying proxy and targets is benchmarks/remote.py);
prints p50/p99 and exits 0.

    CALLS=300 ORDERS=5000 python benchmarks/remote_rtt.py        (a SQLite file in a temp folder)
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _common import percentile

os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")

CALLS = int(os.environ.get("CALLS", "300"))
ORDERS = int(os.environ.get("ORDERS", "5000"))


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def line(name: str, values: list[float]) -> None:
    print(f"  {name:<44} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms")


def main() -> int:
    from sqlalchemy import select

    from app import db as dbmod
    from app.demo import create_demo_company, generate_bulk
    from app.models import Warehouse
    from app.queries import reader
    from app.queries.paging import PageRequest
    from app.remote.client import KnownServers, RemoteClient, probe
    from app.server import tls
    from app.server.app import Server
    from app.server.run import ServerThread
    from app.services import parcels

    folder = Path(tempfile.mkdtemp(prefix="importdesk-rtt-"))
    database = dbmod.Database(f"sqlite:///{folder / 'rtt.db'}")
    dbmod.upgrade(database)
    accounts = {a.username: a for a in create_demo_company(database)}
    generate_bulk(database, ORDERS)
    with database.read() as s:
        cn = s.scalar(select(Warehouse.id).where(Warehouse.code == "CN-GZ"))
    forwarder = next(a for a in accounts.values() if any(r.value == "forwarder_cn" for r in a.roles))
    manager = next(a for a in accounts.values() if any(r.value == "manager" for r in a.roles))

    cert, key, _ = tls.ensure_self_signed(folder)
    thread = ServerThread(Server(database).app, cert, key).start()
    try:
        known = KnownServers(folder / "known.json")
        known.trust(thread.url, probe(thread.url))
        scan_client = RemoteClient(thread.url, known)
        scan_client.connect()
        scan_client.login(forwarder.username, forwarder.password)
        page_client = RemoteClient(thread.url, known)
        page_client.connect()
        signed = page_client.login(manager.username, manager.password)
        actor = signed.actor(next(r for r in signed.roles if r.value == "manager"))
        page_client.role = actor.role
        from app.services.auth import login

        scan_actor = login(database, forwarder.username, forwarder.password).actor()

        print(f"== the application server on loopback ({database.describe()}, {ORDERS:,} orders, "
              f"{CALLS} calls each)")
        line("CN receiving scan, in-process", timed(
            lambda i: parcels.receive_cn(database, scan_actor, cn, f"RTTL{i:010d}"), CALLS))
        line("CN receiving scan, through the server", timed(
            lambda i: scan_client.call("parcels.receive_cn", cn, f"RTTR{i:010d}"), CALLS))
        req = PageRequest(limit=100)
        line("queue page (orders.all, 100 rows), in-process", timed(
            lambda i: reader.queue_page(database, actor, "orders.all", req), CALLS // 3))
        line("queue page (orders.all, 100 rows), through the server", timed(
            lambda i: page_client.call("queues.page", "orders.all", req), CALLS // 3))
        names = [q.name for q in reader.queues_for(actor)]
        line(f"every queue count of the manager ({len(names)}), one call", timed(
            lambda i: page_client.call("queues.counts", names), 10))
        line("version (no database), through the server", timed(
            lambda i: scan_client._http.get("/version"), CALLS))
        scan_client.close()
        page_client.close()
    finally:
        thread.stop()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
