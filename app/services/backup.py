"""Backups of the company's database, and restoring one.

SQLite (the embedded database) is copied with SQLite's online backup API: one read transaction
copies every page, so the copy is the database as it was when the copy began, while scans and
payments go on committing beside it (WAL readers never block writers). Copies go to the folder
in the ``backup.folder`` setting (default: ``backups`` in the data folder), named
``<company>-<database>-<YYYYMMDD-HHMMSS UTC>[-tag].sqlite``; the newest ``backup.keep`` of this
database are kept. The desktop's housekeeping takes one a day (``daily_backup``), and
``app.db.upgrade`` takes one before upgrading an existing database's schema (``before_upgrade``).

PostgreSQL (the shared server) is dumped with ``pg_dump -Fc`` and restored with
``pg_restore`` into an emptied schema, in one transaction (``main.py backup`` / ``main.py restore``).

A file is restored only once it has passed every check (``inspect_backup``): it is a SQLite file,
``PRAGMA integrity_check`` says ok, it holds ImportDesk's tables and a schema revision this build
knows. The current database is first copied aside (``<name>-before-restore-<time>``).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError
from app.i18n import N_, _
from app.permissions import Actor, Perm, Role, require
from app.progress import Cancelled, NullProgress, Progress
from app.text import fold

log = logging.getLogger(__name__)

#: what a backup is described by in the list and before a restore: table -> N_ label
COUNTED: tuple[tuple[str, str], ...] = (
    ("orders", N_("orders")), ("customers", N_("customers")), ("parcels", N_("parcels")),
    ("payments", N_("payments")),
)
#: tables every ImportDesk database has had since its first revision
IMPORTDESK_TABLES = frozenset({"alembic_version", "settings", "users", "customers", "orders", "parcels"})
SQLITE_EXT, PG_EXT = ".sqlite", ".dump"
STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^(?P<stem>.+?)-(?P<ts>\d{8}-\d{6})(?:\.(?P<n>\d+))?(?:-(?P<tag>[a-z0-9-]+))?"
                   r"(?P<ext>\.sqlite|\.dump)$")
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupRefused(DomainError):
    """The file cannot be restored (damaged, not ImportDesk's, or too new)."""

    msgid = N_("This file cannot be restored.")


class BackupFailed(DomainError):
    msgid = N_("The backup could not be made: {error}")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime          # aware UTC: from the file name, else the file's time
    size: int                   # bytes
    kind: str                   # "sqlite" or "postgresql"
    tag: str = ""               # "daily", "manual", "before-upgrade-0007", …
    revision: str | None = None
    counts: dict[str, int] | None = None   # COUNTED tables (SQLite copies only)


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    aside: Path | None          # the database as it was just before, kept


# -- where and what ------------------------------------------------------------------------------

def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text or "")).strip("-")[:40]


def default_folder() -> Path:
    from app.paths import user_data_dir

    return user_data_dir() / "backups"


def folder_from(value: str | None) -> Path:
    return Path(os.path.expanduser(value)) if value else default_folder()


def db_slug(db: Database) -> str:
    if db.kind == "sqlite":
        return _slug(Path(db.url.database or "importdesk").stem) or "importdesk"
    return _slug(db.url.database or "postgres") or "postgres"


@dataclass(frozen=True)
class Plan:
    folder: Path
    keep: int
    daily: bool
    company: str


def plan_for(db: Database) -> Plan:
    """The backup settings of this database (the declared defaults where they cannot be read,
    e.g. a database older than the settings table's current shape)."""
    from app.settings import SETTINGS

    keys = ("backup.folder", "backup.keep", "backup.daily", "company.name")
    values = {k: SETTINGS[k].default for k in keys}
    try:
        from app.services.settings import load_keys

        with db.read() as s:
            values = load_keys(s, keys)
    except Exception:  # noqa: BLE001 — no settings table yet: the defaults
        log.debug("backup settings unreadable; using the defaults", exc_info=True)
    return Plan(folder_from(values["backup.folder"]), values["backup.keep"], values["backup.daily"],
                values["company.name"])


