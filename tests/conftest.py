"""Shared fixtures: every persistence/service test runs on SQLite and on a real PostgreSQL.

The PostgreSQL server is started by the session (tests/pg_server.py). Without binaries the
PostgreSQL half is skipped with one line saying why — unless IMPORTDESK_REQUIRE_PG=1 (as in
.ci/run), where a missing server is an error. Each test gets a fresh database copied from a
migrated template, and a settable clock.
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
from pathlib import Path

# offscreen, on the screen of the smallest laptop the offices use (1366×768): windows must fit it
os.environ.setdefault("QT_QPA_PLATFORM",
                      f"offscreen:configfile={Path(__file__).resolve().parent / 'offscreen-1366x768.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")
# every in-process Session.call also goes through the wire format (ui.session.check_wire)
os.environ.setdefault("IMPORTDESK_CHECK_WIRE", "1")
# backups taken by the code under test (daily, before an upgrade) go to a throw-away data folder
if "IMPORTDESK_DATA_DIR" not in os.environ:
    import atexit
    import tempfile

    os.environ["IMPORTDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="importdesk-test-data-")
    atexit.register(shutil.rmtree, os.environ["IMPORTDESK_DATA_DIR"], ignore_errors=True)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import db as dbmod  # noqa: E402
from app.clock import FixedClock  # noqa: E402
from app.i18n import set_language  # noqa: E402
from tests import pg_server  # noqa: E402

REQUIRE_PG = os.environ.get("IMPORTDESK_REQUIRE_PG") == "1"
PG_OK, PG_WHY = pg_server.available()
_counter = itertools.count()


def pytest_report_header(config):
    if PG_OK:
        return f"PostgreSQL: throw-away server from {pg_server.PG_BIN}"
    return f"PostgreSQL: UNAVAILABLE ({PG_WHY})"


def pytest_collection_modifyitems(config, items):
    if PG_OK:
        return
    if REQUIRE_PG:
        raise pytest.UsageError(f"IMPORTDESK_REQUIRE_PG=1 but PostgreSQL cannot run: {PG_WHY}")
    marker = pytest.mark.skipif(True, reason=f"PostgreSQL tests skipped: {PG_WHY}")
    for item in items:
        if "pg" in item.keywords:
            item.add_marker(marker)


@pytest.fixture(autouse=True)
def _vietnamese_ui():
    set_language("vi")
    yield
    set_language("vi")


@pytest.fixture(scope="session")
def pg():
    server = pg_server.PgServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg):
    engine = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text("CREATE DATABASE importdesk_template"))
    engine.dispose()
    database = dbmod.Database(pg.url_for("importdesk_template"))
    dbmod.upgrade(database)
    database.dispose()
    return "importdesk_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = dbmod.Database(f"sqlite:///{path}")
    dbmod.upgrade(database)
    database.dispose()
    return path


def _sqlite_db(tmp_path, template, clock):
    path = tmp_path / f"t{next(_counter)}.db"
    shutil.copyfile(template, path)
    return dbmod.Database(f"sqlite:///{path}", clock=clock)


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db(request, tmp_path, clock):
    """A fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        database = _sqlite_db(tmp_path, request.getfixturevalue("sqlite_template"), clock)
        yield database
        database.dispose()
        return
    server = request.getfixturevalue("pg")
    template = request.getfixturevalue("pg_template")
    name = f"t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    database = dbmod.Database(server.url_for(name), clock=clock)
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_db(tmp_path, sqlite_template, clock):
    """SQLite only: for UI tests, which drive the real services on the embedded database."""
    database = _sqlite_db(tmp_path, sqlite_template, clock)
    yield database
    database.dispose()
