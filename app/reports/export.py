"""Reports to an Excel workbook: one sheet per report, title row with the period and filters,
frozen header with autofilter, VND/CNY formats, dates as dates, totals below the data.

Rows are streamed from the database into xlsxwriter's constant-memory writer (app.documents.xlsx)
inside one read, so every sheet of a workbook describes the same moment. Progress counts rows
across all sheets; Cancel (or any error) leaves no file behind, not even a partial one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from app.db import Database
from app.errors import DomainError
from app.i18n import N_, _, fmt_datetime
from app.permissions import Actor, Perm, require
from app.progress import NullProgress, Progress
from app.reports import reader
from app.reports.base import Period, params_text


class NothingToExport(DomainError):
    msgid = N_("Choose at least one report to export.")


@dataclass(frozen=True)
class ReportRequest:
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: dict[str, int]                          # report name -> data rows written

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _AcrossSheets:
    """Turns each sheet's "rows written" into progress over the whole workbook."""

    def __init__(self, inner: Progress, total: int) -> None:
        self.inner, self.total, self.offset = inner, total, 0
        self.label: str | None = None

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        self.inner.update(self.offset + done, self.total, self.label or label)


def export_reports(db: Database, actor: Actor, requests: Sequence[ReportRequest], period: Period,
                   path: str | Path, progress: Progress | None = None) -> ExportResult:
    """Write the requested reports, one sheet each, to ``path`` (replaced only when complete)."""
    from app.documents.xlsx import Workbook
    from app.services import settings as settings_service

    from app.reports.reader import may_open

    if not may_open(actor):
        require(actor, Perm.VIEW_STATISTICS)
    require(actor, Perm.EXPORT_DATA)
    if not requests:
        raise NothingToExport()
    reports = [(reader.report(actor, r.name), r.params) for r in requests]
    progress = progress or NullProgress()
    company = settings_service.read_all(db)["company.name"]
    printed = _("Printed {when} by {who}").format(when=fmt_datetime(db.clock.now()), who=actor.name)
    written: dict[str, int] = {}
    with db.read() as s:
        plans = []
        for rep, params in reports:
            progress.update(0, None, _("Counting rows…"))
            ctx = reader.context(db, s, actor, rep, period, params)
            plans.append((rep, ctx, rep.source.count(s, ctx)))
        overall = _AcrossSheets(progress, sum(n for _r, _c, n in plans))
        with Workbook(path, overall) as book:
            for rep, ctx, n in plans:
                title = f"{_(rep.title)} — {period.text()}"
                subtitle = " · ".join([company, _("Period: {period}").format(period=period.text()),
                                       *params_text(rep, ctx.params, s), printed])
                overall.label = _(rep.title)
                sheet = book.sheet(_(rep.sheet), title, subtitle,
                                   [(_(c.title), c.kind) for c in rep.columns], total=n)
                for row in rep.source.stream(s, ctx):
                    sheet.write_row(rep.present(row))
                totals = reader.totals_in(s, rep, ctx)
                if totals:
                    sheet.write_pairs([(t.title, t.value, t.kind) for t in totals])
                else:
                    sheet.finish()
                written[rep.name] = sheet.rows_written
                overall.offset += sheet.rows_written
    return ExportResult(Path(path), written)


def export_all(db: Database, actor: Actor, period: Period, path: str | Path,
               params: Mapping[str, Any] | None = None, progress: Progress | None = None) -> ExportResult:
    """Every report this person may see, one sheet each; ``params`` apply to every report that
    has them (e.g. {"kind": "purchase"}). For those who see the whole of statistics."""
    require(actor, Perm.VIEW_STATISTICS)
    requests = [ReportRequest(r.name, dict(params or {})) for r in reader.reports_for(actor)]
    return export_reports(db, actor, requests, period, path, progress)
