"""Live updates on a desktop signed in to an application server: ``RemoteChangeWatcher``.

The same interface as ``app.live.ChangeWatcher`` (``callback(tables, origin)`` for every change
committed on the server, by any desktop; ``start()``/``stop()``), fed by a long poll:

    GET /events?after=<cursor>&wait=<seconds>      (the session's bearer token)

The server answers at once when changes newer than the cursor are waiting, otherwise as soon as
one arrives, at the latest after ``wait`` seconds with none (see ``app.server.events``). Why a long
poll and not server-sent events or a websocket: it is plain request/response on the same
kept-alive HTTPS connection and pinned certificate as every call, needs nothing new on either side
(no streaming reader on httpx's sync client, no second protocol through proxies), every poll is
authenticated afresh by the session token (a signed-out or disabled user stops receiving at the
next poll) and a lost connection or a restarted server is just the next poll. A change arriving
while the desktop is between two polls waits in the server's short history and is answered by
the next one at once; the cost is one request per ~25 s per idle desktop.

The cursor is ``<server process>:<sequence>``. A desktop that reaches another server process (or
the same one restarted), or has been away longer than the server's history, gets ``reset``: it
cannot know what it missed, so the callback is told "anything may have changed" (an empty set),
as on SQLite in-process.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

import httpx

from app import __version__
from app.i18n import current_language
from app.remote import wire

log = logging.getLogger(__name__)
OnChange = Callable[[frozenset[str], str], None]

#: how long the server holds a poll with nothing to say (well under any proxy's idle timeout)
POLL_SECONDS = 25.0
EVENTS_PATH = "/events"


@dataclass(frozen=True)
class Change:
    """One committed transaction: the tables it wrote (empty: unknown, anything) and the server
    process (``Database.origin``) whose connection committed it."""

    tables: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class ChangeBatch:
    """The reply to one poll: the changes after the cursor sent, and the cursor for the next poll.
    ``reset``: the server cannot tell what happened since that cursor (another server process, a
    restart, too long away): refresh everything."""

    cursor: str
    changes: tuple[Change, ...]
    reset: bool = False


class RemoteChangeWatcher:
    """Calls ``on_change(tables, origin)`` on its own daemon thread for every change committed on
    the server ``client`` is signed in to (this desktop's own changes too, as the in-process
    watcher's local subscription does). The UI hands it to the GUI thread with a signal."""

    def __init__(self, client, on_change: OnChange, wait_seconds: float = POLL_SECONDS,
                 retry_seconds: float = 2.0) -> None:
        self.client = client
        self.on_change = on_change
        self.wait_seconds = wait_seconds
        self.retry_seconds = retry_seconds
        self.cursor: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        #: set once the first poll has been answered (tests wait for it before changing data)
        self.listening = threading.Event()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="importdesk-remote-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            try:
                http.close()   # ends a poll in progress
            except Exception:   # closing under a read in another thread: nothing more to do
                pass
        if self._thread is not None:
            # a poll blocked in its read is not always woken by closing the connection: it ends
            # when the server answers (at the latest after wait_seconds) and delivers nothing
            self._thread.join(timeout=0.5)
            self._thread = None

    # -- the poll ------------------------------------------------------------------------------------
    def _connection(self) -> httpx.Client:
        """A connection of its own (a poll holds it for up to ``wait_seconds``; the calls keep
        theirs), to the same server with the same pinned certificate."""
        from app.remote.client import pinned_context

        with self._lock:
            if self._http is None:
                identity = self.client.known.get(self.client.url)
                if identity is None:
                    raise RuntimeError(f"{self.client.url} is not a trusted server")
                self._http = httpx.Client(
                    base_url=self.client.url, verify=pinned_context(identity),
                    timeout=httpx.Timeout(10.0, read=self.wait_seconds + 15.0),
                    headers={wire.HEADER_VERSION: __version__, "accept": wire.CONTENT_TYPE,
                             "user-agent": f"ImportDesk/{__version__}"})
            return self._http

    def poll(self) -> ChangeBatch | None:
        """One poll (blocking up to ``wait_seconds``); None if the server refused it."""
        http = self._connection()
        params = {"wait": f"{self.wait_seconds:g}"}
        if self.cursor is not None:
            params["after"] = self.cursor
        headers = {wire.HEADER_LANGUAGE: current_language()}
        if self.client.token:
            headers["authorization"] = f"Bearer {self.client.token}"
        resp = http.get(EVENTS_PATH, params=params, headers=headers)
        if resp.status_code != 200:
            log.info("live updates refused (HTTP %s)", resp.status_code)
            return None
        return wire.decode(resp.content, ChangeBatch)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self.poll()
            except Exception as exc:   # link down, server restarting: the next poll catches up
                if self._stop.is_set():
                    return
                log.info("live updates: %s; retrying", exc)
                with self._lock:
                    http, self._http = self._http, None
                if http is not None:
                    http.close()
                self._stop.wait(self.retry_seconds)
                continue
            if batch is None:   # signed out or expired: poll again once signed in anew
                self._stop.wait(self.retry_seconds)
                continue
            first = self.cursor is None
            self.cursor = batch.cursor
            self.listening.set()
            if self._stop.is_set():
                return
            if batch.reset and not first:
                self._deliver(frozenset(), "")
            for change in batch.changes:
                self._deliver(frozenset(change.tables), change.origin)

    def _deliver(self, tables: frozenset[str], origin: str) -> None:
        if self._stop.is_set():     # stopped while this poll was answered: the receiver may be gone
            return
        try:
            self.on_change(tables, origin)
        except Exception:
            log.exception("live update callback failed")