def _file_name(db: Database, plan: Plan, at: datetime, tag: str, n: int = 0) -> str:
    stem = "-".join(p for p in (_slug(plan.company), db_slug(db)) if p)
    ext = SQLITE_EXT if db.kind == "sqlite" else PG_EXT
    return f"{stem}-{at.astimezone(timezone.utc).strftime(STAMP)}{f'.{n}' if n else ''}" \
           f"{'-' + _slug(tag) if tag else ''}{ext}"


def _parse_name(path: Path) -> tuple[str, datetime, int, str] | None:
    m = _NAME.match(path.name)
    if m is None:
        return None
    at = datetime.strptime(m["ts"], STAMP).replace(tzinfo=timezone.utc)
    return m["stem"], at, int(m["n"] or 0), m["tag"] or ""


def _ours(db: Database, path: Path) -> bool:
    parsed = _parse_name(path)
    if parsed is None:
        return False
    stem, slug = parsed[0], db_slug(db)
    ext = SQLITE_EXT if db.kind == "sqlite" else PG_EXT
    return path.suffix == ext and (stem == slug or stem.endswith("-" + slug))


def _order_key(path: Path) -> tuple[datetime, int, int]:
    """Oldest first: by the time in the name, then (copies of the same second) as written."""
    parsed = _parse_name(path)
    assert parsed is not None
    try:
        written = path.stat().st_mtime_ns
    except OSError:
        written = 0
    return parsed[1], parsed[2], written


# -- listing and checking ----------------------------------------------------------------------

def _ro_uri(path: Path) -> str:
    # immutable: never writes a -wal/-shm beside the file, never takes a lock on it
    return path.resolve().as_uri() + "?mode=ro&immutable=1"


def _describe_sqlite(path: Path, check: bool) -> BackupInfo:
    """Open a SQLite copy read-only and describe it; with ``check``, refuse anything unsafe."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupRefused(N_("The file cannot be read: {error}"), error=str(exc)) from None
    if head != SQLITE_MAGIC:
        raise BackupRefused(N_("This file is not an ImportDesk backup (it is not a SQLite database)."))
    try:
        con = sqlite3.connect(_ro_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise BackupRefused(N_("The file cannot be opened: {error}"), error=str(exc)) from None
    try:
        if check:
            problems = [r[0] for r in con.execute("PRAGMA integrity_check(20)").fetchall()]
            if problems != ["ok"]:
                raise BackupRefused(N_("This backup is damaged and cannot be restored "
                                       "(SQLite's integrity check: {problem})."),
                                    problem="; ".join(str(p) for p in problems[:3]))
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not IMPORTDESK_TABLES <= tables:
            raise BackupRefused(N_("This file is a SQLite database but not an ImportDesk one."))
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision[0] if revision else None
        if check:
            check_revision_known(revision)
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t, _label in COUNTED if t in tables}
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(N_("This backup is damaged and cannot be restored ({error})."),
                            error=str(exc)) from None
    finally:
        con.close()
    return _info(path, size, "sqlite", revision, counts)


def _info(path: Path, size: int, kind: str, revision: str | None, counts: dict[str, int] | None) -> BackupInfo:
    parsed = _parse_name(path)
    if parsed is not None:
        taken_at, tag = parsed[1], parsed[3]
    else:
        taken_at, tag = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc), ""
    return BackupInfo(path, taken_at, size, kind, tag, revision, counts)


def check_revision_known(revision: str | None) -> None:
    """Refuse a copy without a schema revision, or with one newer than this build."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from app.paths import project_root

    if not revision:
        raise BackupRefused(N_("This file is not an ImportDesk backup (it has no schema revision)."))
    cfg = Config()
    cfg.set_main_option("script_location", str(project_root() / "migrations"))
    try:
        known = ScriptDirectory.from_config(cfg).get_revision(revision)
    except (CommandError, KeyError):
        known = None
    if known is None:
        raise BackupRefused(N_("This backup was made by a newer ImportDesk (schema {revision}). "
                               "Install the newer version to restore it."), revision=revision)


