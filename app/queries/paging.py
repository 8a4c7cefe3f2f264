"""Declared queues and the keyset pager that reads any of them.

A ``Queue`` is a named query: the entity it lists, its columns, default sort, search, filters,
the roles that see it and the tables whose changes refresh it. ``fetch_page`` reads one page
after a (sort value, id) key — page 5,000 costs what page 1 does, unlike OFFSET — and
``count`` gives the total separately (the UI runs it in the background).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import Select, and_, func, literal_column, select, text, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, Label

from app.permissions import Actor, Perm, Role
from app.text import clean, fold


@dataclass(frozen=True)
class Column:
    key: str
    title: str                           # N_ msgid
    kind: str = "text"                   # text, int, money, decimal, datetime, date, bool, label
    sortable: bool = False
    width: int | None = None
    labels: dict[str, str] | None = None  # kind="label": stored value -> N_ label
    #: the text shown for a row where it needs more than the column's own value (translated)
    text: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Filter:
    key: str
    title: str                                                   # N_ msgid
    options: Callable[[Session, Actor], list[tuple[Any, str]]]   # (value, label); label translated by UI
    apply: Callable[[Select, Any], Select]


@dataclass(frozen=True)
class Search:
    """A folded text column to search in; on SQLite, the FTS5 trigram table that indexes it.
    ``clause(term, dialect, session)`` replaces the column search where a queue finds rows
    another way (orders are found through their customer and by code); the session lets it
    look at the data to choose how (None where there is none to ask)."""

    column: ColumnElement | None = None
    fts_table: str | None = None
    clause: Callable[[str, str, Session | None], ColumnElement | None] | None = None


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class Queue:
    name: str
    title: str                                   # N_ msgid
    entity: str                                  # what a double-click opens
    base: Callable[[Context], Select]            # labelled columns incl. "id"; WHERE of the queue
    columns: tuple[Column, ...]
    sort: tuple[str, bool]                       # default (column key, descending)
    tables: frozenset[str]                       # changes to these refresh the queue
    search: Search | None = None
    filters: tuple[Filter, ...] = ()
    perm: Perm = Perm.VIEW_TASKS
    #: row -> a style name ("overdue", "warning", "done") the table paints with
    flag: Callable[[Any, Context], str | None] | None = None
    hint: str = ""                               # N_ msgid: what the queue is for


@dataclass(frozen=True)
class PageRequest:
    sort: tuple[str, bool] | None = None
    search: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    after: tuple[Any, int] | None = None
    limit: int = 100


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    last_key: tuple[Any, int] | None
    exhausted: bool


def _expr(sel: Select, key: str) -> ColumnElement:
    col = sel.selected_columns[key]
    return col.element if isinstance(col, Label) else col


def _like_pattern(word: str, dialect: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


MAX_SEARCH_CHARS = 200


def search_clause(search: Search, id_expr: ColumnElement, term: str, dialect: str,
                  session: Session | None = None) -> ColumnElement | None:
    """Every word must occur (accent- and case-insensitive). Trigram indexes on both databases."""
    # what was typed or pasted, as stored text is (NFC, no NUL or control characters: SQLite's
    # FTS reads a NUL as the end of the query); a search is a few words, not a pasted page
    term = clean(term)[:MAX_SEARCH_CHARS]
    if search.clause is not None:
        return search.clause(term, dialect, session)
    words = [w for w in fold(term).split(" ") if w]
    if not words:
        return None
    clauses: list[ColumnElement] = []
    long_words = [w for w in words if len(w) >= 3]
    if dialect == "sqlite" and search.fts_table and long_words:
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
        sub = text(f"SELECT rowid FROM {search.fts_table} WHERE {search.fts_table} MATCH :fts_q") \
            .bindparams(fts_q=match).columns(literal_column("rowid"))
        clauses.append(id_expr.in_(sub))
        words = [w for w in words if len(w) < 3]
    for w in words:
        if dialect == "sqlite":
            clauses.append(search.column.like(_like_pattern(w, dialect), escape="\\"))
        else:
            clauses.append(search.column.like(_like_pattern(w, dialect)))
    return and_(*clauses)


def _filtered(queue: Queue, ctx: Context, req: PageRequest, dialect: str,
              session: Session | None = None) -> Select:
    sel = queue.base(ctx)
    if req.search and queue.search is not None:
        clause = search_clause(queue.search, _expr(sel, "id"), req.search, dialect, session)
        if clause is not None:
            sel = sel.where(clause)
    by_key = {f.key: f for f in queue.filters}
    for key, value in req.filters.items():
        if value is not None and key in by_key:
            sel = by_key[key].apply(sel, value)
    return sel


def _sort(queue: Queue, req: PageRequest) -> tuple[str, bool]:
    if req.sort and any(c.key == req.sort[0] and c.sortable for c in queue.columns):
        return req.sort
    return queue.sort


def fetch_page(session: Session, queue: Queue, ctx: Context, req: PageRequest) -> Page:
    dialect = session.get_bind().dialect.name
    sel = _filtered(queue, ctx, req, dialect, session)
    key, desc = _sort(queue, req)
    sort_expr, id_expr = _expr(sel, key), _expr(sel, "id")
    if req.after is not None:
        left, right = tuple_(sort_expr, id_expr), tuple_(*req.after)
        sel = sel.where(left < right if desc else left > right)
    order = (sort_expr.desc(), id_expr.desc()) if desc else (sort_expr.asc(), id_expr.asc())
    rows = list(session.execute(sel.order_by(*order).limit(req.limit)))
    last = (getattr(rows[-1], key), rows[-1].id) if rows else req.after
    return Page(rows, last, len(rows) < req.limit)


def count(session: Session, queue: Queue, ctx: Context, req: PageRequest) -> int:
    return counts(session, [queue], ctx, req)[queue.name]


def counts(session: Session, queues: Sequence[Queue], ctx: Context, req: PageRequest,
           statements: dict[str, Select] | None = None) -> dict[str, int]:
    """Each queue's total (filtered by ``req`` where the queue has the filter), in ONE statement:
    ``SELECT (SELECT count(*) FROM q1) AS c0, (SELECT count(*) FROM q2) AS c1, …``. A manager's
    thirty queues cost one round trip instead of thirty (over a server: thirty sessions, each
    with its pre-ping, BEGIN and ROLLBACK). ``statements`` receives each queue's filtered select."""
    if not queues:
        return {}
    dialect = session.get_bind().dialect.name
    cols = []
    for i, queue in enumerate(queues):
        sel = _filtered(queue, ctx, req, dialect, session)
        if statements is not None:          # what each count read (app.queries.count_cache)
            statements[queue.name] = sel
        sub = select(func.count()).select_from(sel.order_by(None).subquery(f"q{i}"))
        cols.append(sub.scalar_subquery().label(f"c{i}"))
    row = session.execute(select(*cols)).one()
    return {queue.name: int(row[i] or 0) for i, queue in enumerate(queues)}


def iterate(session: Session, queue: Queue, ctx: Context, req: PageRequest,
            chunk: int = 2000) -> Iterator[Any]:
    """Every row of the (filtered, sorted) queue, read in keyset chunks: memory stays flat."""
    after = req.after
    while True:
        page = fetch_page(session, queue, ctx, PageRequest(req.sort, req.search, req.filters, after, chunk))
        yield from page.rows
        if page.exhausted:
            return
        after = page.last_key


class QueueRegistry:
    """Every queue by name, and which queues each role's navigation lists (in order)."""

    def __init__(self) -> None:
        self.queues: dict[str, Queue] = {}
        self.by_role: dict[Role, list[str]] = {r: [] for r in Role}

    def add(self, queue: Queue, roles: Sequence[Role]) -> Queue:
        if queue.name in self.queues:
            raise ValueError(f"queue {queue.name} declared twice")
        self.queues[queue.name] = queue
        for r in roles:
            self.by_role[r].append(queue.name)
        return queue

    def for_role(self, role: Role) -> list[Queue]:
        return [self.queues[n] for n in self.by_role.get(role, [])]

    def __getitem__(self, name: str) -> Queue:
        return self.queues[name]
