"""What screens, the dashboard, the export and the CLI call to read reports: the permission
check (VIEW_STATISTICS, then the report's own), parameters resolved and checked, one read per
call. Rows come back as the person sees them (Report.present): labels translated, money as
Money, durations in hours — the same values everywhere.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from sqlalchemy.orm import Session

from app.db import Database
from app.i18n import _
from app.permissions import Actor, Perm, require
from app.reports.base import (REPORTS, Column, Period, Report, ReportContext, TotalValue,
                              check_params, params_text, present_totals, resolve_params)


@dataclass(frozen=True)
class ReportPage:
    rows: list[tuple]
    last_key: tuple | None
    exhausted: bool


@dataclass(frozen=True)
class ParamView:
    key: str
    title: str                                    # translated
    options: list[tuple[str, str]]                # (value, translated label)
    default: str


#: what lets a person open statistics at all: the whole of it, or only the shop KPIs (ordering staff)
OPENING_PERMS = (Perm.VIEW_STATISTICS, Perm.VIEW_VENDOR_KPIS)


def may_open(actor: Actor) -> bool:
    return any(actor.can(p) for p in OPENING_PERMS)


def reports_for(actor: Actor) -> list[Report]:
    """The reports this person may open, in the order the reports screen lists them."""
    if not may_open(actor):
        return []
    return [r for r in REPORTS.all() if actor.can(r.perm)]


def report(actor: Actor, name: str) -> Report:
    if not may_open(actor):
        require(actor, Perm.VIEW_STATISTICS)
    found = REPORTS[name]
    require(actor, found.perm)
    return found


def context(db: Database, session: Session, actor: Actor, rep: Report, period: Period,
            params: Mapping[str, Any] | None) -> ReportContext:
    from app.services import settings as settings_service

    resolved = resolve_params(rep, params)
    check_params(rep, resolved, session)
    return ReportContext(actor, period, resolved, db.clock.now(), db.kind, settings_service.load(session))


# -- inside one read (the dashboard and the export reuse these) -----------------------------------

def page_in(session: Session, rep: Report, ctx: ReportContext, after: tuple | None, limit: int) -> ReportPage:
    page = rep.source.page(session, ctx, after, limit)
    return ReportPage([rep.present(r) for r in page.rows], page.last_key, page.exhausted)


def totals_in(session: Session, rep: Report, ctx: ReportContext) -> list[TotalValue]:
    if rep.total_query is None or not rep.totals:
        return []
    return present_totals(rep, rep.total_query(session, ctx))


# -- one call each ----------------------------------------------------------------------------------

def report_page(db: Database, actor: Actor, name: str, period: Period, params: Mapping[str, Any] | None = None,
                after: tuple | None = None, limit: int = 100) -> ReportPage:
    """One page of rows after ``after`` (the previous page's ``last_key``)."""
    rep = report(actor, name)
    with db.read() as s:
        return page_in(s, rep, context(db, s, actor, rep, period, params), after, limit)


def report_totals(db: Database, actor: Actor, name: str, period: Period,
                  params: Mapping[str, Any] | None = None) -> list[TotalValue]:
    rep = report(actor, name)
    with db.read() as s:
        return totals_in(s, rep, context(db, s, actor, rep, period, params))


def report_count(db: Database, actor: Actor, name: str, period: Period,
                 params: Mapping[str, Any] | None = None) -> int:
    rep = report(actor, name)
    with db.read() as s:
        return rep.source.count(s, context(db, s, actor, rep, period, params))


@dataclass(frozen=True)
class ReportView:
    """What the reports screen shows first: columns, the first page, the count and the totals."""

    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    params: dict[str, str]
    caption: list[str]                            # "Type: All types"… (translated)
    first: ReportPage
    count: int
    totals: list[TotalValue]


def open_report(db: Database, actor: Actor, name: str, period: Period,
                params: Mapping[str, Any] | None = None, limit: int = 100) -> ReportView:
    rep = report(actor, name)
    with db.read() as s:
        ctx = context(db, s, actor, rep, period, params)
        return ReportView(rep.name, _(rep.title), _(rep.description), rep.columns, dict(ctx.params),
                          params_text(rep, ctx.params, s), page_in(s, rep, ctx, None, limit),
                          rep.source.count(s, ctx), totals_in(s, rep, ctx))


@contextmanager
def report_rows(db: Database, actor: Actor, name: str, period: Period,
                params: Mapping[str, Any] | None = None) -> Iterator[Iterator[tuple]]:
    """Every row, streamed (server-side cursor / keyset), as presented; for exports."""
    rep = report(actor, name)
    with db.read() as s:
        ctx = context(db, s, actor, rep, period, params)
        yield (rep.present(r) for r in rep.source.stream(s, ctx))


def param_views(db: Database, actor: Actor, name: str) -> list[ParamView]:
    """The report's parameters with their choices, for the screen's filter boxes and the CLI."""
    rep = report(actor, name)
    with db.read() as s:
        return [ParamView(p.key, _(p.title), [(v, _(label)) for v, label in p.options(s)], p.default)
                for p in rep.params]
