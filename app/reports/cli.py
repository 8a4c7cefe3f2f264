"""``python main.py export``: statistics reports to an Excel workbook without the UI.

    python main.py export orders.by_status --from 2026-11-01 --to 2026-11-30 -o orders.xlsx
    python main.py export --all --from 2026-11-01 --to 2026-11-30 -o thang-11.xlsx -p kind=purchase
    python main.py export --list

The parser is declared in app.commands (importing this package loads every report, which the
app's start must not pay for); ``run_export`` is its handler. The same code path as the reports screen's "Export to Excel" (app.reports.export); progress goes
to stderr, Ctrl+C cancels and leaves no file behind. It runs as the system (whoever can reach
the database can read it all anyway); the sheets say "Printed … by system".
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import Any, TextIO


class StderrProgress:
    """"Orders over time: 12,000/40,000 rows (30 %)" on one line, redrawn at most 5× a second."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.shown = False
        self._shown = 0.0
        self._label: str | None = None
        self.done = 0

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        self.done = done
        now = time.monotonic()
        if label == self._label and now - self._shown < 0.2 and done != total:
            return
        self._shown, self._label = now, label
        if total:
            text = f"{label or ''}: {done:,}/{total:,} rows ({done * 100 // total} %)"
        else:
            text = f"{label or ''}"
        self.out.write("\r" + text[:110].ljust(110))
        self.out.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.out.write("\n")
            self.out.flush()
            self.shown = False


def _day(text: str | None, flag: str) -> date:
    if not text:
        raise ValueError(f"{flag} YYYY-MM-DD is required")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r}: write the date as YYYY-MM-DD") from None


def _params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param {pair!r}: write it as KEY=VALUE, e.g. kind=purchase")
        out[key.strip()] = value.strip()
    return out


def _list(db: Any, actor: Any) -> int:
    from app.i18n import _
    from app.reports import reader

    for rep in reader.reports_for(actor):
        print(f"{rep.name:<20} {_(rep.title)}")
        for view in reader.param_views(db, actor, rep.name):
            values = ", ".join(v for v, _label in view.options)
            print(f"{'':<20}   -p {view.key}=…  {view.title}: {values} (default {view.default})")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.bootstrap import database_url, open_database
    from app.errors import DomainError
    from app.i18n import set_language
    from app.permissions import SYSTEM_ACTOR
    from app.progress import Cancelled
    from app.reports import REPORTS, Period, reader
    from app.reports.export import ReportRequest, export_reports
    from app.services import settings as settings_service

    db = open_database(database_url(args))
    try:
        set_language(args.lang or settings_service.read_all(db)["ui.default_language"])
        actor = SYSTEM_ACTOR
        if args.list:
            return _list(db, actor)
        try:
            if bool(args.report) == bool(args.all):
                raise ValueError("name one report, or give --all (see --list for the names)")
            if args.report and args.report not in REPORTS:
                raise ValueError(f"there is no report {args.report!r}; these exist: "
                                 + ", ".join(r.name for r in REPORTS.all()))
            if not args.output:
                raise ValueError("-o FILE.xlsx is required")
            start, end = _day(args.start, "--from"), _day(args.end, "--to")
            params = _params(args.param)
        except ValueError as exc:
            print(f"export: {exc}", file=sys.stderr)
            return 2
        names = [r.name for r in reader.reports_for(actor)] if args.all else [args.report]
        progress = StderrProgress()
        try:
            period = Period(start, end)
            result = export_reports(db, actor, [ReportRequest(n, params) for n in names], period,
                                    args.output, progress)
        except DomainError as exc:
            progress.close()
            print(f"export: {exc}", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, Cancelled):
            progress.close()
            print("export: cancelled, nothing was written", file=sys.stderr)
            return 130
        progress.close()
        sheets = ", ".join(f"{name} {n:,}" for name, n in result.rows.items())
        print(f"wrote {result.total_rows:,} rows to {result.path} ({sheets})")
        return 0
    finally:
        db.dispose()
