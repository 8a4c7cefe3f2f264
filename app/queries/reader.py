"""What screens call to read queues: permission check, the clock, one short read per call."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from app.db import Database
from app.errors import NotFound
from app.i18n import Lazy, N_
from app.permissions import Actor, require
from app.queries import paging
from app.queries.count_cache import request_key
from app.queries.paging import Context, Page, PageRequest, Queue
from app.queries.queues import QUEUES


def queues_for(actor: Actor) -> list[Queue]:
    return [q for q in QUEUES.for_role(actor.role) if actor.can(q.perm)]


def _queue(actor: Actor, name: str) -> Queue:
    queue = QUEUES[name]
    require(actor, queue.perm)
    return queue


def context(db: Database, actor: Actor) -> Context:
    return Context(actor, db.clock.now())


def queue_page(db: Database, actor: Actor, name: str, req: PageRequest) -> Page:
    queue = _queue(actor, name)
    with db.read() as s:
        return paging.fetch_page(s, queue, context(db, actor), req)


def queue_count(db: Database, actor: Actor, name: str, req: PageRequest) -> int:
    queue = _queue(actor, name)
    with db.read() as s:
        return paging.count(s, queue, context(db, actor), req)


def queue_counts(db: Database, actor: Actor, names: Sequence[str],
                 req: PageRequest | None = None) -> dict[str, int]:
    """Every named queue's total (the navigation's figures) in one read session and one
    statement; every queue's permission is checked before the database is asked. ``req``'s
    search and filters apply to each queue as ``queue_count`` applies them (a filter a queue
    does not have is ignored)."""
    queues = list({name: _queue(actor, name) for name in names}.values())
    if not queues:
        return {}
    req = req or PageRequest()
    cache = db.count_cache
    filters = request_key(tuple(sorted(req.filters.items()))) if cache is not None and cache.active else None
    if filters is None:
        with db.read() as s:
            return paging.counts(s, queues, context(db, actor), req)
    # a server between changes: the totals nothing has changed since are remembered (count_cache)
    who = (actor, req.search, filters)
    out = {q.name: cache.get((q.name, who)) for q in queues}
    missing = [q for q in queues if out[q.name] is None]
    if missing:
        snapshot, started = cache.snapshot(), cache.clock()
        ctx = context(db, actor)
        statements: dict[str, Any] = {}
        with db.read() as s:
            fresh = paging.counts(s, missing, ctx, req, statements)
        for q in missing:
            out[q.name] = fresh[q.name]
            cache.put((q.name, who), statements[q.name], fresh[q.name], snapshot, started)
    return out


def filter_options(db: Database, actor: Actor, name: str) -> dict[str, list[tuple[Any, str]]]:
    """Each filter's choices (value, untranslated label), read in one short session: some list
    rows of the database (the warehouses of a country)."""
    queue = _queue(actor, name)
    with db.read() as s:
        return {f.key: list(f.options(s, actor)) for f in queue.filters}


def queue_row(db: Database, actor: Actor, name: str, row_id: int) -> Any:
    """One row of a queue as the queue shows it (the generic detail view's content)."""
    queue = _queue(actor, name)
    with db.read() as s:
        sel = queue.base(context(db, actor))
        row = s.execute(sel.where(paging._expr(sel, "id") == row_id)).first()
        if row is None:
            raise NotFound(what=Lazy(N_("The record")))
        return row


@contextmanager
def queue_rows(db: Database, actor: Actor, name: str, req: PageRequest) -> Iterator[Iterator[Any]]:
    """All rows of the filtered queue, streamed in keyset chunks (for exports)."""
    queue = _queue(actor, name)
    with db.read() as s:
        yield paging.iterate(s, queue, context(db, actor), req)
