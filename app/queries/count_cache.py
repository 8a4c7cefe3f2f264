"""The queue totals of the navigation, remembered by an application server between changes.

Every desktop's main window asks for its role's queue totals (thirty queues, one statement of
thirty counts: tens of milliseconds of the database's time) when it opens and after every change
it is told about. A server answering forty desktops would count the same thirty queues forty
times for one change. ``CountCache`` keeps each total with the tables its statement reads
(found in the statement itself, subqueries included, not in a hand-kept list) and the change
generation of each of those tables when the count began; a commit to any of them (this process's
own, or another's heard through ``LISTEN``: see app.server.events) makes the total stale. A total
is also never older than ``max_age`` seconds, because some queues depend on the clock ("overdue").

It is used only while its change feed is live (``active``): on a single desktop, or a server not
listening, every total is counted afresh.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

from sqlalchemy import Select, Table
from sqlalchemy.sql.util import find_tables

#: the age after which a total is counted again, changes or not (queues that depend on the clock)
MAX_AGE_SECONDS = 30.0


class CountCache:
    def __init__(self, live: Callable[[], bool], max_age: float = MAX_AGE_SECONDS, size: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.live, self.max_age, self.size, self.clock = live, max_age, size, clock
        self._lock = threading.Lock()
        self._any = 0                                  # bumped by a change of unknown tables
        self._generation: dict[str, int] = {}
        self._entries: OrderedDict[Hashable, tuple[int, float, int, tuple[tuple[str, int], ...]]] = OrderedDict()
        self.hits = self.misses = 0

    @property
    def active(self) -> bool:
        """The change feed is live: a remembered total can be trusted."""
        return self.live()

    def changed(self, tables: frozenset[str]) -> None:
        """A commit wrote ``tables`` (empty: unknown, anything)."""
        with self._lock:
            if not tables:
                self._any += 1
                self._entries.clear()
                return
            for t in tables:
                self._generation[t] = self._generation.get(t, 0) + 1

    def snapshot(self) -> tuple[int, dict[str, int]]:
        """Taken before counting: a change landing while the count runs makes its result stale."""
        with self._lock:
            return self._any, dict(self._generation)

    def get(self, key: Hashable) -> int | None:
        if not self.active:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            count, at, any_gen, gens = entry
            if any_gen != self._any or self.clock() - at > self.max_age or \
                    any(self._generation.get(t, 0) != g for t, g in gens):
                del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return count

    def put(self, key: Hashable, statement: Select, count: int,
            snapshot: tuple[int, dict[str, int]], started: float) -> None:
        if not self.active:
            return
        any_gen, generation = snapshot
        gens = tuple((t, generation.get(t, 0)) for t in sorted(tables_read(statement)))
        with self._lock:
            self._entries[key] = (count, started, any_gen, gens)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def tables_read(statement: Select) -> frozenset[str]:
    """Every table the statement reads, in joins, subqueries and EXISTS clauses too."""
    return frozenset(t.name for t in find_tables(statement, check_columns=True, include_aliases=True,
                                                 include_joins=True, include_selects=True)
                     if isinstance(t, Table))


def request_key(value: Any) -> Hashable | None:
    """A hashable key for a request's filters (None: not cacheable)."""
    try:
        hash(value)
    except TypeError:
        return None
    return value