def inspect_backup(path: str | Path) -> BackupInfo:
    """Every check a file must pass before it may replace the database; its date and counts.
    Raises ``BackupRefused`` with a message saying what is wrong."""
    path = Path(path)
    if path.suffix == PG_EXT:
        return _describe_pg_dump(path)
    return _describe_sqlite(path, check=True)


_described: dict[tuple[str, int, int], BackupInfo] = {}


def list_backups(db: Database, actor: Actor) -> list[BackupInfo]:
    """This database's backups in the backup folder, newest first (counts where readable)."""
    require(actor, Perm.MANAGE_BACKUPS)
    return _list(db, plan_for(db).folder)


def _list(db: Database, folder: Path) -> list[BackupInfo]:
    if not folder.is_dir():
        return []
    out: list[BackupInfo] = []
    for path in sorted((p for p in folder.iterdir() if p.is_file() and _ours(db, p)), key=_order_key,
                       reverse=True):
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        info = _described.get(key)
        if info is None:
            try:
                info = _describe_sqlite(path, check=False) if db.kind == "sqlite" \
                    else _info(path, st.st_size, "postgresql", None, None)
            except BackupRefused:
                info = _info(path, st.st_size, db.kind, None, None)   # listed; refused on restore
            _described[key] = info
        out.append(info)
    return out


def prune(db: Database, plan: Plan) -> list[Path]:
    """Delete this database's oldest backups beyond ``plan.keep``; returns what was deleted."""
    if not plan.folder.is_dir():
        return []
    ours = sorted((p for p in plan.folder.iterdir() if p.is_file() and _ours(db, p)), key=_order_key,
                  reverse=True)
    gone = []
    for path in ours[plan.keep:]:
        try:
            path.unlink()
            gone.append(path)
        except OSError:
            log.warning("could not delete the old backup %s", path, exc_info=True)
    return gone


# -- taking a backup ---------------------------------------------------------------------------

def _past_cancel(progress: Progress, done: int, total: int, label: str | None = None) -> None:
    """Progress once the work can no longer be undone: a Cancel pressed now changes nothing."""
    try:
        progress.update(done, total, label)
    except Cancelled:
        pass


