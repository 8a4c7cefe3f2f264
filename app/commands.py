"""Extra command-line commands contributed by capabilities (imports, exports…).

Each capability adds a ``register_<name>(subparsers)`` here and sets ``handler`` on its parser;
``handler(args) -> int`` runs without the UI.
"""
from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Called by app.bootstrap.build_parser with the argparse sub-parsers (on every start of the app:
    nothing heavy is imported here, only in the handlers)."""
    register_export(sub)
    register_notify(sub)
    register_imports(sub)
    register_backup(sub)
    from app.server.run import register as register_serve   # stdlib only at import

    register_serve(sub)


def register_export(sub: Any) -> None:
    p = sub.add_parser("export", help="export statistics reports to an Excel workbook (one sheet per report)",
                       description="Export statistics reports to an Excel workbook, one sheet per report.")
    p.add_argument("report", nargs="?", help="the report's name, e.g. orders.by_status (see --list)")
    p.add_argument("--all", action="store_true", help="every report, one sheet each")
    p.add_argument("--list", action="store_true", help="list the reports and their parameters, then exit")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day of the period")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day of the period (included)")
    p.add_argument("-o", "--output", metavar="FILE.xlsx", help="the workbook to write")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a report parameter, e.g. kind=purchase, by=week, top=50 (repeatable; "
                        "applies to every report that has it)")
    p.add_argument("--lang", choices=["vi", "en", "zh_CN"], help="language of the workbook "
                   "(default: the company's default language)")
    p.add_argument("--url", help="database URL (default: the embedded database)")
    p.set_defaults(handler=_export)


def _export(args: Any) -> int:
    from app.reports.cli import run_export

    return run_export(args)


def register_notify(sub: Any) -> None:
    """``housekeeping`` (every job of app.services.housekeeping) and ``send-mail`` (the outbox)
    for a server without a desktop running, e.g. from cron."""
    house = sub.add_parser("housekeeping", help="the desktop timer's jobs once: expired carts, lost parcels, "
                                                "shops to chase, sellers' after-sale deadlines, overdue tasks, "
                                                "delay flags, feedback windows")
    house.add_argument("--url")
    house.set_defaults(handler=_housekeeping)
    mail = sub.add_parser("send-mail", help="send the customer e-mails that are due")
    mail.add_argument("--url")
    mail.set_defaults(handler=_send_mail)


def _housekeeping(args: Any) -> int:
    from app.bootstrap import database_url, open_database
    from app.services.housekeeping import run_housekeeping

    results = run_housekeeping(open_database(database_url(args)))
    for name, value in results.items():
        print(f"{name}: {value}")
    return 1 if any(isinstance(v, Exception) for v in results.values()) else 0


def _send_mail(args: Any) -> int:
    from app.bootstrap import database_url, open_database
    from app.services.outbox import send_due

    report = send_due(open_database(database_url(args)))
    if not report.configured:
        print("no mail server configured (settings mail.smtp_host and mail.sender)")
    print(f"sent {report.sent}, retrying {report.retrying}, refused {report.failed}, "
          f"without e-mail {report.no_email}" + (f"; server error: {report.error}" if report.error else ""))
    return 0


def register_imports(sub: Any) -> None:
    """python main.py import parcels FILE --warehouse CODE  (a partner's tracking list, for
    scheduled runs: all rows or none; exit 0 imported, 1 refused with the rows' errors, 2 usage)."""
    imp = sub.add_parser("import", help="import data files")
    kinds = imp.add_subparsers(dest="what", required=True)
    parcels = kinds.add_parser("parcels", help="a partner warehouse's tracking list (XLSX or CSV)")
    parcels.add_argument("file")
    parcels.add_argument("--warehouse", required=True, help="code of the China warehouse, e.g. CN-GZ")
    parcels.add_argument("--url", help="database URL (default: the embedded database)")
    parcels.add_argument("--dry-run", action="store_true", help="check and show, import nothing")
    parcels.add_argument("--column", action="append", default=[], metavar="HEADER=FIELD",
                         help="read the column with this header as FIELD (code, weight, dims, length, width, "
                              "height, shop_order, note; empty to ignore it); remembered for the warehouse")
    parcels.add_argument("--without-weights", action="store_true",
                         help="import a file that has no weight column (the parcels get no weight)")
    parcels.set_defaults(handler=_import_parcels)


def _import_parcels(args: Any) -> int:
    import sys
    from pathlib import Path

    from sqlalchemy import select

    from app.bootstrap import database_url, open_database
    from app.errors import DomainError
    from app.models import Warehouse
    from app.permissions import Actor, Role
    from app.services import parcel_imports

    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    database = open_database(database_url(args))
    with database.read() as s:
        wid = s.scalar(select(Warehouse.id).where(Warehouse.code == args.warehouse.strip().upper()))
    if wid is None:
        print(f"unknown warehouse code: {args.warehouse}", file=sys.stderr)
        return 2
    from app.import_columns import header_key, understood

    actor = Actor(None, f"import {path.name}", Role.SYSTEM, frozenset({Role.SYSTEM}), wid)
    content = path.read_bytes()
    columns = {}
    for given in args.column:
        header, sep, field = given.partition("=")
        if not sep:
            print(f"--column needs HEADER=FIELD, not {given!r}", file=sys.stderr)
            return 2
        columns[header_key(header, 0)] = field.strip()
    options = {"columns": columns, "without_weights": args.without_weights}
    try:
        pv = parcel_imports.preview(database, actor, wid, path.name, content, **options)
        for col in pv.columns:
            print(f"column {col.header or col.index + 1!s}: {understood(parcel_imports.SCHEMA, col)}")
        for problem in pv.problems:
            print(f"refused: {problem}")
        for row in pv.rows:
            for e in row.errors:
                print(f"row {row.line}: {row.raw_code}: {e}")
            for w in row.warnings:
                print(f"row {row.line}: {row.raw_code}: (warning) {w}")
        if not pv.ok:
            print(f"refused: {pv.error_count} of {len(pv.rows)} rows have errors; nothing imported")
            return 1
        if args.dry_run:
            print(f"dry run: {len(pv.rows)} rows would be imported")
            return 0
        result = parcel_imports.import_parcels(database, actor, wid, path.name, content, **options)
    except parcel_imports.ImportRefused as exc:
        for row in exc.rows:
            for e in row.errors:
                print(f"row {row.line}: {row.raw_code}: {e}")
        print(str(exc))
        return 1
    except DomainError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"imported {result.rows} rows: {result.received} received, {result.ownerless} ownerless, "
          f"{result.excess} excess (import no. {result.import_id})")
    return 0


