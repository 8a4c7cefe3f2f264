"""Report fixtures: two months of generated business on each database, built once per test worker
and copied for each test (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL)."""
from __future__ import annotations

import itertools
import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text

from app import db as dbmod
from app.clock import FixedClock
from tests.reports.business import END, generate

_n = itertools.count()


@pytest.fixture(scope="session")
def business_sqlite_file(tmp_path_factory, sqlite_template):
    path = tmp_path_factory.mktemp("business") / "business.db"
    shutil.copyfile(sqlite_template, path)
    database = dbmod.Database(f"sqlite:///{path}", clock=FixedClock())
    generate(database)
    with database.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture(scope="session")
def business_pg_template(pg, pg_template):
    name = f"business_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    admin.dispose()
    database = dbmod.Database(pg.url_for(name), clock=FixedClock())
    generate(database)
    database.dispose()
    return name


def _business_db(kind: str, request, tmp_path):
    clock = FixedClock(END)
    if kind == "sqlite":
        path = tmp_path / f"business{next(_n)}.db"
        shutil.copyfile(request.getfixturevalue("business_sqlite_file"), path)
        return dbmod.Database(f"sqlite:///{path}", clock=clock), None
    server = request.getfixturevalue("pg")
    template = request.getfixturevalue("business_pg_template")
    name = f"b_{os.getpid()}_{next(_n)}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return dbmod.Database(server.url_for(name), clock=clock), drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def business_db(request, tmp_path):
    """The generated company on each database; the clock stands where generation ended."""
    database, drop = _business_db(request.param, request, tmp_path)
    yield database
    database.dispose()
    if drop:
        drop()


@pytest.fixture
def both_business_dbs(request, tmp_path):
    """The same generated company on SQLite and on PostgreSQL, side by side."""
    made = [_business_db(kind, request, tmp_path) for kind in ("sqlite", "postgresql")]
    yield [d for d, _drop in made]
    for database, drop in made:
        database.dispose()
        if drop:
            drop()


@pytest.fixture
def manager_of():
    """The business's manager, acting as manager, from the database's users."""
    from sqlalchemy import select

    from app.models import User
    from app.permissions import Actor, Role

    def find(database) -> Actor:
        with database.read() as s:
            user = s.scalar(select(User).where(User.username == "quanly"))
            return Actor(user.id, user.full_name, Role.MANAGER, frozenset({Role.MANAGER, Role.CARE}))
    return find