def _sqlite_copy(source: str | Path, dest: Path, check: bool = True) -> None:
    """Copy a live SQLite database to ``dest`` with the online backup API (consistent while
    others write), as one self-contained file (no -wal beside it)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(source), timeout=30)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        out = sqlite3.connect(str(partial))
        try:
            # pages=-1: every page in one step, i.e. one read transaction — a consistent snapshot;
            # copying in slices would restart each time another connection commits (a scan burst)
            src.backup(out, pages=-1)
            out.execute("PRAGMA journal_mode=DELETE").fetchall()
            if check:
                result = out.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise BackupFailed(error=_("the copy failed SQLite's check: {problem}").format(problem=result))
        finally:
            out.close()
        os.replace(partial, dest)
    except sqlite3.Error as exc:
        raise BackupFailed(error=str(exc)) from None
    finally:
        src.close()
        partial.unlink(missing_ok=True)


def take_backup(db: Database, tag: str = "", folder: Path | None = None, output: Path | None = None,
                progress: Progress | None = None, at: datetime | None = None,
                keep: int | None = None) -> BackupInfo:
    """Copy the database into the backup folder (or to ``output``), then keep the newest N.

    No permission check: callers are the admin's ``back_up_now``, the system's timers and the
    command line (which runs with the server's or the file's own access)."""
    progress = progress or NullProgress()
    if db.kind == "sqlite":
        if not db.url.database or db.url.database == ":memory:":
            raise BackupFailed(error=_("an in-memory database has no file to back up"))
        if not Path(db.url.database).is_file():   # (before anything connects and creates it)
            raise BackupFailed(error=_("there is no database at {path}").format(path=db.url.database))
    plan = plan_for(db)
    if folder is not None:
        plan = Plan(folder, plan.keep, plan.daily, plan.company)
    if keep is not None:
        plan = Plan(plan.folder, keep, plan.daily, plan.company)
    at = at or datetime.now(timezone.utc)
    if output is None:
        try:
            plan.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackupFailed(error=str(exc)) from None
        n = 0
        while (dest := plan.folder / _file_name(db, plan, at, tag, n)).exists():
            n += 1
    else:
        dest = Path(output)
    progress.update(0, 3, _("Copying the database…"))
    if db.kind == "sqlite":
        _sqlite_copy(db.url.database, dest)
    else:
        pg_dump(db, dest)
    _past_cancel(progress, 2, 3, _("Removing old backups…"))   # the copy is made: no going back
    if output is None:
        prune(db, plan)
    _past_cancel(progress, 3, 3)
    size = dest.stat().st_size
    if db.kind == "sqlite":
        return _describe_sqlite(dest, check=False)
    return _info(dest, size, "postgresql", None, None)


def back_up_now(db: Database, actor: Actor, progress: Progress | None = None) -> BackupInfo:
    """The admin's "Back up now"."""
    require(actor, Perm.MANAGE_BACKUPS)
    info = take_backup(db, "manual", progress=progress)
    log.info("%s backed up the database to %s", actor.name, info.path)
    from app.services.activity import record

    _record(db, actor, lambda tx, who: record(tx, who, "company", None, "backed_up",
                                              after={"file": str(info.path)}))
    return info


def _record(db: Database, actor: Actor, write: Callable[[Session, Actor], object]) -> None:
    """The company's activity log says who backed up or restored, and from what (a restored copy
    may not know the person: then only their name is kept). Never fails the backup itself."""
    from sqlalchemy import select

    from app.models import User

    try:
        with db.transaction() as tx:
            uid = actor.user_id
            if uid is not None and tx.scalar(select(User.id).where(User.id == uid)) is None:
                uid = None
            write(tx, Actor(uid, actor.name, actor.role, actor.roles, actor.warehouse_id, actor.language))
    except Exception:  # noqa: BLE001 — e.g. a restored copy at an older schema: logged only
        log.warning("could not write the backup's line in the activity log", exc_info=True)


def daily_backup(db: Database, now: datetime | None = None) -> str:
    """Housekeeping's job: a SQLite database gets a backup when its newest is a day old.
    (A PostgreSQL server is backed up where it runs: ``main.py backup`` from cron.)"""
    if db.kind != "sqlite" or not db.url.database or db.url.database == ":memory:":
        return "not an embedded database"
    plan = plan_for(db)
    if not plan.daily:
        return "off"
    now = now or datetime.now(timezone.utc)
    ours = [p for p in plan.folder.iterdir() if p.is_file() and _ours(db, p)] if plan.folder.is_dir() else []
    if ours and now - _order_key(max(ours, key=_order_key))[0] < timedelta(days=1):
        return "recent"
    return take_backup(db, "daily", at=now).path.name


def before_upgrade(db: Database, revision: str) -> Path | None:
    """Called by ``app.db.upgrade`` before it upgrades a database at ``revision``. A SQLite
    database that cannot be copied is not upgraded; a server without pg_dump here is upgraded
    after a warning in the log (its own backups are its administrator's)."""
    tag = f"before-upgrade-{revision}"
    if db.kind == "sqlite":
        if not db.url.database or db.url.database == ":memory:":
            return None
        try:
            return take_backup(db, tag).path
        except BackupFailed:
            # the configured folder is out of reach (a disconnected drive): beside the database
            # rather than not at all, and rather than a company locked out of its own books
            log.warning("backup folder unusable; copying beside the database", exc_info=True)
            return take_backup(db, tag, folder=Path(db.url.database).parent / "backups").path
    try:
        pg_tool("pg_dump")
    except BackupFailed:
        log.warning("no pg_dump here: upgrading %s without a backup first", db.describe())
        return None
    return take_backup(db, tag).path


