"""Engine, sessions, one transaction per user action, change notifications and migrations.

SQLite (the embedded default) is opened with WAL, synchronous=NORMAL, foreign keys and a busy
timeout at every connect; write transactions start with BEGIN IMMEDIATE so two desktops never
deadlock upgrading a read lock. WAL checkpoints run on a background thread (``WalCheckpointer``),
not inside whichever commit happens to fill the log, so a scan never waits for one. PostgreSQL is the shared server: every committed write sends a
NOTIFY with the tables it touched so other desktops refresh (see app.live).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from app import bounds  # noqa: F401  (registers the before-flush checks and driver-error translation)
from app.clock import SystemClock
from app.errors import DomainError
from app.i18n import N_

NOTIFY_CHANNEL = "importdesk_changes"
#: the newest migration this build ships (a test keeps it equal to Alembic's head); a database
#: already there opens without importing Alembic at all, which saves a third of a second at start
SCHEMA_HEAD = "0020"
ChangeListener = Callable[[frozenset[str], str], None]

#: libpq settings every PostgreSQL connection gets unless its URL names them itself. A server or
#: link that does not answer fails the connect after CONNECT_TIMEOUT seconds (the scan journal
#: then keeps the scan for later) instead of holding a station for the minutes TCP would wait;
#: keepalives find a link that died under an idle or waiting connection (10 s + 3 × 5 s), and
#: tcp_user_timeout one that dies while a statement is being sent (the pre-ping of a pooled
#: connection included). A long query on a live link is not cut: the server's TCP answers.
CONNECT_TIMEOUT = 5
PG_CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": CONNECT_TIMEOUT,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
}


class DatabaseTooNew(DomainError):
    msgid = N_("This database was upgraded by a newer ImportDesk (schema {revision}). "
               "Install the newer version of ImportDesk to open it.")


#: how long a pooled PostgreSQL connection may sit unused before it is pinged on checkout
PING_AFTER_SECONDS = 2.0


def _stamp_idle(_dbapi: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def ping_if_idle(dbapi: Any, record: Any, after: float) -> bool:
    """Checkout: a connection back from a rest is asked "SELECT 1" first (True: it was); if it
    is dead the pool is told (DisconnectionError: it drops it and tries a fresh one, up to three
    times)."""
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < after:
        return False            # just made, or used a moment ago
    try:
        with dbapi.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:    # noqa: BLE001 — any failure: this connection cannot be used
        raise DisconnectionError(f"pooled connection lost: {exc}") from exc
    return True


class Database:
    """One database (a SQLite file or a PostgreSQL server) and everything needed to use it."""

    def __init__(self, url: str, clock: Any = None, echo: bool = False, pool_size: int = 5) -> None:
        self.url = make_url(url)
        self.kind = "sqlite" if self.url.get_backend_name() == "sqlite" else "postgresql"
        self.clock = clock or SystemClock()
        #: identifies this process's commits in NOTIFY payloads, so it can skip its own echoes
        self.origin = uuid.uuid4().hex[:12]
        self._listeners: list[ChangeListener] = []
        #: the queue totals remembered between changes (app.queries.count_cache), set by an
        #: application server that hears every change; None: always counted afresh
        self.count_cache: Any = None
        self._checkpointer: WalCheckpointer | None = None
        self._lock = threading.Lock()
        if self.kind == "sqlite":
            if self.url.database and self.url.database != ":memory:":
                from pathlib import Path

                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(self.url, echo=echo,
                                        connect_args={"check_same_thread": False, "timeout": 30})
            file_backed = bool(self.url.database) and self.url.database != ":memory:"
            _configure_sqlite(self.engine, file_backed)
            if file_backed:
                self._checkpointer = WalCheckpointer(self.url.database)
                weakref.finalize(self, self._checkpointer.stop)
        else:
            # A connection idle in the pool for PING_AFTER_SECONDS is pinged before use (one round
            # trip), so a restarted PostgreSQL or a dropped link is noticed and a new connection
            # made, by itself; one used a moment ago is not (a busy server would otherwise ping
            # before every call). See ping_if_idle.
            connect_args = {k: v for k, v in PG_CONNECT_ARGS.items() if k not in self.url.query}
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=False,
                                        pool_size=pool_size, max_overflow=10,
                                        connect_args=connect_args)
            self.ping_after = PING_AFTER_SECONDS
            event.listen(self.engine, "checkin", _stamp_idle)
            event.listen(self.engine, "checkout", lambda dbapi, record, _proxy:
                         ping_if_idle(dbapi, record, self.ping_after))
        self._writer = sessionmaker(bind=self.engine.execution_options(sqlite_immediate=True),
                                    expire_on_commit=False, info={"db": self})
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False,
                                    info={"db": self})
        #: this thread's connection while it runs an ``action()`` (PostgreSQL only)
        self._action = threading.local()

    # -- description --------------------------------------------------------------------------
    def describe(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite: {self.url.database}"
        port = f":{self.url.port}" if self.url.port else ""
        return f"PostgreSQL: {self.url.host or 'localhost'}{port}/{self.url.database}"

    # -- sessions -----------------------------------------------------------------------------
    @contextmanager
    def action(self) -> Iterator[None]:
        """One user action made of several reads and transactions (a server call: its session
        check, then the operation) checks out ONE pooled connection (a connection that rested is
        pinged first: one round trip per action at most, not one per session). Each ``read()``/``transaction()``
        in the block still begins and ends its own transaction on it; one opened while another
        is still open on this thread (nested) takes its own connection as before. SQLite (a
        checkout is a local file handle, nothing to ping) and nested actions change nothing."""
        if self.kind != "postgresql" or getattr(self._action, "conn", None) is not None:
            yield
            return
        conn = self.engine.connect()
        self._action.conn = conn
        try:
            yield
        finally:
            self._action.conn = None
            conn.close()

    def _bind(self) -> dict[str, Any]:
        """Session arguments: this thread's action connection when it is free."""
        conn = getattr(self._action, "conn", None)
        if conn is None or conn.in_transaction() or conn.invalidated:
            return {}
        return {"bind": conn}

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: commit if the block finishes, roll back if anything raises."""
        session = self._writer(**self._bind())
        session.info["touched"] = set()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            touched = frozenset(session.info.get("committed_tables", ()))
            session.close()
        if self._checkpointer is not None:
            self._checkpointer.committed()
        if touched:
            self._emit_local(touched)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only look (no autoflush). Closing ends the transaction without expiring what
        was loaded, so plain values can be read after the block."""
        session = self._reader(**self._bind())
        try:
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()

    # -- change notifications -------------------------------------------------------------------
    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(tables, origin)`` after each commit made through this object."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def _emit_local(self, tables: frozenset[str]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(tables, self.origin)

    def notify_payload(self, tables: set[str]) -> str:
        return json.dumps({"o": self.origin, "t": sorted(tables)})