def register_backup(sub: Any) -> None:
    """python main.py backup [--url URL] [-o FILE] / restore FILE [--url URL]: SQLite through its
    online backup API, PostgreSQL through pg_dump -Fc / pg_restore --clean --if-exists."""
    b = sub.add_parser("backup", help="back up the database (SQLite: a consistent copy while in use; "
                                      "PostgreSQL: pg_dump -Fc)")
    b.add_argument("--url", help="database URL (default: the embedded database)")
    b.add_argument("-o", "--output", metavar="FILE", help="write the backup here (default: the backup "
                   "folder of the settings, keeping the newest ones as set there)")
    b.set_defaults(handler=_backup)
    r = sub.add_parser("restore", help="replace the database with a backup, after checking it "
                                       "(the current database is kept aside first)")
    r.add_argument("file", help="a .sqlite backup (SQLite) or a pg_dump -Fc archive (PostgreSQL)")
    r.add_argument("--url", help="database URL (default: the embedded database)")
    r.set_defaults(handler=_restore)


def _backup(args: Any) -> int:
    import sys
    from pathlib import Path

    from app.bootstrap import database_url
    from app.db import Database
    from app.errors import DomainError
    from app.services.backup import describe_counts, take_backup

    database = Database(database_url(args))
    try:
        info = take_backup(database, "manual", output=Path(args.output) if args.output else None)
    except DomainError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        database.dispose()
    counts = describe_counts(info.counts)
    print(f"backed up to {info.path} ({info.size:,} bytes{'; ' + counts if counts else ''})")
    return 0


def _restore(args: Any) -> int:
    import sys
    from pathlib import Path

    from app.bootstrap import database_url
    from app.db import Database
    from app.errors import DomainError
    from app.services.backup import restore_file

    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    database = Database(database_url(args))
    try:
        result = restore_file(database, path)
    except DomainError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"restored {database.describe()} from {path} (schema {result.restored.revision})")
    if result.aside is not None:
        print(f"the database as it was before is kept in {result.aside}")
    return 0
