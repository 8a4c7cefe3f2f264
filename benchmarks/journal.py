"""Scan stations that never stop, through the application server behind a slow link.

Run by itself (it starts PostgreSQL, the demo company, ``main.py serve`` and the delay proxy as
benchmarks/remote.py does) or as the ``journal`` figure of benchmarks/remote.py. The station is
the real one (``app.journal.Station`` with its journal file, sending through a real
``RemoteClient`` with ``stations.apply_scans``, one request per batch), at DELAY_MS each way.

Figures (targets from issue 14):
  answered  a scan answered at the station (journalled + answered from its cache), p99   ≤  20 ms
  applied   a scan applied on the server: from the scan to its answer back in the journal,
            p99, scanning at PACE_MS between scans                                         ≤ 150 ms
  burst     BURST scans with a CUT_S second cut of the link in the middle: 0 lost, 0 doubled,
            every scan applied ≤ 10 s after the link returns
  shift     SHIFT scans made offline (a whole shift), then the link returns: the catch-up
            time and order (printed; no target)
A share UNKNOWN_SHARE (default 0.1) of the codes is unknown (ownerless parcels); the others are
parcels the demo company's orders expect, made for the run.
Prints the figures and exits 1 when a target is missed (2 when PostgreSQL cannot run here).

    python benchmarks/journal.py
    DELAY_MS=25 SCANS=300 PACE_MS=150 BURST=500 CUT_S=30 SHIFT=10000 ORDERS=0 python benchmarks/journal.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _common import percentile, with_postgresql

SCANS = max(10, int(os.environ.get("SCANS", "300")))
PACE = float(os.environ.get("PACE_MS", "150")) / 1000
BURST = max(10, int(os.environ.get("BURST", "500")))
CUT = float(os.environ.get("CUT_S", "30"))
SHIFT = max(10, int(os.environ.get("SHIFT", "10000")))
#: the share of codes no order expects (each becomes an ownerless parcel and a task); the others
#: are parcels the demo company's orders expect, as on a real receiving day
UNKNOWN = min(1.0, max(0.0, float(os.environ.get("UNKNOWN_SHARE", "0.1"))))
TARGETS = {"answered": 20.0, "applied": 150.0, "burst_catch_up": 10_000.0}


class Bench:
    """One station over ``proxy`` signed in as the China warehouse (khotq)."""

    def __init__(self, proxy, known, co, folder: Path, name: str) -> None:
        from app.journal import Journal, Station
        from app.remote.client import RemoteClient

        self.client = RemoteClient(proxy.url, known, timeout=10, client_name=f"bench station {name}")
        self.client.connect()
        signed = self.client.login("khotq", co.password["khotq"])
        self.server_ms: list[float] = []
        self.client._http.event_hooks["response"].append(self._timing)
        self.journal = Journal(folder / f"journal-{name}.sqlite3")
        self.station = Station(self.journal, send=lambda scans: self.client.call("stations.apply_scans", scans),
                               cache=lambda k, w, t: self.client.call("stations.cache", k, w, t),
                               user_id=signed.user_id, answer_locally=True, backoff=(0.1, 0.5))
        self.station.watch("receive_cn", co.cn)

    def _timing(self, response) -> None:
        if response.request.url.path.endswith("stations.apply_scans"):
            for part in response.headers.get("server-timing", "").split(","):
                name, _sep, dur = part.strip().partition(";dur=")
                if name == "app" and dur:
                    self.server_ms.append(float(dur))

    def wait_sent(self, timeout: float) -> float:
        """Seconds until every scan is applied (or the timeout)."""
        t0 = time.monotonic()
        while self.journal.counts()[0] and time.monotonic() - t0 < timeout:
            self.station.wake()
            time.sleep(0.01)
        return time.monotonic() - t0

    def close(self) -> None:
        self.station.stop()
        self.client.close()
        self.journal.close()


def expect(database, prefix: str, n: int) -> list[str]:
    """``n`` codes for a run: most of them parcels the demo's orders expect (spread over every
    order), the rest unknown; in a fixed shuffled order."""
    import random

    from sqlalchemy import insert, select

    from app.models import Order, Parcel, Warehouse

    rng = random.Random(prefix)
    codes = [f"{prefix}{'U' if rng.random() < UNKNOWN else 'E'}{i:07d}" for i in range(n)]
    with database.transaction() as tx:
        orders = tx.execute(select(Order.id, Order.customer_id)).all()
        dest = tx.scalar(select(Warehouse.id).where(Warehouse.code == "VN-HN"))
        now = database.clock.now()
        rows = [{"tracking_code": c, "status": "expected", "order_id": orders[i % len(orders)].id,
                 "customer_id": orders[i % len(orders)].customer_id, "destination_warehouse_id": dest,
                 "search_text": c.lower(), "created_at": now, "updated_at": now}
                for i, c in enumerate(codes) if "E" in c[len(prefix):len(prefix) + 1]]
        for i in range(0, len(rows), 1000):
            tx.execute(insert(Parcel), rows[i:i + 1000])
    return codes


def _applied_ms(journal) -> list[float]:
    with journal._lock:
        rows = journal._conn.execute("SELECT scanned_at, applied_at FROM scans WHERE applied_at IS NOT NULL").fetchall()
    return [(datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() * 1000 for a, b in rows]


def _server_check(database, scan_ids: list[str], codes: list[str]) -> tuple[int, int, bool]:
    """(lost, doubled, in order) for the scans ``scan_ids`` of the unknown ``codes``."""
    from sqlalchemy import func, select

    from app.models import ActivityEvent, Parcel, StationScan

    with database.read() as s:
        found = set()
        for i in range(0, len(scan_ids), 1000):
            found |= set(s.scalars(select(StationScan.scan_id).where(StationScan.scan_id.in_(scan_ids[i:i + 1000]))))
        ids: dict[str, int] = {}
        for i in range(0, len(codes), 1000):
            ids.update(dict(s.execute(select(Parcel.tracking_code, Parcel.id)
                                      .where(Parcel.tracking_code.in_(codes[i:i + 1000]))).all()))
        receipts = 0
        pids = list(ids.values())
        for i in range(0, len(pids), 1000):
            receipts += s.scalar(select(func.count()).select_from(ActivityEvent).where(
                ActivityEvent.entity == "parcel", ActivityEvent.action == "received_cn",
                ActivityEvent.entity_id.in_(pids[i:i + 1000])))
    order = [ids[c] for c in codes if c in ids and c[len(c) - 8] == "U"]
    # unknown codes became parcels in the order scanned (their ids rise); every code received once
    return len(scan_ids) - len(found), receipts - len(ids), order == sorted(order) and len(ids) == len(codes)


def run(database, proxy, known, co, delay: float, folder: Path) -> list[tuple[str, float, float | None, str]]:
    """The figures as (label, value, target or None, unit), at ``delay`` seconds each way."""
    proxy.delay = delay
    out: list[tuple[str, float, float | None, str]] = []
    run_id = f"{int(time.time()) % 100000:05d}"

    # -- answered / applied: a person scanning at PACE ------------------------------------------------
    paced = expect(database, f"JB{run_id}A", SCANS)
    burst = expect(database, f"JB{run_id}B", BURST)
    shift = expect(database, f"JB{run_id}S", SHIFT)
    b = Bench(proxy, known, co, folder, f"pace{run_id}")
    try:
        t0 = time.perf_counter()
        assert b.station.refresh_cache()
        cache_ms = (time.perf_counter() - t0) * 1000
        b.station.start()
        answered = []
        for code in paced:
            t0 = time.perf_counter()
            b.station.scan(co.cn, code)
            answered.append((time.perf_counter() - t0) * 1000)
            time.sleep(PACE)
        b.wait_sent(60)
        applied = _applied_ms(b.journal)
        print(f"    the station's cache ({b.journal._conn.execute('SELECT COUNT(*) FROM cache').fetchone()[0]:,} "
              f"codes) fetched in {cache_ms:.0f} ms; server time per apply request p50 "
              f"{percentile(b.server_ms, 50):.1f} p99 {percentile(b.server_ms, 99):.1f} ms "
              f"({len(b.server_ms)} requests)")
        out.append((f"a scan answered at the station (p99 of {SCANS})", percentile(answered, 99),
                    TARGETS["answered"], "ms"))
        out.append((f"a scan applied on the server (p99 of {len(applied)})", percentile(applied, 99),
                    TARGETS["applied"], "ms"))
    finally:
        b.close()

    # -- a burst with the link cut in the middle ------------------------------------------------------
    b = Bench(proxy, known, co, folder, f"burst{run_id}")
    try:
        assert b.station.refresh_cache()
        b.station.start()
        codes = burst
        before, during = BURST * 3 // 10, BURST * 4 // 10
        for code in codes[:before]:
            b.station.scan(co.cn, code)
        proxy.cut()
        cut_at = time.monotonic()
        for code in codes[before:before + during]:
            b.station.scan(co.cn, code)
            time.sleep(max(0.0, CUT / during - 0.005))
        time.sleep(max(0.0, CUT - (time.monotonic() - cut_at)))
        waiting_at_restore = b.journal.counts()[0]
        proxy.restore()
        back = time.monotonic()
        for code in codes[before + during:]:
            b.station.scan(co.cn, code)
        b.wait_sent(120)
        catch_up = (time.monotonic() - back) * 1000
        ids = [e.scan_id for e in b.journal.entries()]
        lost, doubled, ordered = _server_check(database, ids, codes)
        print(f"    burst: {waiting_at_restore} scans waiting when the link returned after {CUT:g} s; "
              f"lost {lost}, doubled {doubled}, applied in order: {ordered}")
        out.append((f"{BURST}-scan burst, {CUT:g} s cut: lost", float(lost), 0.0, ""))
        out.append((f"{BURST}-scan burst, {CUT:g} s cut: doubled", float(doubled), 0.0, ""))
        out.append((f"{BURST}-scan burst, {CUT:g} s cut: out of order", 0.0 if ordered else 1.0, 0.0, ""))
        out.append((f"{BURST}-scan burst: all applied after the link returned", catch_up,
                    TARGETS["burst_catch_up"], "ms"))
    finally:
        b.close()

    # -- a whole shift offline, then caught up ---------------------------------------------------------
    b = Bench(proxy, known, co, folder, f"shift{run_id}")
    try:
        assert b.station.refresh_cache()
        proxy.cut()
        b.station.online = False
        codes = shift
        t0 = time.perf_counter()
        for code in codes:
            b.station.scan(co.cn, code)
        offline_s = time.perf_counter() - t0
        proxy.restore()
        t0 = time.monotonic()
        b.station.start()
        b.wait_sent(3600)
        catch_up = time.monotonic() - t0
        lost, doubled, ordered = _server_check(database, [e.scan_id for e in b.journal.entries()], codes)
        print(f"    shift: {SHIFT:,} scans journalled offline in {offline_s:.1f} s "
              f"({offline_s / SHIFT * 1000:.1f} ms each); caught up in {catch_up:.1f} s "
              f"({SHIFT / catch_up:.0f} scans/s), {len(b.server_ms)} requests; lost {lost}, doubled {doubled}, "
              f"in order: {ordered}")
        out.append((f"{SHIFT:,}-scan shift offline: catch-up time", catch_up * 1000, None, "ms"))
        out.append((f"{SHIFT:,}-scan shift: lost + doubled + out of order",
                    float(lost + doubled + (0 if ordered else 1)), 0.0, ""))
    finally:
        b.close()
    return out


def report(rows: list[tuple[str, float, float | None, str]], label: str) -> list[str]:
    missed = []
    print(f"\n  scan stations through the server at {label}")
    for name, value, target, unit in rows:
        ok = target is None or value <= target
        goal = "" if target is None else f"≤ {target:g} {unit}".strip()
        print(f"  {name:<60} {value:12.1f} {unit:<3} {goal:>12}  {'' if target is None else 'ok' if ok else 'MISS'}")
        if not ok:
            missed.append(name)
    return missed


def main() -> int:
    import remote
    from app.remote.client import KnownServers, probe
    from delay_proxy import DelayProxy

    folder = Path(tempfile.mkdtemp(prefix="importdesk-journal-bench-"))
    outcome = [2]
    delay = remote.DELAY
    print(f"== Scan stations through the server at {2 * delay * 1000:g} ms round trip")

    def go(database) -> None:
        co = remote.build(database)
        server = remote.ServerProcess(database.url.render_as_string(hide_password=False), folder)
        proxy = None
        try:
            server.wait_ready()
            proxy = DelayProxy("127.0.0.1", server.port, delay=delay).start()
            known = KnownServers(folder / "known_servers.json")
            known.trust(proxy.url, probe(proxy.url))
            missed = report(run(database, proxy, known, co, delay, folder), f"{2 * delay * 1000:g} ms")
            print(f"MISS: {', '.join(missed)}" if missed else "all targets met")
            outcome[0] = 1 if missed else 0
        finally:
            if proxy is not None:
                proxy.stop()
            server.stop()

    if not with_postgresql(go):
        return 2
    return outcome[0]


if __name__ == "__main__":
    sys.exit(main())
