"""Shared bits for benchmark scripts: figures, targets, a demo database, a PostgreSQL server."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Targets:
    """Collects figures against their targets; ``finish()`` exits non-zero if any was missed."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.missed: list[str] = []
        print(f"== {title}")

    def check(self, name: str, value: float, limit: float, unit: str = "ms") -> None:
        ok = value <= limit
        print(f"  {name:<58} {value:10.2f} {unit:<3} target ≤ {limit:g} {unit}  {'ok' if ok else 'MISSED'}")
        if not ok:
            self.missed.append(name)

    def info(self, name: str, value: float | str, unit: str = "") -> None:
        text = f"{value:10.2f}" if isinstance(value, float) else f"{value:>10}"
        print(f"  {name:<58} {text} {unit}")

    def finish(self) -> int:
        if self.missed:
            print(f"MISSED {len(self.missed)} target(s): {', '.join(self.missed)}")
            return 1
        print("all targets met")
        return 0


median = statistics.median


def with_postgresql(run) -> bool:
    """Start a throw-away PostgreSQL server, create an empty database and call ``run(database)``
    with it; False (and why, printed) where this machine has no PostgreSQL binaries."""
    from sqlalchemy import create_engine, text

    from app import db as dbmod
    from tests import pg_server

    ok, why = pg_server.available()
    if not ok:
        print(f"PostgreSQL skipped: {why}")
        return False
    server = pg_server.PgServer().start()
    try:
        admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        database = dbmod.Database(server.url_for("bench"))
        try:
            run(database)
        finally:
            database.dispose()
    finally:
        server.stop()
    return True
