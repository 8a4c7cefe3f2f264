"""What the app needs before any window: the command line, the database (opened and upgraded),
the demo company, and the commands that run without the UI (migrations, demo data, exports…).

``main.py`` is the composition root: it parses the command line here, runs a command here, or
hands the desktop to ``ui.app.run``. Nothing in ``app/`` imports ``ui``; the commands:

    python main.py                        the app on the embedded SQLite database
    python main.py --demo                 the app on a demo company (created on first use)
    python main.py --url URL              the app on another database (or IMPORTDESK_DATABASE_URL)
    python main.py --server https://HOST:8443   the app signed in to the company's application server
                                          (no database on this computer; the last server is remembered)
    python main.py db upgrade|current     run / show the schema migrations
    python main.py demo-data --orders N   append N generated orders (benchmarks)
    python main.py backup [-o FILE]       back up the database (SQLite copy or pg_dump -Fc)
    python main.py restore FILE           restore a checked backup (the current one kept aside)
    python main.py serve --url URL        the application server desktops connect to (app.server)
    python main.py --version
"""
from __future__ import annotations

import argparse
import os
import sys

from app import __version__


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="importdesk", description="ImportDesk back office")
    p.add_argument("--version", action="version", version=f"ImportDesk {__version__}")
    p.add_argument("--url", help="database URL: sqlite:///path.db or postgresql+psycopg://user@host/db")
    p.add_argument("--demo", action="store_true", help="open (and on first use create) the demo company")
    p.add_argument("--server", metavar="https://HOST:PORT",
                   help="sign in to the company's ImportDesk server (python main.py serve) instead of a "
                        "database on this computer; the sign-in dialog remembers it")
    p.add_argument("--smoke", metavar="PNG", nargs="?", const="",
                   help="start, paint the login window (and save it as PNG if given), then exit")
    sub = p.add_subparsers(dest="command")
    dbp = sub.add_parser("db", help="schema migrations")
    dbp.add_argument("action", choices=["upgrade", "current"])
    dbp.add_argument("--url")
    demo = sub.add_parser("demo-data", help="append generated orders for benchmarks")
    demo.add_argument("--orders", type=int, required=True)
    demo.add_argument("--url")
    from app.commands import register

    register(sub)
    return p


def database_url(args: argparse.Namespace) -> str:
    from app.paths import default_database_url, demo_database_url

    url = getattr(args, "url", None)
    if url:
        return url
    if getattr(args, "demo", False):
        return demo_database_url()
    return default_database_url()


def open_database(url: str):
    from app import db as dbmod

    database = dbmod.Database(url)
    dbmod.upgrade(database)
    return database


def ensure_demo(database) -> None:
    """Create the demo company on first use and print its passwords once."""
    from app import db as dbmod

    if not dbmod.is_empty(database):
        return
    from app.demo import create_demo_company

    print("Creating the demo company … (once)")
    accounts = create_demo_company(database)
    print("\nDemo accounts (the demo's sign-in screen lists them too):\n")
    for a in accounts:
        roles = ", ".join(r.value for r in a.roles)
        print(f"  {a.username:<10} {a.password:<16} {a.full_name} ({roles})")
    print()


def run_command(args: argparse.Namespace) -> int:
    """A command without the window; exit status 0 done, 1 refused, 3 database unreachable."""
    import gc

    gc.enable()   # main.py held it back for the window's start-up only
    from app.errors import DatabaseUnavailable, DomainError

    try:
        return _command(args)
    except DatabaseUnavailable as exc:
        # one line for a cron mail or a terminal, not a driver traceback
        detail = exc.params.get("detail")
        print(f"importdesk {args.command}: {exc}" + (f" [{detail}]" if detail else "")
              + " (database URL: --url or IMPORTDESK_DATABASE_URL)", file=sys.stderr)
        return 3
    except DomainError as exc:
        print(f"importdesk {args.command}: {exc}", file=sys.stderr)
        return 1


def desktop_options_clash(args: argparse.Namespace) -> str | None:
    """Why the desktop's options cannot be taken together, or None."""
    if args.server and (args.url or args.demo):
        return ("importdesk: --server signs in to a server; --url and --demo open a database on this "
                "computer. Give one of them.")
    return None


def prepare_desktop(args: argparse.Namespace) -> str:
    """Everything the desktop needs before Qt: the database URL it opens (the window opens and
    upgrades it, showing a failure in a message box) and the data layer imported."""
    url = database_url(args)
    if args.demo and not args.url:
        os.environ.setdefault("IMPORTDESK_DEMO", "1")
    # The database layer before Qt: once PySide6 is imported, its import hook stands in front of
    # every later import, and SQLAlchemy, the models and the queues were measured to import about
    # 0.15 s slower behind it (a tenth of the cold start).
    import app.queries.reader  # noqa: F401
    import app.services.auth  # noqa: F401

    return url


def explicit_local(args: argparse.Namespace) -> bool:
    """A database on this computer was asked for (so the last server is not signed in to)."""
    return bool(args.url or args.demo or os.environ.get("IMPORTDESK_DATABASE_URL"))


def _command(args: argparse.Namespace) -> int:
    if args.command == "db":
        from app import db as dbmod

        database = dbmod.Database(database_url(args))
        if args.action == "upgrade":
            dbmod.upgrade(database)
        print(f"{database.describe()}: schema {dbmod.current_revision(database)} "
              f"(this build knows up to {dbmod.head_revision()})")
        return 0
    if args.command == "demo-data":
        from app.demo import generate_bulk

        database = open_database(database_url(args))
        ensure_demo(database)
        result = generate_bulk(database, args.orders, progress=_PrintProgress())
        print(f"\nadded {result['orders']:,} orders and {result['customers']:,} customers")
        return 0
    return args.handler(args)


class _PrintProgress:
    def __init__(self) -> None:
        self._last = -1

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        if total:
            pct = done * 100 // total
            if pct != self._last:
                self._last = pct
                print(f"\r{label or ''} {pct}%", end="", file=sys.stderr, flush=True)