# -- restoring ---------------------------------------------------------------------------------

def aside_path(target: Path, at: datetime) -> Path:
    return target.with_name(f"{target.stem}-before-restore-{at.astimezone(timezone.utc).strftime(STAMP)}"
                            f"{target.suffix or '.db'}")


def restore(db: Database, actor: Actor, path: str | Path, progress: Progress | None = None) -> RestoreResult:
    """Replace the database with a checked backup; the current one is kept aside first.
    The app must be restarted afterwards (who is signed in may not exist in the copy)."""
    require(actor, Perm.MANAGE_BACKUPS)
    return restore_file(db, path, progress, actor)


#: who restores from the command line (with the file's or the server's own access)
COMMAND_LINE = Actor(None, "main.py restore", Role.SYSTEM, frozenset({Role.SYSTEM}))


def restore_file(db: Database, path: str | Path, progress: Progress | None = None,
                 actor: Actor | None = None) -> RestoreResult:
    result = _restore_file(db, Path(path), progress or NullProgress())
    from app.services.activity import record

    after = {"file": str(result.restored.path), "taken_at": result.restored.taken_at,
             "revision": result.restored.revision, "kept_aside": str(result.aside) if result.aside else None}
    _record(db, actor or COMMAND_LINE, lambda tx, who: record(tx, who, "company", None, "restored", after=after))
    return result


def _restore_file(db: Database, path: Path, progress: Progress) -> RestoreResult:
    progress.update(0, 4, _("Checking the backup…"))
    info = inspect_backup(path)
    if db.kind != "sqlite":
        return _pg_restore(db, info, progress)
    if not db.url.database or db.url.database == ":memory:":
        raise BackupFailed(error=_("an in-memory database cannot be restored"))
    target = Path(db.url.database)
    at = datetime.now(timezone.utc)
    aside = None
    progress.update(1, 4, _("Keeping the current database aside…"))
    if target.exists():
        aside = aside_path(target, at)
        n = 1
        while aside.exists():
            aside = aside.with_name(f"{aside.stem}.{n}{aside.suffix}")
            n += 1
        try:
            _sqlite_copy(target, aside, check=False)   # kept even if damaged: that may be why
        except BackupFailed:
            # too damaged for SQLite to read through: keep its files as they are
            log.warning("copying %s aside through SQLite failed; copying its files", target, exc_info=True)
            shutil.copyfile(target, aside)
            for suffix in ("-wal",):
                if Path(f"{target}{suffix}").exists():
                    shutil.copyfile(f"{target}{suffix}", f"{aside}{suffix}")
    progress.update(2, 4, _("Restoring…"))   # the last moment Cancel stops it
    _sqlite_replace(path, target)
    _past_cancel(progress, 4, 4)
    log.info("restored %s from %s (the previous database is kept as %s)", target, path, aside)
    return RestoreResult(info, aside)


def _sqlite_replace(source: Path, target: Path) -> None:
    """Write the checked copy into the database through SQLite (the backup API into the live
    file), so connections still open see the restored content and its WAL stays consistent."""
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        # a writable copy switched to WAL like the live file, so the header the backup API
        # copies over says WAL too and the restored file stays in WAL mode
        staged = Path(tmp) / "restore.db"
        shutil.copyfile(source, staged)
        try:
            src = sqlite3.connect(str(staged), isolation_level=None)
            try:
                src.execute("PRAGMA journal_mode=WAL").fetchall()
                live = sqlite3.connect(str(target), timeout=30, isolation_level=None)
                try:
                    live.execute("PRAGMA busy_timeout=30000")
                    src.backup(live, pages=-1)
                    live.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                finally:
                    live.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise BackupFailed(N_("The backup could not be restored: {error}"), error=str(exc)) from None


