"""Offices apart: ImportDesk through its application server, on loopback and behind a 50 ms link.

Starts a throw-away PostgreSQL, builds the demo company on it (plus ORDERS bulk orders), starts
the server as its own process (``main.py serve``, real TLS) and a TCP proxy in front of it
(benchmarks/delay_proxy.py) that adds DELAY_MS each way; then drives the real desktop client
(app.remote.client.RemoteClient, one per desktop) through the proxy, first with no delay
(loopback) and then with the delay, and counts the round trips each action costs at the proxy.

Figures (targets at a 50 ms round trip, checked on the p99 of the 50 ms column):
  signin  connect + sign in + the main window's first paint (every queue count of the manager in
          one call, then the first queue's first page)                       ≤ 1,500 ms
  queue   switching queue: one page (100 rows) of another queue               ≤   150 ms
  window  the order window (the real Qt window, offscreen) shown with its data: one call
                                                                              ≤   300 ms
  scan    a CN receiving scan through the server (parcels.receive_cn)         ≤   150 ms
  mix     DESKTOPS desktops at once (threads, each its own client and sign-in) for DURATION
          seconds, each pausing between actions as its person does (a scan station THINK_SCAN
          seconds on average, an office desktop THINK_DESK: the parcel in hand is turned, labelled
          and put down; an order is read before the next is opened): queue pages, order
          windows, scans, top-ups; the server's own time per call (its Server-Timing header)
                                                                              ≤    50 ms, 0 errors
  journal scan stations through the server (benchmarks/journal.py, at the slow link only): a scan
          answered at the station p99 ≤ 20 ms, applied on the server p99 ≤ 150 ms, a 500-scan
          burst with a 30 s cut (0 lost, 0 doubled, applied ≤ 10 s after the link returns), a
          10,000-scan shift offline caught up (time printed)
Prints a table and exits 1 when a target is missed (2 when PostgreSQL cannot run here).

    python benchmarks/remote.py
    ONLY=signin,scan DELAY_MS=25 ORDERS=2000 REPEAT=20 SCANS=200 DESKTOPS=50 DURATION=30 THINK_SCAN=2 THINK_DESK=6 \
        python benchmarks/remote.py
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from _common import ROOT, percentile, with_postgresql
from delay_proxy import DelayProxy

os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")

FIGURES = ("signin", "queue", "window", "scan", "mix", "journal")
ONLY = [f.strip() for f in os.environ.get("ONLY", "").split(",") if f.strip()] or list(FIGURES)
DELAY = float(os.environ.get("DELAY_MS", "25")) / 1000
ORDERS = int(os.environ.get("ORDERS", "2000"))
REPEAT = max(1, min(200, int(os.environ.get("REPEAT", "20"))))
SIGNINS = max(1, min(50, int(os.environ.get("SIGNINS", "5"))))
SCANS = max(1, min(2000, int(os.environ.get("SCANS", "200"))))
DESKTOPS = max(1, min(200, int(os.environ.get("DESKTOPS", "50"))))
DURATION = max(1.0, min(300.0, float(os.environ.get("DURATION", "30"))))
#: pauses between a person's actions (mean seconds); THINK sets both (a stress run: THINK=0.5 is
#: 50 desktops making 100 calls a second, two per person per second)
THINK = os.environ.get("THINK")
THINK_SCAN = max(0.0, min(60.0, float(THINK or os.environ.get("THINK_SCAN", "2"))))
THINK_DESK = max(0.0, min(60.0, float(THINK or os.environ.get("THINK_DESK", "6"))))
WORKERS = max(1, int(os.environ.get("WORKERS", "1")))

TARGETS = {"signin": 1500.0, "queue": 150.0, "window": 300.0, "scan": 150.0, "mix": 50.0}
LINKS = (("loopback", 0.0), (f"{2 * DELAY * 1000:g} ms", DELAY))

unknown = [f for f in ONLY if f not in FIGURES]
if unknown:
    sys.exit(f"ONLY: unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")


@dataclass
class Figure:
    samples: list[float]              # ms, one per action (the mix: the server's time per call)
    round_trips: float                # per action, counted at the proxy
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class Company:
    """What the desktops need to know about the demo company (found in-process, before timing)."""

    password: dict[str, str]
    queues: dict[str, list[str]]      # user name -> the queues of their role
    cn: int
    bank: int
    orders: list[int]
    customers: list[int]
    today: object


# -- set-up --------------------------------------------------------------------------------------
def build(database) -> Company:
    from sqlalchemy import select

    from app import db as dbmod
    from app.demo import create_demo_company, generate_bulk
    from app.models import Customer, Order, Warehouse
    from app.permissions import Role
    from app.queries import reader
    from app.services import auth, ledger

    t0 = time.perf_counter()
    dbmod.upgrade(database)
    accounts = create_demo_company(database)
    if ORDERS:
        generate_bulk(database, ORDERS)
    roles = {"quanly": Role.MANAGER, "cskh1": Role.CARE, "khotq": Role.FORWARDER_CN,
             "ketoan": Role.ACCOUNTANT, "dathang1": Role.ORDERING}
    password = {a.username: a.password for a in accounts}
    queues = {}
    for username, role in roles.items():
        actor = auth.login(database, username, password[username]).actor(role)
        queues[username] = [q.name for q in reader.queues_for(actor)]
    accountant = auth.login(database, "ketoan", password["ketoan"]).actor(Role.ACCOUNTANT)
    with database.read() as s:
        cn = s.scalar(select(Warehouse.id).where(Warehouse.code == "CN-GZ"))
        orders = list(s.scalars(select(Order.id).order_by(Order.id).limit(47)))          # the demo's
        orders += list(s.scalars(select(Order.id).order_by(Order.id.desc()).limit(150)))  # bulk ones
        customers = list(s.scalars(select(Customer.id).order_by(Customer.id).limit(40)))
    bank = ledger.cash_accounts(database, accountant, "vn")[0].id
    print(f"  the demo company + {ORDERS:,} orders on {database.describe()} in {time.perf_counter() - t0:.1f} s")
    return Company(password, queues, cn, bank, orders, customers, database.clock.now().date())


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        pids = [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        pass
    return total


#: the server process (its CPU use is printed with the mix)
SERVER_PID = [0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python main.py serve`` over the benchmark's database, on a free loopback port."""

    def __init__(self, url: str, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "server.log"
        env = dict(os.environ, IMPORTDESK_DATA_DIR=str(folder / "server-data"))
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "serve", "--url", url, "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(WORKERS)],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 90.0) -> None:
        from app.remote.client import probe
        from app.remote.errors import ConnectionLost

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{self.log.read_text(errors='replace')[-2000:]}")
            try:
                probe(f"https://127.0.0.1:{self.port}", timeout=2)
                return
            except ConnectionLost:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start in time") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


# -- the desktops ---------------------------------------------------------------------------------
class Desktop:
    """One desktop: its own RemoteClient, signed in, the Server-Timing of each reply kept."""

    def __init__(self, proxy: DelayProxy, known, co: Company, username: str, role) -> None:
        from app.remote.client import RemoteClient

        self.client = RemoteClient(proxy.url, known, timeout=30, client_name=f"bench {username}")
        self.co, self.username, self.role = co, username, role
        self.server_ms: list[float] = []
        self.by_op: list[tuple[str, float]] = []        # (the operation, the server's ms)

    def sign_in(self) -> None:
        self.client.connect()
        self.client._http.event_hooks["response"].append(self._timing)
        self.client.login(self.username, self.co.password[self.username])
        self.client.role = self.role

    def _timing(self, response) -> None:
        for part in response.headers.get("server-timing", "").split(","):
            name, _sep, dur = part.strip().partition(";dur=")
            if name == "app" and dur:
                self.server_ms.append(float(dur))
                self.by_op.append((response.request.url.path.rsplit("/", 1)[-1], float(dur)))

    def call(self, op: str, *args):
        return self.client.call(op, *args)

    def close(self) -> None:
        self.client.close()


def timed(proxy: DelayProxy, n: int, action) -> Figure:
    samples, before = [], proxy.round_trips
    for i in range(n):
        t0 = time.perf_counter()
        action(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return Figure(samples, (proxy.round_trips - before) / n)


def fig_signin(proxy, known, co: Company, link: int) -> Figure:
    from app.permissions import Role
    from app.queries.paging import PageRequest

    names = co.queues["quanly"]
    opened: list[Desktop] = []

    def sign_in(_i: int) -> None:
        d = Desktop(proxy, known, co, "quanly", Role.MANAGER)
        d.sign_in()
        d.call("queues.counts", names)
        d.call("queues.page", names[0], PageRequest(limit=100))
        opened.append(d)

    try:
        return timed(proxy, SIGNINS, sign_in)
    finally:
        for d in opened:
            d.close()


def _one_desktop(proxy, known, co: Company, username: str, role, n: int, action) -> Figure:
    d = Desktop(proxy, known, co, username, role)
    d.sign_in()
    try:
        d.call("users.list_warehouses")          # the connection is warm, as in a working desktop
        return timed(proxy, n, lambda i: action(d, i))
    finally:
        d.close()


def fig_queue(proxy, known, co: Company, link: int) -> Figure:
    from app.permissions import Role
    from app.queries.paging import PageRequest

    names = co.queues["quanly"]
    return _one_desktop(proxy, known, co, "quanly", Role.MANAGER, REPEAT,
                        lambda d, i: d.call("queues.page", names[i % len(names)], PageRequest(limit=100)))


def fig_window(proxy, known, co: Company, link: int) -> Figure:
    """The real order window (ui.screens.orders.OrderWindow, offscreen) of a desktop signed in
    through the proxy: from the double-click to the window shown with its data painted."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.permissions import Role
    from app.remote.backend import Remote
    from ui.screens.orders import OrderWindow
    from ui.session import Session

    app = QApplication.instance() or QApplication([])
    d = Desktop(proxy, known, co, "quanly", Role.MANAGER)
    d.sign_in()
    session = Session(None, d.client.signed_in, backend=Remote(d.client), server=proxy.url)
    opened: list[OrderWindow] = []

    def show(i: int) -> None:
        window = OrderWindow(session, co.orders[i % len(co.orders)])
        window.show()
        app.processEvents()          # laid out and painted
        assert window.view is not None and window.code.text()
        opened.append(window)

    try:
        d.call("users.list_warehouses")          # the connection is warm, as in a working desktop
        show(0)                                  # the window class's first use (styles, fonts)
        return timed(proxy, REPEAT, show)
    finally:
        for w in opened:
            w.close()
            w.deleteLater()
        app.processEvents()
        d.close()


def fig_scan(proxy, known, co: Company, link: int) -> Figure:
    from app.permissions import Role

    return _one_desktop(proxy, known, co, "khotq", Role.FORWARDER_CN, SCANS,
                        lambda d, i: d.call("parcels.receive_cn", co.cn, f"BRS{link}{i:010d}"))


def fig_mix(proxy, known, co: Company, link: int) -> Figure:
    """DESKTOPS desktops at once, each a profile of the office: care (queues, order windows),
    the China warehouse (scans), accounting (top-ups, money queues), the manager (counts,
    queues, windows), ordering (queues, windows)."""
    from app.permissions import Role
    from app.queries.paging import PageRequest

    profiles = [("cskh1", Role.CARE)] * 3 + [("khotq", Role.FORWARDER_CN)] * 3 + \
        [("ketoan", Role.ACCOUNTANT), ("quanly", Role.MANAGER), ("dathang1", Role.ORDERING),
         ("cskh1", Role.CARE)]
    desktops = [Desktop(proxy, known, co, *profiles[i % len(profiles)]) for i in range(DESKTOPS)]
    errors: list[str] = []
    calls = [0] * DESKTOPS
    wall: list[list[float]] = [[] for _ in range(DESKTOPS)]
    ready = threading.Barrier(DESKTOPS + 1, timeout=120)
    stop_at = [0.0]

    def action(d: Desktop, rng: random.Random, n: int, i: int) -> None:
        names = co.queues[d.username]
        if d.role is Role.FORWARDER_CN and rng.random() < 0.9:
            d.call("parcels.receive_cn", co.cn, f"BRM{link}{i:03d}{n:07d}")
        elif d.role is Role.ACCOUNTANT and rng.random() < 0.4:
            amount = Decimal(rng.randrange(100, 5000) * 1000)
            d.call("wallets.record_payment", "topup", rng.choice(co.customers), amount,
                   f"BRT{link}{i:03d}{n:07d}", co.today, co.bank)
        elif d.role is Role.MANAGER and rng.random() < 0.15:
            d.call("queues.counts", names)
        elif d.role is not Role.FORWARDER_CN and rng.random() < 0.4:
            d.call("orders.window", rng.choice(co.orders))
        else:
            d.call("queues.page", rng.choice(names), PageRequest(limit=100))

    def run(i: int) -> None:
        d, rng = desktops[i], random.Random(i)
        try:
            d.sign_in()
        except Exception as exc:  # noqa: BLE001 - counted as the figure's errors
            errors.append(f"sign-in: {type(exc).__name__}: {exc}")
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        d.server_ms.clear()
        d.by_op.clear()
        if d.client.token is None:
            return
        n = 0
        think = THINK_SCAN if d.role is Role.FORWARDER_CN else THINK_DESK
        time.sleep(rng.uniform(0, think))    # desktops do not all click at the same instant
        while time.monotonic() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                action(d, rng, n, i)
            except Exception as exc:  # noqa: BLE001 - every failure is an error of the figure
                errors.append(f"{d.username}: {type(exc).__name__}: {exc}")
            wall[i].append((time.perf_counter() - t0) * 1000)
            n += 1
            calls[i] = n
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))

    threads = [threading.Thread(target=run, args=(i,), daemon=True, name=f"desktop-{i}") for i in range(DESKTOPS)]
    for t in threads:
        t.start()
    ready.wait()
    before, cpu0, t_start = proxy.round_trips, cpu_seconds(SERVER_PID[0]), time.monotonic()
    own0 = time.process_time()
    stop_at[0] = time.monotonic() + DURATION
    for t in threads:
        t.join(timeout=DURATION + 60)
    total = sum(calls)
    server_cpu = (cpu_seconds(SERVER_PID[0]) - cpu0) / (time.monotonic() - t_start)
    desktops_cpu = (time.process_time() - own0) / (time.monotonic() - t_start)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    trips = proxy.round_trips - before
    for d in desktops:
        d.close()
    server = [ms for d in desktops for ms in d.server_ms]
    walls = [ms for w in wall for ms in w]
    for e in errors[:5]:
        print(f"    error: {e}")
    by_op: dict[str, list[float]] = {}
    for d in desktops:
        for op, ms in d.by_op:
            by_op.setdefault(op, []).append(ms)
    for op, values in sorted(by_op.items()):
        print(f"    server time {op:<24} {len(values):5} calls  p50 {percentile(values, 50):7.1f}  "
              f"p99 {percentile(values, 99):7.1f}  max {max(values):7.1f} ms")
    return Figure(server, trips / max(1, total),
                  {"errors": len(errors), "calls": total, "per_s": total / DURATION,
                   "wall_p50": percentile(walls, 50) if walls else 0.0,
                   "wall_p99": percentile(walls, 99) if walls else 0.0,
                   "stuck": sum(t.is_alive() for t in threads), "server_cpu": server_cpu,
                   "desktops_cpu": desktops_cpu, "load": load})


RUN = {"signin": fig_signin, "queue": fig_queue, "window": fig_window, "scan": fig_scan, "mix": fig_mix}
LABEL = {"signin": "sign-in + first paint (counts, first page)", "queue": "switching queue (one page)",
         "window": "order window shown (the Qt window)", "scan": "CN receiving scan",
         "mix": f"{DESKTOPS} desktops: server time per call"}


# -- the run ---------------------------------------------------------------------------------------
def report(results: dict[tuple[str, str], Figure]) -> int:
    slow = LINKS[1][0]
    missed: list[str] = []
    print()
    print(f"  {'figure':<44} {'loopback p50/p99':>18} {slow + ' p50/p99':>20} {'round trips':>12} "
          f"{'target (p99)':>13}  ok")
    for name in ONLY:
        fast, far = results.get((name, "loopback")), results.get((name, slow))
        if far is None:
            continue
        cell = lambda f: f"{percentile(f.samples, 50):7.1f}/{percentile(f.samples, 99):7.1f} ms" \
            if f and f.samples else "-"
        value = percentile(far.samples, 99) if far.samples else float("inf")
        ok = value <= TARGETS[name]
        if name == "mix":
            ok = ok and far.extra["errors"] == 0 and fast is not None and fast.extra["errors"] == 0 \
                and not far.extra["stuck"] and not fast.extra["stuck"]
        if not ok:
            missed.append(name)
        print(f"  {LABEL[name]:<44} {cell(fast):>18} {cell(far):>20} {far.round_trips:>12.2f} "
              f"{'≤ %g ms' % TARGETS[name]:>13}  {'ok' if ok else 'MISS'}")
        if name == "mix":
            for label, key in (("loopback", fast), (slow, far)):
                if key is None:
                    continue
                e = key.extra
                print(f"      {label:>8}: {e['calls']:,} calls ({e['per_s']:.0f}/s), desktop wall p50/p99 "
                      f"{e['wall_p50']:.1f}/{e['wall_p99']:.1f} ms, errors {e['errors']}, "
                      f"desktops stuck {e['stuck']}, server CPU {e['server_cpu']:.2f} cores, "
                      f"desktops + proxy CPU {e['desktops_cpu']:.2f} cores, load average {e['load']:.1f} "
                      f"on {os.cpu_count()} CPUs")
    if missed:
        print(f"MISS: {', '.join(missed)}")
        return 1
    print("all targets met")
    return 0


def main() -> int:
    from app.remote.client import KnownServers, probe

    folder = Path(tempfile.mkdtemp(prefix="importdesk-remote-bench-"))
    outcome = [2]
    print(f"== ImportDesk through its server: loopback and {2 * DELAY * 1000:g} ms round trip "
          f"({', '.join(ONLY)})")

    def run(database) -> None:
        co = build(database)
        server = ServerProcess(database.url.render_as_string(hide_password=False), folder)
        proxy = None
        try:
            server.wait_ready()
            SERVER_PID[0] = server.proc.pid
            proxy = DelayProxy("127.0.0.1", server.port, delay=0.0).start()
            known = KnownServers(folder / "known_servers.json")
            known.trust(proxy.url, probe(proxy.url))
            results: dict[tuple[str, str], Figure] = {}
            for link, (label, delay) in enumerate(LINKS):
                proxy.delay = delay
                for name in ONLY:
                    if name == "journal":
                        continue
                    t0 = time.perf_counter()
                    results[(name, label)] = fig = RUN[name](proxy, known, co, link)
                    print(f"  {label:>8} {name:<7} p99 {percentile(fig.samples, 99) if fig.samples else 0:8.1f} ms"
                          f"  ({len(fig.samples)} samples, {time.perf_counter() - t0:.1f} s)")
            outcome[0] = report(results)
            if "journal" in ONLY:
                import journal

                rows = journal.run(database, proxy, known, co, DELAY, folder)
                if journal.report(rows, LINKS[1][0]):
                    print("MISS: journal")
                    outcome[0] = 1
        finally:
            if proxy is not None:
                proxy.stop()
            server.stop()

    if not with_postgresql(run):
        return 2
    return outcome[0]


if __name__ == "__main__":
    sys.exit(main())
