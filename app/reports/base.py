"""The report framework: a report is a declaration — title, parameters, columns with kinds, a row
source and totals — read the same way by the dashboard, the reports screen and the export.

A row source never hands over a whole result: ``page`` reads one keyset page after the last key
shown, ``stream`` walks every row through a server-side cursor (PostgreSQL) or SQLite's own
cursor, and ``count`` says how many rows there are (for progress). Figures are computed by the
database (GROUP BY, SUM, window functions); Python only turns counts into percentages and
seconds into hours, in one place per column, so every reader shows the same number.

Adding a report (e.g. the money books once the ledger exists) is one ``REPORTS.add(Report(...))``
in a module of this package, imported at the bottom of ``app/reports/__init__.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, Label

from app.errors import DomainError
from app.i18n import N_, _, fmt_date
from app.permissions import Actor, Perm

#: what a column holds; the export picks the cell format from it, the screens the alignment
KINDS = ("text", "int", "decimal", "money_vnd", "money_cny", "date", "datetime", "percent")
NUMERIC_KINDS = frozenset({"int", "decimal", "money_vnd", "money_cny", "percent"})
GRAINS = ("day", "week", "month")
STREAM_CHUNK = 2000


class BadPeriod(DomainError):
    msgid = N_("The period ends before it starts: choose a “to” date on or after the “from” date.")


class BadParameter(DomainError):
    msgid = N_("“{value}” is not a choice for “{param}” in the report “{report}”.")


class UnknownReport(DomainError):
    msgid = N_("There is no report called “{name}”.")


# -- the period ------------------------------------------------------------------------------------

def local_utc_offset_minutes(on: date | None = None) -> int:
    """This computer's offset from UTC on a day (Vietnam: +420), as every screen shows times."""
    at = datetime.combine(on or date.today(), time(12)).astimezone()
    return int(at.utcoffset().total_seconds() // 60)


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end`` inclusive (a report's "from" and "to").

    Days are counted in the company's local time: an order placed at 23:30 on the 31st in Hanoi
    belongs to the 31st although it is the 31st 16:30 UTC. ``utc_offset_minutes`` defaults to
    this computer's offset, the same one every screen and workbook shows times in.
    """

    start: date
    end: date
    utc_offset_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BadPeriod()
        if self.utc_offset_minutes is None:
            object.__setattr__(self, "utc_offset_minutes", local_utc_offset_minutes(self.start))

    @property
    def offset(self) -> timedelta:
        return timedelta(minutes=self.utc_offset_minutes)

    def utc_at(self, day: date) -> datetime:
        """The UTC instant local ``day`` begins."""
        return datetime.combine(day, time.min, tzinfo=timezone.utc) - self.offset

    @property
    def start_utc(self) -> datetime:
        return self.utc_at(self.start)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return self.utc_at(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def text(self) -> str:
        if self.start == self.end:
            return fmt_date(self.start)
        return f"{fmt_date(self.start)} – {fmt_date(self.end)}"

    # -- the choices of the period chooser ------------------------------------------------------
    @staticmethod
    def local_today(now: datetime, utc_offset_minutes: int | None = None) -> date:
        minutes = local_utc_offset_minutes() if utc_offset_minutes is None else utc_offset_minutes
        return (now.astimezone(timezone.utc) + timedelta(minutes=minutes)).date()

    @classmethod
    def month_of(cls, day: date, utc_offset_minutes: int | None = None) -> "Period":
        first = day.replace(day=1)
        last = next_bucket(first, "month") - timedelta(days=1)
        return cls(first, last, utc_offset_minutes)

    @classmethod
    def this_month(cls, now: datetime, utc_offset_minutes: int | None = None) -> "Period":
        return cls.month_of(cls.local_today(now, utc_offset_minutes), utc_offset_minutes)

    @classmethod
    def last_month(cls, now: datetime, utc_offset_minutes: int | None = None) -> "Period":
        first = cls.local_today(now, utc_offset_minutes).replace(day=1)
        return cls.month_of(first - timedelta(days=1), utc_offset_minutes)

    @classmethod
    def this_year(cls, now: datetime, utc_offset_minutes: int | None = None) -> "Period":
        today = cls.local_today(now, utc_offset_minutes)
        return cls(date(today.year, 1, 1), date(today.year, 12, 31), utc_offset_minutes)


# -- calendar buckets (per day / week / month) ---------------------------------------------------

def auto_grain(period: Period) -> str:
    """Days for a month or so, weeks up to half a year, months beyond: a chart stays readable."""
    if period.days <= 45:
        return "day"
    if period.days <= 200:
        return "week"
    return "month"


def bucket_start(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())   # weeks start on Monday (ISO, and in Vietnam)
    if grain == "month":
        return day.replace(day=1)
    raise ValueError(grain)


def next_bucket(start: date, grain: str) -> date:
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    if grain == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    raise ValueError(grain)


def buckets(period: Period, grain: str, after: date | None = None) -> Iterator[date]:
    """The first day of every bucket that overlaps the period, in order (after ``after``)."""
    b = bucket_start(period.start, grain)
    if after is not None:
        b = next_bucket(bucket_start(after, grain), grain) if after >= b else b
    while b <= period.end:
        yield b
        b = next_bucket(b, grain)


# -- declarations ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    title: str                                    # N_ msgid
    kind: str = "text"
    #: stored value -> N_ label (order kinds, statuses), translated when shown
    labels: Mapping[str, str] | None = None
    #: row -> value, when the value is derived from the row's figures (seconds -> hours…)
    get: Callable[[Any], Any] | None = None
    width: int = 110                              # screen hint, pixels

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: unknown kind {self.kind!r}")

    def value(self, row: Any) -> Any:
        v = self.get(row) if self.get is not None else getattr(row, self.key)
        if self.labels is not None and v is not None:
            v = _(self.labels.get(v, v))
        return v


@dataclass(frozen=True)
class Total(Column):
    """A figure for the whole report (computed by the report's ``total_query``)."""


Choices = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Param:
    """A filter or option besides the period: one of fixed choices (value, N_ label)."""

    key: str
    title: str                                    # N_ msgid
    choices: Choices | Callable[[Session], Choices]
    default: str

    def options(self, session: Session | None) -> list[tuple[str, str]]:
        found = self.choices(session) if callable(self.choices) else self.choices
        return [(str(v), label) for v, label in found]


@dataclass(frozen=True)
class ReportContext:
    """What a row source needs: who asks, the period, the chosen parameters, now, the database,
    and the company's settings as they are at this read (commission rates…)."""

    actor: Actor
    period: Period
    params: Mapping[str, str]
    now: datetime
    dialect: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def start_utc(self) -> datetime:
        return self.period.start_utc

    @property
    def end_utc(self) -> datetime:
        return self.period.end_utc

    def __getitem__(self, key: str) -> str:
        return self.params[key]


@dataclass(frozen=True)
class RowPage:
    rows: list[Any]
    last_key: tuple | None
    exhausted: bool


class RowSource(Protocol):
    def page(self, session: Session, ctx: ReportContext, after: tuple | None, limit: int) -> RowPage: ...
    def stream(self, session: Session, ctx: ReportContext) -> Iterator[Any]: ...
    def count(self, session: Session, ctx: ReportContext) -> int: ...


@dataclass(frozen=True)
class Report:
    name: str                                     # "orders.by_status": CLI and file names use it
    title: str                                    # N_ msgid
    sheet: str                                    # N_ msgid: the short sheet-tab name (≤ 31)
    description: str                              # N_ msgid: what is counted, and from when
    columns: tuple[Column, ...]
    source: RowSource
    params: tuple[Param, ...] = ()
    totals: tuple[Total, ...] = ()
    #: (session, ctx) -> one row carrying every total's key
    total_query: Callable[[Session, ReportContext], Any] | None = None
    perm: Perm = Perm.VIEW_STATISTICS
    order: int = 100                              # position in the reports list

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.key == key), None)

    def present(self, row: Any) -> tuple:
        """A source row as the person sees it: one value per column, labels translated."""
        return tuple(c.value(row) for c in self.columns)


class ReportRegistry:
    def __init__(self) -> None:
        self._reports: dict[str, Report] = {}

    def add(self, report: Report) -> Report:
        if report.name in self._reports:
            raise ValueError(f"report {report.name} declared twice")
        self._reports[report.name] = report
        return report

    def all(self) -> list[Report]:
        return sorted(self._reports.values(), key=lambda r: (r.order, r.name))

    def get(self, name: str) -> Report | None:
        return self._reports.get(name)

    def __getitem__(self, name: str) -> Report:
        report = self._reports.get(name)
        if report is None:
            raise UnknownReport(name=name)
        return report

    def __contains__(self, name: str) -> bool:
        return name in self._reports


REPORTS = ReportRegistry()


# -- row sources ----------------------------------------------------------------------------------

def _expr(sel: Select, key: str) -> ColumnElement:
    col = sel.selected_columns[key]
    return col.element if isinstance(col, Label) else col


@dataclass(frozen=True)
class SqlSource:
    """Rows of one SELECT (labelled columns), ordered by ``key`` — unique, every part non-null.

    A plain select is paged on its own columns, so an index on the key serves each page; a
    grouped select (``grouped=True``) is paged as a subquery ordered by its labelled results.
    """

    select: Callable[[ReportContext], Select]
    key: tuple[str, ...]
    desc: bool = False
    grouped: bool = False

    def _parts(self, ctx: ReportContext) -> tuple[Select, list[ColumnElement]]:
        sel = self.select(ctx)
        if self.grouped:
            sub = sel.subquery("report_rows")
            return select(sub), [sub.c[k] for k in self.key]
        return sel, [_expr(sel, k) for k in self.key]

    def _ordered(self, sel: Select, keys: list[ColumnElement]) -> Select:
        return sel.order_by(*[k.desc() if self.desc else k.asc() for k in keys])

    def page(self, session: Session, ctx: ReportContext, after: tuple | None, limit: int) -> RowPage:
        sel, keys = self._parts(ctx)
        if after is not None:
            # each value bound as its key column's type: a Money key (debts, biggest first) is
            # stored as minor units, a time as the database keeps it
            left, right = tuple_(*keys), tuple_(*[literal(v, k.type) for v, k in zip(after, keys)])
            sel = sel.where(left < right if self.desc else left > right)
        rows = list(session.execute(self._ordered(sel, keys).limit(limit)))
        last = tuple(getattr(rows[-1], k) for k in self.key) if rows else after
        return RowPage(rows, last, len(rows) < limit)

    def stream(self, session: Session, ctx: ReportContext) -> Iterator[Any]:
        sel, keys = self._parts(ctx)
        # yield_per: PostgreSQL reads through a server-side cursor, a chunk at a time
        result = session.execute(self._ordered(sel, keys).execution_options(yield_per=STREAM_CHUNK))
        try:
            yield from result
        finally:
            result.close()

    def count(self, session: Session, ctx: ReportContext) -> int:
        sel = self.select(ctx).order_by(None)
        return int(session.scalar(select(func.count()).select_from(sel.subquery())) or 0)


@dataclass(frozen=True)
class BoundedSource:
    """Rows computed whole because there are few by construction (a funnel's stages):
    ``rows(session, ctx)`` returns at most ``limit`` rows; pages are slices by position."""

    rows: Callable[[Session, ReportContext], list[Any]]
    limit: int = 200

    def _all(self, session: Session, ctx: ReportContext) -> list[Any]:
        rows = self.rows(session, ctx)
        if len(rows) > self.limit:
            raise RuntimeError(f"bounded report source returned {len(rows)} rows (limit {self.limit})")
        return rows

    def page(self, session: Session, ctx: ReportContext, after: tuple | None, limit: int) -> RowPage:
        rows = self._all(session, ctx)
        start = after[0] if after else 0
        chunk = rows[start:start + limit]
        end = start + len(chunk)
        return RowPage(chunk, (end,), end >= len(rows))

    def stream(self, session: Session, ctx: ReportContext) -> Iterator[Any]:
        yield from self._all(session, ctx)

    def count(self, session: Session, ctx: ReportContext) -> int:
        return len(self._all(session, ctx))


class BucketRow:
    """One calendar bucket's figures: the SQL row's values by name, ``bucket`` as a date."""

    __slots__ = ("_values",)

    def __init__(self, bucket: date, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", {**values, "bucket": bucket})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class CalendarSource:
    """One row per day, week or month of the period — empty ones too, so a chart has no gaps.

    ``aggregate(ctx, grain, lo_utc, hi_utc)`` is a grouped select with a text column ``bucket``
    ('YYYY-MM-DD', the bucket's first local day; see app.reports.sql.local_bucket) and the
    figures; ``zero`` names the figures an empty bucket shows as 0. Paging walks the calendar:
    a page is the next ``limit`` buckets, read with one query over just their time range.
    """

    aggregate: Callable[[ReportContext, str, datetime, datetime], Select]
    zero: Mapping[str, Any]
    grain_param: str = "by"

    def grain(self, ctx: ReportContext) -> str:
        chosen = ctx.params.get(self.grain_param, "auto")
        return auto_grain(ctx.period) if chosen == "auto" else chosen

    def _rows(self, session: Session, ctx: ReportContext, days: list[date], grain: str) -> list[BucketRow]:
        if not days:
            return []
        lo = max(ctx.period.utc_at(days[0]), ctx.start_utc)
        hi = min(ctx.period.utc_at(next_bucket(days[-1], grain)), ctx.end_utc)
        found = {row.bucket: row._mapping for row in session.execute(self.aggregate(ctx, grain, lo, hi))}
        out = []
        for day in days:
            values = found.get(day.isoformat())
            out.append(BucketRow(day, dict(values) if values is not None else dict(self.zero)))
        return out

    def page(self, session: Session, ctx: ReportContext, after: tuple | None, limit: int) -> RowPage:
        grain = self.grain(ctx)
        days: list[date] = []
        it = buckets(ctx.period, grain, after[0] if after else None)
        for day in it:
            days.append(day)
            if len(days) == limit:
                break
        exhausted = len(days) < limit or next(it, None) is None
        rows = self._rows(session, ctx, days, grain)
        return RowPage(rows, (days[-1],) if days else after, exhausted)

    def stream(self, session: Session, ctx: ReportContext) -> Iterator[Any]:
        after: tuple | None = None
        while True:
            page = self.page(session, ctx, after, 366)
            yield from page.rows
            if page.exhausted:
                return
            after = page.last_key

    def count(self, session: Session, ctx: ReportContext) -> int:
        return sum(1 for _ in buckets(ctx.period, self.grain(ctx)))


# -- presenting figures ---------------------------------------------------------------------------

HOURS = Decimal("0.01")
PERCENT = Decimal("0.01")


def ratio(part: Any, whole: Any, scale: int = 1, places: Decimal = PERCENT) -> Decimal | None:
    """part / whole × scale, exact and rounded half up; None when there is no whole."""
    if part is None or not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def percent(part: Any, whole: Any) -> Decimal | None:
    return ratio(part, whole, 100)


def hours(seconds_sum: Any, n: Any) -> Decimal | None:
    """An average of durations in hours from SQL's SUM(seconds) and COUNT."""
    if seconds_sum is None or not n:
        return None
    return (Decimal(seconds_sum) / Decimal(n) / 3600).quantize(HOURS, rounding=ROUND_HALF_UP)


DAYS = Decimal("0.1")


def days(seconds: Any) -> Decimal | None:
    """A duration in days, to a tenth."""
    if seconds is None:
        return None
    return (Decimal(seconds) / 86400).quantize(DAYS, rounding=ROUND_HALF_UP)


def average_days(seconds_sum: Any, n: Any) -> Decimal | None:
    """An average of durations in days from SQL's SUM(seconds) and COUNT."""
    if seconds_sum is None or not n:
        return None
    return (Decimal(seconds_sum) / Decimal(n) / 86400).quantize(DAYS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TotalValue:
    key: str
    title: str                                    # translated
    value: Any
    kind: str


def present_totals(report: Report, row: Any) -> list[TotalValue]:
    return [TotalValue(t.key, _(t.title), t.value(row) if row is not None else None, t.kind)
            for t in report.totals]


def resolve_params(report: Report, given: Mapping[str, Any] | None) -> dict[str, str]:
    """The report's parameters: what was given (keys it does not have are ignored, so one set
    of choices can be applied to several reports), the defaults for the rest."""
    given = given or {}
    out: dict[str, str] = {}
    for p in report.params:
        value = given.get(p.key)
        out[p.key] = p.default if value in (None, "") else str(value)
    return out


def check_params(report: Report, params: Mapping[str, str], session: Session | None) -> None:
    for p in report.params:
        allowed = {v for v, _label in p.options(session)}
        if params[p.key] not in allowed:
            raise BadParameter(value=params[p.key], param=_(p.title), report=_(report.title))


def params_text(report: Report, params: Mapping[str, str], session: Session | None) -> list[str]:
    """"Type: Purchase order", "Top: 20"… for a sheet's subtitle and the screen's caption."""
    out = []
    for p in report.params:
        label = dict(p.options(session)).get(params[p.key], params[p.key])
        out.append(_("{name}: {value}").format(name=_(p.title), value=_(label)))
    return out