#: WAL pages after which a commit checkpoints by itself: only a safety net for when the background
#: checkpointer falls behind (SQLite's default, 1,000, made 1 % of scans on a 1,000,000-parcel file
#: wait 12–16 ms for a checkpoint even with the bare driver)
WAL_AUTOCHECKPOINT_PAGES = 20_000


class WalCheckpointer:
    """Checkpoints one SQLite file's WAL on a background thread, shortly after commits.

    The thread starts with the first commit, sleeps while nothing is written, and gathers the
    commits of half a second into one PASSIVE checkpoint (which never blocks readers or writers;
    sqlite3 releases the GIL while it copies pages and syncs). It owns its own connection."""

    INTERVAL = 0.5

    def __init__(self, path: str) -> None:
        self.path = path
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

    def committed(self) -> None:
        self._dirty.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stop.is_set():
                    self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint",
                                                    daemon=True)
                    self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _run(self) -> None:
        con: sqlite3.Connection | None = None
        try:
            while True:
                self._dirty.wait()
                if self._stop.wait(self.INTERVAL):
                    break
                self._dirty.clear()
                try:
                    if con is None:
                        con = sqlite3.connect(self.path, timeout=1, isolation_level=None,
                                              check_same_thread=False)
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error:
                    # the file is gone or locked for a moment: the next commit tries again
                    # (and the writers' own safety-net checkpoint keeps the WAL bounded)
                    if con is not None:
                        con.close()
                    con = None
        finally:
            if con is not None:
                con.close()


