"""PostgreSQL connections kept in the pool: one used a moment ago is used again without a ping
(a busy server would otherwise pay a round trip to the database before every call); one that
rested is pinged first, so a connection PostgreSQL dropped meanwhile (a restart, an idle timeout,
a link that died) is replaced without the person seeing an error."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from app.models import User


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_connection_postgresql_dropped_while_it_rested_is_replaced_without_an_error(db):
    db.ping_after = 0.0                      # every rest is long enough to ping
    with db.read() as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
    admin = create_engine(db.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:               # PostgreSQL ends the pooled connection
        assert c.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    with db.read() as s:                     # no error: the ping found it dead, a new one serves
        assert s.scalar(select(func.count()).select_from(User)) >= 0
        assert s.scalar(text("SELECT pg_backend_pid()")) != pid


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_connection_used_a_moment_ago_is_not_pinged(db, monkeypatch):
    import app.db as dbmod

    pinged: list[bool] = []
    real = dbmod.ping_if_idle
    monkeypatch.setattr(dbmod, "ping_if_idle", lambda *a: pinged.append(real(*a)) or pinged[-1])
    for _ in range(5):                       # a busy server: the same connection again and again
        with db.read() as s:
            s.scalar(select(func.count()).select_from(User))
    assert pinged and not any(pinged)
    db.ping_after = 0.0                      # now every rest counts as long: pinged before use
    pinged.clear()
    with db.read() as s:
        s.scalar(select(func.count()).select_from(User))
    assert pinged == [True]
