"""Backups: consistent copies while the warehouse scans, checked restores, retention, the copy
before a schema upgrade, the daily job, admins only, and the command line on both databases."""
import os
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import db as dbmod
from main import main as cli_main
from app.errors import PermissionDenied
from app.models import ActivityEvent, Customer, Parcel
from app.permissions import Role
from app.services import backup, parcels
from app.services import settings as settings_service
from app.services.housekeeping import run_housekeeping
from tests.factories import make_customer, make_user, make_warehouses
from tests.services.warehouse_helpers import kg, make_staff


def _admin(db):
    return make_user(db, Role.ADMIN, full_name="Trần Quản Trị")


def _use_folder(db, admin, folder: Path, keep: int = 14) -> None:
    settings_service.update_settings(db, admin, {"backup.folder": str(folder), "backup.keep": keep})


def _codes(db) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(Parcel.tracking_code)))


# -- a copy while a scan burst goes on -------------------------------------------------------------

def test_a_backup_during_a_scan_burst_restores_to_a_consistent_database_with_every_earlier_scan(
        sqlite_db, tmp_path, clock):
    db = sqlite_db
    st = make_staff(db)
    admin = _admin(db)
    _use_folder(db, admin, tmp_path / "backups")
    # the scanning desktop: its own connection to the same file, scanning as fast as it can
    scanner = dbmod.Database(str(db.url), clock=clock)
    committed: list[str] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def scan() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                code = f"YT88{n:011d}"
                parcels.receive_cn(scanner, st.cn, st.wh["CN-GZ"], code, kg("1.2"))
                committed.append(code)   # receive_cn returned: its transaction is committed
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    worker = threading.Thread(target=scan)
    worker.start()
    try:
        while len(committed) < 40 and worker.is_alive():
            time.sleep(0.01)
        before = list(committed)          # every scan committed before the backup began
        info = backup.back_up_now(db, admin)
        while len(committed) < len(before) + 40 and worker.is_alive():
            time.sleep(0.01)              # and the burst went on after it
    finally:
        stop.set()
        worker.join(30)
        scanner.dispose()
    assert not failures, failures
    assert len(committed) > len(before) + 20

    assert backup.inspect_backup(info.path).counts["parcels"] >= len(before)
    restored = dbmod.Database(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        result = backup.restore_file(restored, info.path)
        assert result.aside is None                      # nothing was there to keep
        con = sqlite3.connect(tmp_path / "restored.db")
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.close()
        codes = _codes(restored)
        assert set(before) <= codes                      # nothing committed before it is missing
        assert codes < set(committed)                    # and no half scan: only whole ones
        with restored.read() as s:                      # each parcel with its scan's event: whole
            events = s.scalar(select(func.count()).select_from(ActivityEvent).where(
                ActivityEvent.entity == "parcel", ActivityEvent.action == "received_cn"))
        assert events == len(codes)
    finally:
        restored.dispose()


# -- restoring, and refusing what must not be restored ---------------------------------------------

def test_restore_brings_back_the_copy_and_keeps_the_current_database_aside(sqlite_db, tmp_path):
    db = sqlite_db
    admin = _admin(db)
    _use_folder(db, admin, tmp_path / "backups")
    make_customer(db, name="Nguyễn Thị Hằng")
    info = backup.back_up_now(db, admin)
    assert info.counts == {"orders": 0, "customers": 1, "parcels": 0, "payments": 0}
    make_customer(db, name="Trần Văn Đức", phone="0987 654 321", email="duc@example.com")

    result = backup.restore(db, admin, info.path)
    with db.read() as s:                       # the app's own connections see the restored file
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
    assert result.aside is not None and result.aside.parent == Path(db.url.database).parent
    assert "before-restore" in result.aside.name
    kept = sqlite3.connect(result.aside)
    assert kept.execute("SELECT count(*) FROM customers").fetchone()[0] == 2   # nothing lost
    kept.close()
    con = sqlite3.connect(db.url.database)
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    con.close()
    with db.read() as s:                       # the activity log of the restored books says so
        events = [(e.action, e.actor_name, e.after.get("file")) for e in s.scalars(
            select(ActivityEvent).where(ActivityEvent.entity == "company").order_by(ActivityEvent.id))]
    assert events[-1] == ("restored", "Trần Quản Trị", str(info.path))


def _damaged_files(tmp_path: Path, good: Path) -> dict[str, Path]:
    truncated = tmp_path / "truncated.sqlite"
    data = good.read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    noise = tmp_path / "noise.sqlite"
    noise.write_bytes(os.urandom(64 * 1024))
    flipped = tmp_path / "flipped.sqlite"           # a valid header, garbage in the pages
    flipped.write_bytes(data[:4096] + os.urandom(len(data) - 4096))
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('shopping list')")
    con.commit()
    con.close()
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(data)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    return {"truncated": truncated, "noise": noise, "flipped": flipped, "other": other, "newer": newer}


def test_a_damaged_or_foreign_file_is_refused_with_a_message_and_the_database_is_untouched(sqlite_db, tmp_path):
    db = sqlite_db
    admin = _admin(db)
    _use_folder(db, admin, tmp_path / "backups")
    make_customer(db)
    good = backup.back_up_now(db, admin).path
    make_customer(db, name="Trần Văn Đức", phone="0987 654 321", email="duc@example.com")
    expected = {
        "truncated": "damaged", "flipped": "damaged", "noise": "not a SQLite database",
        "other": "not an ImportDesk one", "newer": "newer ImportDesk",
    }
    for name, path in _damaged_files(tmp_path, good).items():
        with pytest.raises(backup.BackupRefused) as refused:
            backup.restore(db, admin, path)
        assert expected[name] in refused.value.msgid, (name, refused.value.message())
        assert refused.value.message() and "{" not in refused.value.message()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 2
    assert not list(Path(db.url.database).parent.glob("*before-restore*"))   # nothing was touched


def test_only_an_admin_backs_up_lists_and_restores(sqlite_db, tmp_path):
    db = sqlite_db
    admin = _admin(db)
    _use_folder(db, admin, tmp_path / "backups")
    manager = make_user(db, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        backup.back_up_now(db, manager)
    with pytest.raises(PermissionDenied):
        backup.list_backups(db, manager)
    info = backup.back_up_now(db, admin)
    with pytest.raises(PermissionDenied):
        backup.restore(db, manager, info.path)
    assert [b.path for b in backup.list_backups(db, admin)] == [info.path]


# -- retention, the daily copy, the copy before an upgrade -----------------------------------------

def test_retention_keeps_the_newest_n_of_this_database_only(sqlite_db, tmp_path):
    db = sqlite_db
    admin = _admin(db)
    folder = tmp_path / "backups"
    _use_folder(db, admin, folder, keep=3)
    folder.mkdir(exist_ok=True)
    stranger = folder / "othercompany-otherdb-20200101-000000-daily.sqlite"
    stranger.write_bytes(b"someone else's")
    start = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    made = [backup.take_backup(db, "daily", at=start + timedelta(days=i)).path for i in range(5)]
    left = backup.list_backups(db, admin)
    assert [b.path for b in left] == made[:1:-1]             # the three newest, newest first
    assert [b.taken_at for b in left] == [start + timedelta(days=i) for i in (4, 3, 2)]
    assert stranger.exists()
    assert all(p.name.startswith("importdesk-") and "-20260" in p.name for p in made)


def test_the_daily_job_backs_up_once_a_day(sqlite_db, tmp_path):
    db = sqlite_db
    admin = _admin(db)
    folder = tmp_path / "backups"
    _use_folder(db, admin, folder)
    assert not isinstance(run_housekeeping(db)["daily_backup"], Exception)
    assert len(list(folder.glob("*-daily.sqlite"))) == 1
    assert run_housekeeping(db)["daily_backup"] == "recent"
    tomorrow = datetime.now(timezone.utc) + timedelta(hours=25)
    backup.daily_backup(db, now=tomorrow)
    assert len(list(folder.glob("*-daily.sqlite"))) == 2
    settings_service.update_settings(db, admin, {"backup.daily": False})
    assert backup.daily_backup(db, now=tomorrow + timedelta(days=2)) == "off"


def test_a_database_behind_the_app_is_backed_up_before_its_schema_is_upgraded(db, tmp_path):
    admin = _admin(db)
    folder = tmp_path / "backups"
    _use_folder(db, admin, folder)
    dbmod.upgrade(db)                                # already at head: nothing to copy
    assert not folder.exists() or not list(folder.iterdir())
    previous = "0006"
    dbmod.downgrade(db, previous)
    dbmod.upgrade(db)
    assert dbmod.stored_revision(db) == dbmod.SCHEMA_HEAD
    ext = ".sqlite" if db.kind == "sqlite" else ".dump"
    copies = list(folder.glob(f"*-before-upgrade-{previous}{ext}"))
    assert len(copies) == 1
    assert backup.inspect_backup(copies[0]).revision == previous
    if db.kind == "sqlite":
        con = sqlite3.connect(copies[0])
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 1      # the admin is in it
        con.close()
    # the copy brings the books back as they were; the next start upgrades them again
    db.dispose()
    backup.restore(db, admin, copies[0])
    assert dbmod.stored_revision(db) == previous
    dbmod.upgrade(db)
    assert dbmod.stored_revision(db) == dbmod.SCHEMA_HEAD


def test_a_backup_folder_out_of_reach_does_not_lock_the_company_out_at_an_upgrade(sqlite_db, tmp_path):
    db = sqlite_db
    admin = _admin(db)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    _use_folder(db, admin, blocked)
    with pytest.raises(backup.BackupFailed):
        backup.back_up_now(db, admin)
    dbmod.downgrade(db, "0006")
    dbmod.upgrade(db)
    assert list((Path(db.url.database).parent / "backups").glob("*-before-upgrade-0006.sqlite"))


# -- the command line ---------------------------------------------------------------------------------

def test_the_command_line_backs_up_and_restores_a_sqlite_file(sqlite_db, tmp_path, capsys):
    db = sqlite_db
    make_warehouses(db)
    make_customer(db)
    url = str(db.url)
    out = tmp_path / "copy.sqlite"
    assert cli_main(["backup", "--url", url, "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out and out.exists()
    make_customer(db, name="Trần Văn Đức", phone="0987 654 321", email="duc@example.com")
    missing = tmp_path / "nothing-here.db"
    assert cli_main(["backup", "--url", f"sqlite:///{missing}"]) == 1
    assert not missing.exists()                      # not created empty and "backed up"
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(os.urandom(10_000))
    assert cli_main(["restore", str(junk), "--url", url]) == 1
    assert "refused" in capsys.readouterr().err
    assert cli_main(["restore", str(out), "--url", url]) == 0
    assert "before-restore" in capsys.readouterr().out
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 1


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
def test_the_command_line_round_trips_postgresql_through_pg_dump_and_pg_restore(db, tmp_path, capsys):
    make_warehouses(db)
    care = make_user(db, Role.CARE)
    make_customer(db, care, name="Nguyễn Thị Hằng")
    url = db.url.render_as_string(hide_password=False)
    dump = tmp_path / "company.dump"
    assert cli_main(["backup", "--url", url, "-o", str(dump)]) == 0
    assert dump.read_bytes()[:5] == b"PGDMP"                      # pg_dump's custom format
    make_customer(db, care, name="Trần Văn Đức", phone="0987 654 321", email="duc@example.com")
    with db.transaction() as tx:
        tx.execute(text("UPDATE customers SET name = 'changed' WHERE name = 'Nguyễn Thị Hằng'"))
    db.dispose()

    broken = tmp_path / "broken.dump"
    broken.write_bytes(dump.read_bytes()[:200])
    assert cli_main(["restore", str(broken), "--url", url]) == 1
    assert "refused" in capsys.readouterr().err

    assert cli_main(["restore", str(dump), "--url", url]) == 0
    assert "kept" in capsys.readouterr().out
    with db.read() as s:
        assert list(s.scalars(select(Customer.name))) == ["Nguyễn Thị Hằng"]
        assert s.scalar(text("SELECT version_num FROM alembic_version")) == dbmod.SCHEMA_HEAD
    # the application still works on the restored server: a new customer gets a fresh id
    make_customer(db, care, name="Lê Thu Trang", phone="0903 111 222", email="trang@example.com")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 2
    # and the database as it was before the restore was dumped aside first
    asides = list(backup.plan_for(db).folder.glob("*-before-restore.dump"))
    assert asides and backup.inspect_backup(asides[-1]).revision == dbmod.SCHEMA_HEAD


def test_cancel_before_the_copy_leaves_nothing_behind_and_after_the_replace_changes_nothing(sqlite_db, tmp_path):
    from app.progress import CancellableProgress, Cancelled

    db = sqlite_db
    admin = _admin(db)
    folder = tmp_path / "backups"
    _use_folder(db, admin, folder)
    cancelled = CancellableProgress()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        backup.back_up_now(db, admin, cancelled)
    assert not folder.exists() or not list(folder.iterdir())      # no copy, no half copy

    info = backup.back_up_now(db, admin)
    make_customer(db)

    class CancelDuringRestore(CancellableProgress):
        def update(self, done, total=None, label=None):
            super().update(done, total, label)
            if done == 2:
                self.cancel()       # pressed while the copy is being written in

    result = backup.restore(db, admin, info.path, CancelDuringRestore())
    assert result.restored.path == info.path
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