def _configure_sqlite(engine: Engine, file_backed: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        # We issue BEGIN ourselves (below): pysqlite's implicit transactions run SELECTs outside
        # any transaction, which loses updates in read-modify-write.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        if file_backed:
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# Collect the tables each write transaction touches; PostgreSQL announces them at commit.

@event.listens_for(Session, "after_flush")
def _collect_flushed(session: Session, flush_context: Any) -> None:
    touched = session.info.get("touched")
    if touched is None:
        return
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table:
            touched.add(table)


@event.listens_for(Session, "do_orm_execute")
def _collect_statements(state: Any) -> None:
    touched = state.session.info.get("touched")
    if touched is None or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None):
        touched.add(table.name)


@event.listens_for(Session, "before_commit")
def _announce(session: Session) -> None:
    touched = session.info.get("touched")
    if touched is None:
        return
    if session.new or session.dirty or session.deleted:
        session.flush()     # a transaction that only added objects has flushed nothing yet
    if not touched:
        return
    db: Database | None = session.info.get("db")
    session.info["committed_tables"] = set(touched)
    if db is not None and db.kind == "postgresql":
        # Delivered by PostgreSQL only if and when this transaction commits.
        session.execute(text("SELECT pg_notify(:c, :p)"),
                        {"c": NOTIFY_CHANNEL, "p": db.notify_payload(touched)})


@event.listens_for(Session, "after_commit")
def _end(session: Session) -> None:
    session.info.pop("core_connection", None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("committed_tables", None)
    session.info.pop("core_connection", None)   # app.services.writes.core's, of that transaction
    if "touched" in session.info:
        session.info["touched"] = set()


# -- migrations ----------------------------------------------------------------------------------

#: objects that exist on one database only and are written by hand in migrations: SQLite's
#: FTS5 trigram tables (with their shadow tables) and PostgreSQL's pg_trgm indexes
def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and name and "_fts" in name:
        return False
    if type_ == "index" and name and name.startswith("ix_trgm_"):
        return False
    return True


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate writes our exact-value column types as the plain types they store, so old
    migrations never depend on today's app code."""
    from sqlalchemy import DateTime
    from sqlalchemy.types import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl
        if isinstance(impl, DateTime):
            return "sa.DateTime(timezone=True)" if impl.timezone else "sa.DateTime()"
        return f"sa.{type(impl).__name__}()"
    return False


def _alembic_config(db: Database, connection: Any = None) -> Any:
    from alembic.config import Config

    from app.paths import project_root

    cfg = Config()
    cfg.set_main_option("script_location", str(project_root() / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from app.paths import project_root
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(project_root() / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(db: Database) -> None:
    """Refuse a database whose schema revision this build does not know."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from app.paths import project_root

    rev = current_revision(db)
    if rev is None:
        return
    cfg = Config()
    cfg.set_main_option("script_location", str(project_root() / "migrations"))
    try:
        ScriptDirectory.from_config(cfg).get_revision(rev)
    except (CommandError, KeyError):
        raise DatabaseTooNew(revision=rev) from None


def stored_revision(db: Database) -> str | None:
    """The database's schema revision, read with plain SQL (None for a new, empty database)."""
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; on PostgreSQL one desktop at a time (advisory lock)."""
    stored = stored_revision(db)
    if revision == "head" and stored == SCHEMA_HEAD:
        return
    from alembic import command

    check_not_newer(db)
    if stored is not None and revision == "head" and stored != head_revision():
        # an existing database behind this build: copy it before changing its schema
        from app.services.backup import before_upgrade

        before_upgrade(db, stored)
    with db.engine.begin() as conn:
        if db.kind == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7474011)"))
        command.upgrade(_alembic_config(db, conn), revision)


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    with db.engine.begin() as conn:
        command.downgrade(_alembic_config(db, conn), revision)


def is_empty(db: Database) -> bool:
    """True when no staff account exists yet (first run: ask for the company and an admin)."""
    from sqlalchemy import func, select

    from app.models import User

    with db.read() as s:
        return s.scalar(select(func.count()).select_from(User)) == 0