# -- PostgreSQL: pg_dump / pg_restore ------------------------------------------------------------

def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    raise BackupFailed(N_("{tool} was not found. Install the PostgreSQL client programs, or add their "
                          "folder to PATH."), tool=name)


def _pg_connection(db: Database) -> tuple[list[str], dict[str, str]]:
    url = db.url
    args: list[str] = []
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    host = url.query.get("host") if url.query else None
    if host and not url.host:
        args += ["-h", host if isinstance(host, str) else host[0]]
    return args + ["-w"], env


def _run(cmd: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=6 * 3600, input=stdin)


def pg_dump(db: Database, dest: Path) -> None:
    conn, env = _pg_connection(db)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    try:
        done = _run([pg_tool("pg_dump"), "-Fc", "-f", str(partial), *conn, "-d", db.url.database or "postgres"],
                    env)
        if done.returncode != 0:
            raise BackupFailed(error=(done.stderr or done.stdout).strip())
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def _describe_pg_dump(path: Path) -> BackupInfo:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BackupRefused(N_("The file cannot be read: {error}"), error=str(exc)) from None
    tool = pg_tool("pg_restore")
    listed = _run([tool, "-l", str(path)])
    if listed.returncode != 0:
        raise BackupRefused(N_("This file is not a readable pg_dump archive ({error})."),
                            error=(listed.stderr or "").strip()[:300])
    if "TABLE DATA public alembic_version" not in listed.stdout:
        raise BackupRefused(N_("This file is a database dump but not of an ImportDesk database."))
    data = _run([tool, "--data-only", "--table=alembic_version", "-f", "-", str(path)])
    if data.returncode != 0:
        raise BackupRefused(N_("This file is not a readable pg_dump archive ({error})."),
                            error=(data.stderr or "").strip()[:300])
    revision = _copy_rows(data.stdout, "alembic_version")
    check_revision_known(revision[0] if revision else None)
    return _info(path, size, "postgresql", revision[0], None)


def _copy_rows(script: str, table: str) -> list[str]:
    rows: list[str] = []
    inside = False
    for line in script.splitlines():
        if line.startswith("COPY ") and f"{table} " in line:
            inside = True
        elif inside and line == "\\.":
            break
        elif inside and line:
            rows.append(line.split("\t")[0])
    return rows


def _pg_restore(db: Database, info: BackupInfo, progress: Progress) -> RestoreResult:
    progress.update(1, 4, _("Keeping the current database aside…"))
    aside = take_backup(db, "before-restore", keep=10**6).path   # never prunes the older ones here
    progress.update(2, 4, _("Restoring…"))
    conn, env = _pg_connection(db)
    # The database becomes exactly the backup: its schema is emptied and the dump replayed in ONE
    # transaction (a failure leaves the database as it was). pg_restore --clean drops only what the
    # dump knows, so tables a later version added (and their keys on users) would stop it.
    script = _run([pg_tool("pg_restore"), "--no-owner", "-f", "-", str(info.path)], env)
    if script.returncode != 0:
        raise BackupFailed(N_("The backup could not be restored: {error}"), error=script.stderr.strip()[:1000])
    done = _run([pg_tool("psql"), *conn, "-d", db.url.database or "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                 "--single-transaction", "-f", "-"], env,
                "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n" + script.stdout)
    if done.returncode != 0:
        raise BackupFailed(N_("The backup could not be restored: {error}"),
                           error=(done.stderr or done.stdout).strip()[:1000])
    _past_cancel(progress, 4, 4)
    return RestoreResult(info, aside)


def describe_counts(counts: dict[str, Any] | None) -> str:
    """"12 orders, 40 customers, …" for the list and the confirmation."""
    from app.i18n import fmt_decimal

    if not counts:
        return ""
    return ", ".join(f"{fmt_decimal(counts[t])} {_(label)}" for t, label in COUNTED if t in counts)
