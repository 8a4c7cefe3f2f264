"""Statistics export at scale: the order register of 1,000,000 orders to an Excel workbook.

The export runs as a manager would run it without the UI — ``python main.py export orders.list``
(the same code the Statistics window runs in its worker) — in a child process, so its peak
memory is its own. In the same run a second child writes the same rows (the register's own
SELECT, streamed) with openpyxl's write_only mode and nothing else: no labels, no formats, no
totals. Targets: the export takes at most 1.5 × that time, and its peak memory stays under
300 MB. Exits non-zero when a target is missed.

    python benchmarks/export_orders.py                 (1,000,000 orders; cached in .benchmarks-data/)
    python benchmarks/export_orders.py --rows 20000    (a quick run)
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Targets

os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")
CACHE = ROOT / ".benchmarks-data"
RATIO = 1.5
PEAK_MB = 300


def build(path: Path, n: int) -> None:
    """The demo company and ``n`` orders over two years (as benchmarks/orders_queue.py builds them)."""
    from sqlalchemy import text

    from app import db as dbmod
    from app.demo import create_demo_company, generate_bulk

    database = dbmod.Database(f"sqlite:///{path}")
    try:
        dbmod.upgrade(database)
        if dbmod.is_empty(database):
            create_demo_company(database)
        t = time.perf_counter()
        generate_bulk(database, n, batch=10000)
        with database.engine.connect() as c:
            c.execute(text("ANALYZE"))
            c.commit()
        print(f"  generated {n:,} orders in {time.perf_counter() - t:.0f} s")
    finally:
        database.dispose()


def span(url: str) -> tuple[str, str, int]:
    """The first and last local day with orders, and how many orders there are."""
    from sqlalchemy import func, select

    from app import db as dbmod
    from app.models import Order
    from app.reports.base import Period

    database = dbmod.Database(url)
    try:
        with database.read() as s:
            first, last, n = s.execute(select(func.min(Order.created_at), func.max(Order.created_at),
                                              func.count())).one()
    finally:
        database.dispose()
    local = Period.local_today
    return local(first).isoformat(), local(last).isoformat(), n


def child(argv: list[str]) -> tuple[float, str]:
    """Run a child process; its wall time in seconds and its standard output."""
    t = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{argv[1]} failed with exit code {done.returncode}")
    return elapsed, done.stdout


def baseline(url: str, out: str, start: str, end: str) -> int:
    """openpyxl write_only alone: the register's SELECT, streamed, each row appended as it comes."""
    from datetime import date

    import openpyxl

    from app import db as dbmod
    from app.permissions import SYSTEM_ACTOR
    from app.reports import REPORTS, Period
    from app.reports.base import ReportContext

    database = dbmod.Database(url)
    rep = REPORTS["orders.list"]
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    ctx = ReportContext(SYSTEM_ACTOR, period, {"kind": "all", "status": "all"}, database.clock.now(), database.kind)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Orders")
    sheet.append([c.key for c in rep.columns])
    n = 0
    try:
        with database.read() as s:
            for row in rep.source.stream(s, ctx):
                sheet.append([row.code, row.kind, row.status, row.customer_code, row.customer_name, row.care_staff,
                              row.ordering_staff, row.created_at.replace(tzinfo=None), row.item_count,
                              row.goods_cny.amount if row.goods_cny is not None else None])
                n += 1
        book.save(out)
    finally:
        database.dispose()
    return n


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="orders in the register (default 1,000,000)")
    p.add_argument("--baseline", nargs=4, metavar=("URL", "OUT", "FROM", "TO"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.baseline:
        print(baseline(*args.baseline))
        return 0

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"orders-{args.rows}.db"          # the same data benchmarks/orders_queue.py builds
    if not path.exists():
        print(f"building {path.name} (once) …")
        build(path, args.rows)
    url = f"sqlite:///{path}"
    start, end, n = span(url)
    t = Targets(f"statistics export: the order register, {n:,} orders ({start} – {end}) to XLSX")
    with tempfile.TemporaryDirectory(prefix="export-bench-", dir=CACHE) as folder:
        ours, theirs = Path(folder) / "so-don-hang.xlsx", Path(folder) / "openpyxl.xlsx"
        export_s, stdout = child([sys.executable, "main.py", "export", "orders.list", "--from", start, "--to", end,
                                  "-o", str(ours), "--url", url, "--lang", "vi"])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        wrote = int(stdout.split("wrote ", 1)[1].split(" rows", 1)[0].replace(",", ""))
        base_s, base_out = child([sys.executable, str(Path(__file__).resolve()), "--baseline", url, str(theirs),
                                  start, end])
        base_rows = int(base_out.strip())
        t.info("rows written by the export (main.py export orders.list)", f"{wrote:,}")
        t.info("rows written by openpyxl write_only alone", f"{base_rows:,}")
        t.info("export: time", export_s, "s")
        t.info("export: rows per second", f"{wrote / export_s:,.0f}")
        t.info("export: workbook size", ours.stat().st_size / 2**20, "MB")
        t.info("openpyxl write_only alone: time", base_s, "s")
        t.info("openpyxl write_only alone: workbook size", theirs.stat().st_size / 2**20, "MB")
        if wrote != base_rows or wrote != n:
            print(f"  the export wrote {wrote:,} rows, openpyxl {base_rows:,}, the database has {n:,}")
            t.missed.append("same rows")
        t.check("export time / openpyxl write_only time", export_s / base_s, RATIO, "x")
        t.check("export: peak memory (resident)", peak_mb, PEAK_MB, "MB")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
